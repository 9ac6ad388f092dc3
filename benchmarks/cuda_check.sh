#!/usr/bin/env bash
# The checks that need a GPU, in one go: tests/test_cuda.py (each model computes on the GPU what it
# computes on the CPU; the training scripts run with --device cuda, bf16 too; a GPU-trained model
# loads on a CPU), then benchmarks/vae_epoch.py --device cuda (one PTB epoch per size and precision,
# written to benchmarks/results/vae_epoch_cuda.json). Logs go to OUT_DIR (default runs/cuda-check).
#
#   TEXTAE_DATA_DIR=../shared/data PYTHON=.venv/bin/python bash benchmarks/cuda_check.sh [OUT_DIR]
#
# PYTHON (default python3) must import torch with CUDA, textae's dependencies and pytest.
set -uo pipefail
out=${1:-runs/cuda-check}
python=${PYTHON:-python3}
mkdir -p "$out"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONUNBUFFERED=1
status=0
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/gpu.txt"
"$python" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name())" \
    2>&1 | tee -a "$out/gpu.txt"
"$python" -m pytest -q -p no:cacheprovider -rs tests/test_cuda.py 2>&1 | tee "$out/test_cuda.log" || status=1
"$python" benchmarks/vae_epoch.py --device cuda 2>&1 | tee "$out/vae_epoch.log" || status=1
exit $status
