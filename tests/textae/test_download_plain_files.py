"""Verified download of corpora published as plain files (no archive); no network is used."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from textae.corpora import download
from textae.corpora.download import ChecksumError, CorpusNotFoundError, CorpusSpec, ensure_corpus

BASE = "https://example.org/corpus/v1/"
CONTENT = {
    BASE + "a.txt": b"first file\n",
    "https://mirror.example.net/b.txt": b"second file\n",
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plain_spec(**overrides) -> CorpusSpec:
    values = dict(
        name="toy",
        url=BASE,
        archive_sha256=None,
        members={"a.txt": "a.txt", "https://mirror.example.net/b.txt": "b_local.txt"},
        file_sha256={"a.txt": sha(b"first file\n"), "b_local.txt": sha(b"second file\n")},
        plain_files=True,
    )
    values.update(overrides)
    return CorpusSpec(**values)


@pytest.fixture
def fake_download(monkeypatch):
    """Replaces the network download by a lookup in CONTENT; records the URLs asked for."""
    monkeypatch.delenv("TEXTAE_OFFLINE")
    requested: list[str] = []

    def fetch(url: str, destination: Path) -> None:
        requested.append(url)
        if url not in CONTENT:
            raise download.urllib.error.URLError(f"no such file {url}")
        destination.write_bytes(CONTENT[url])

    monkeypatch.setattr(download, "_download", fetch)
    return requested


def test_member_urls_are_resolved_against_the_base_url():
    assert plain_spec().file_urls == {"a.txt": BASE + "a.txt", "b_local.txt": "https://mirror.example.net/b.txt"}
    archive = CorpusSpec(name="z", url="https://x/y.zip", archive_sha256="0" * 64, members={"m": "m.txt"})
    assert archive.file_urls == {}


def test_plain_files_are_downloaded_checked_and_kept(fake_download, tmp_path):
    folder = ensure_corpus(plain_spec(), tmp_path)
    assert folder == tmp_path / "toy"
    assert (folder / "a.txt").read_bytes() == b"first file\n"
    assert (folder / "b_local.txt").read_bytes() == b"second file\n"
    assert sorted(fake_download) == sorted(CONTENT)
    assert sorted(path.name for path in folder.iterdir()) == ["a.txt", "b_local.txt"]  # no partial files
    assert not (tmp_path / ".downloads").exists()  # nothing to unpack, so nothing cached
    fake_download.clear()
    assert ensure_corpus(plain_spec(), tmp_path) == folder
    assert fake_download == []  # present files are used as they are


def test_only_missing_files_are_downloaded(fake_download, tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.txt").write_bytes(b"first file\n")
    ensure_corpus(plain_spec(), tmp_path)
    assert fake_download == ["https://mirror.example.net/b.txt"]


def test_wrong_checksum_is_refused_and_the_file_removed(fake_download, tmp_path):
    spec = plain_spec(file_sha256={"a.txt": sha(b"first file\n"), "b_local.txt": "1" * 64})
    with pytest.raises(ChecksumError, match="b.txt downloaded with sha256 .* expected 1111"):
        ensure_corpus(spec, tmp_path)
    assert not (tmp_path / "toy" / "b_local.txt").exists()
    assert not (tmp_path / "toy" / "b_local.txt.part").exists()


def test_failed_download_is_a_corpus_not_found_error_naming_the_urls(fake_download, tmp_path):
    spec = plain_spec(members={"missing.txt": "a.txt", "https://mirror.example.net/b.txt": "b_local.txt"})
    with pytest.raises(CorpusNotFoundError, match="download failed .*no such file") as error:
        ensure_corpus(spec, tmp_path)
    assert BASE + "missing.txt" in str(error.value)


def test_offline_names_the_files_and_their_urls(tmp_path):
    with pytest.raises(CorpusNotFoundError, match="downloads are turned off") as error:
        ensure_corpus(plain_spec(), tmp_path)
    message = str(error.value)
    for expected in ("a.txt", "b_local.txt", BASE + "a.txt", "https://mirror.example.net/b.txt", str(tmp_path / "toy")):
        assert expected in message


def test_plain_spec_validation():
    with pytest.raises(ValueError, match="no archive sha256"):
        plain_spec(archive_sha256="0" * 64)
    with pytest.raises(ValueError, match="every file needs"):
        plain_spec(file_sha256={"a.txt": sha(b"first file\n")})
