"""Where corpora live, and their verified download.

The data directory is, in order: the ``data_dir`` argument (``--data-dir`` in every
script), the ``TEXTAE_DATA_DIR`` environment variable, else ``~/.cache/textae/data``
(or ``$XDG_CACHE_HOME/textae/data``). Corpus ``name`` lives in ``<data dir>/<name>/``.

When a corpus's files are missing, :func:`ensure_corpus` downloads its archive into
``<data dir>/.downloads/``, checks its sha256 against the one recorded in the
corpus's :class:`CorpusSpec`, and unpacks the files. A corpus published as plain files
(``plain_files=True``, no archive) has each missing file downloaded straight into its
folder and checked against its own sha256. ``TEXTAE_OFFLINE=1`` forbids any
download (tests set it); then a missing corpus is a :class:`CorpusNotFoundError`
naming the files expected, the directory searched and the variable to set.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from tqdm.auto import tqdm

ENV_DATA_DIR = "TEXTAE_DATA_DIR"
ENV_OFFLINE = "TEXTAE_OFFLINE"


class CorpusNotFoundError(FileNotFoundError):
    """A corpus is not on disk and could not be downloaded."""


class ChecksumError(ValueError):
    """A downloaded archive or unpacked file does not have the recorded sha256."""


@dataclass(frozen=True)
class CorpusSpec:
    """Where a corpus comes from and how to check it.

    Attributes:
        name: folder under the data directory.
        url: the archive (zip or tar) to download; with ``plain_files`` the base URL that
            the members are resolved against.
        archive_sha256: its sha256, or None where only the unpacked files' sums are known
            (then every file must have one in ``file_sha256``). Always None with
            ``plain_files``.
        members: archive member -> file name in the corpus folder; with ``plain_files``,
            the file's URL (absolute, or relative to ``url``) -> file name.
        file_sha256: file name -> sha256 of the unpacked (or downloaded) file.
        citation: what to cite; shown in errors and the data README.
        plain_files: the corpus is published as separate files, not as one archive: each
            member is downloaded as is and checked against its own sha256.
    """

    name: str
    url: str
    archive_sha256: str | None
    members: dict[str, str]
    file_sha256: dict[str, str] = field(default_factory=dict)
    citation: str = ""
    plain_files: bool = False

    def __post_init__(self) -> None:
        if self.plain_files and self.archive_sha256 is not None:
            raise ValueError(f"corpus {self.name}: plain files have no archive, so no archive sha256")
        if self.archive_sha256 is None and set(self.file_sha256) != set(self.members.values()):
            raise ValueError(f"corpus {self.name}: without an archive sha256 every file needs its own")

    @property
    def files(self) -> list[str]:
        return list(self.members.values())

    @property
    def file_urls(self) -> dict[str, str]:
        """File name -> URL it is downloaded from (``plain_files`` only; else empty)."""
        if not self.plain_files:
            return {}
        return {name: urljoin(self.url, member) for member, name in self.members.items()}


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: argument > $TEXTAE_DATA_DIR > ~/.cache/textae/data."""
    if data_dir:
        return Path(data_dir).expanduser()
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "textae" / "data"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _missing_message(spec: CorpusSpec, folder: Path, missing: list[str], reason: str) -> str:
    sources = ", ".join(spec.file_urls[name] for name in missing) if spec.plain_files else spec.url
    # a corpus of many files (the WSJ sample's 199) is named by its first and last missing ones
    named = ", ".join(missing) if len(missing) <= 6 else f"{missing[0]} ... {missing[-1]} ({len(missing)} files)"
    return (
        f"the {spec.name} corpus is not available: {reason}\n"
        f"  expected files: {named}\n"
        f"  searched in:    {folder}\n"
        f"  to fix: put the files there, or point {ENV_DATA_DIR} (or --data-dir) at a directory "
        f"holding '{spec.name}/', or allow the download of {sources}"
    )


def _download(url: str, destination: Path) -> None:
    partial = destination.with_name(destination.name + ".part")
    with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as handle:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {destination.name}") as bar:
            for block in iter(lambda: response.read(1 << 16), b""):
                handle.write(block)
                bar.update(len(block))
    os.replace(partial, destination)


def _archive_members(archive: Path, members: dict[str, str]):
    """Yields (member, file name, open binary stream) from a .zip or a .tar(.gz) archive."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as opened:
            for member, name in members.items():
                yield member, name, opened.open(member)
        return
    with tarfile.open(archive) as opened:
        for member, name in members.items():
            stream = opened.extractfile(member)
            if stream is None:
                raise ChecksumError(f"{member} is not a file in {archive}")
            yield member, name, stream


def _download_plain_files(spec: CorpusSpec, folder: Path, missing: list[str]) -> None:
    """Downloads each missing plain file into ``folder``, keeping it only if its sha256 matches."""
    urls = spec.file_urls
    folder.mkdir(parents=True, exist_ok=True)
    for name in missing:
        target = folder / name
        partial = target.with_name(name + ".part")
        try:
            _download(urls[name], partial)
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            raise CorpusNotFoundError(_missing_message(spec, folder, missing, f"download failed ({error})")) from error
        actual = sha256_of(partial)
        if actual != spec.file_sha256[name]:
            partial.unlink()
            raise ChecksumError(
                f"{urls[name]} downloaded with sha256 {actual}, expected {spec.file_sha256[name]}; "
                "the file was removed, try again or fetch it by hand"
            )
        os.replace(partial, target)


def ensure_corpus(spec: CorpusSpec, data_dir: str | os.PathLike | None = None, *, download: bool = True) -> Path:
    """Returns the corpus folder, downloading and verifying it first if files are missing.

    Raises:
        CorpusNotFoundError: files missing and no download allowed or possible.
        ChecksumError: the downloaded archive, an unpacked file or a downloaded plain file
            has the wrong sha256.
    """
    folder = data_root(data_dir) / spec.name
    missing = [name for name in spec.files if not (folder / name).is_file()]
    if not missing:
        return folder
    if not download or os.environ.get(ENV_OFFLINE, "") not in ("", "0"):
        raise CorpusNotFoundError(_missing_message(spec, folder, missing, "downloads are turned off"))
    if spec.plain_files:
        _download_plain_files(spec, folder, missing)
        return folder
    downloads = folder.parent / ".downloads"
    archive = downloads / Path(spec.url).name
    try:
        downloads.mkdir(parents=True, exist_ok=True)
        if not archive.is_file():
            _download(spec.url, archive)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise CorpusNotFoundError(_missing_message(spec, folder, missing, f"download failed ({error})")) from error
    actual = sha256_of(archive)
    if spec.archive_sha256 is not None and actual != spec.archive_sha256:
        archive.unlink()
        raise ChecksumError(
            f"{spec.url} downloaded with sha256 {actual}, expected {spec.archive_sha256}; "
            "the file was removed, try again or fetch it by hand"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for member, name, source in _archive_members(archive, spec.members):
        target = folder / name
        partial = target.with_name(name + ".part")
        with source, partial.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        expected = spec.file_sha256.get(name)
        if expected is not None and sha256_of(partial) != expected:
            partial.unlink()
            raise ChecksumError(f"{member} from {archive} does not have the recorded sha256 {expected}")
        os.replace(partial, target)
    return folder
