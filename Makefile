# The two commands of the README:  make sst  (train the main model)  and  make test.
# Each creates the virtual environment on first use and refreshes it when
# pyproject.toml or constraints.txt change.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The corpora: TEXTAE_DATA_DIR if set; else ../shared/data when it exists (this
# workplace's copy); else textae's own default (~/.cache/textae/data, downloaded).
ifeq ($(origin TEXTAE_DATA_DIR), undefined)
  ifneq ($(wildcard ../shared/data/sst/train.txt),)
    export TEXTAE_DATA_DIR := $(abspath ../shared/data)
  endif
endif

.PHONY: sst test lint venv clean
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $@

sst: venv
	$(PY) scripts/train_rae.py --sst $(ARGS)

test: venv
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(PY) -m pytest -q $(ARGS)

lint: venv
	$(PY) -m ruff check textae parsers scripts benchmarks tests

clean:
	rm -rf $(VENV) .pytest_cache
