"""Microsoft Research Paraphrase Corpus (Dolan & Brockett 2005): 4,076 train and 1,725 test pairs.

Each pair of news sentences is labelled 1 (paraphrase) or 0 (not); 2,753 of the train and
1,147 of the test pairs are paraphrases. Socher et al. (NIPS 2011, "Dynamic Pooling and
Unfolding Recursive Autoencoders for Paraphrase Detection") report accuracy and F1 on the
test split; there is no official dev split.

Files: ``<data dir>/msrp/msr_paraphrase_{train,test}.txt``, byte for byte as Microsoft
released them: UTF-8 with a byte-order mark, CRLF line endings, a header line
``Quality<TAB>#1 ID<TAB>#2 ID<TAB>#1 String<TAB>#2 String`` and one pair per line. When
missing they are downloaded as two plain files from a GitHub copy pinned to one commit
(the repository's later HEAD appends toy rows to the train file), each checked against
its recorded sha256.

Reading rules (see :func:`load_msrp`):

* every data row is split on tabs into exactly 5 fields. Quotes are *not* special: many
  sentences hold an odd number of ``"``, and a CSV reader that honours quotes merges rows;
* the sentences are kept raw and also tokenised with :func:`parsers.tokenize.tokenize`
  (Penn Treebank tokens, SST spellings);
* before tokenising, control characters are replaced by a space. Train row 1765 (line
  1766) holds U+0012 where an apostrophe was meant (``Treasury\\x12s``), which the
  tokenizer would reject; it becomes ``Treasury s``. The raw sentence keeps the character.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from parsers.tokenize import tokenize
from textae.corpora.download import CorpusSpec, ensure_corpus

SPLITS = ("train", "test")
COMMIT = "6239499b4336487deb67936be09d43a25b4d3f37"
HEADER = ("Quality", "#1 ID", "#2 ID", "#1 String", "#2 String")

SPEC = CorpusSpec(
    name="msrp",
    url=f"https://raw.githubusercontent.com/Pzeyang/Paraphrase_Identification/{COMMIT}/",
    archive_sha256=None,
    members={f"msr_paraphrase_{split}.txt": f"msr_paraphrase_{split}.txt" for split in SPLITS},
    file_sha256={
        "msr_paraphrase_train.txt": "f3d26d73bb3510032f80836e2e81cf32c71863f8dd6151aa80a125c2c799a557",
        "msr_paraphrase_test.txt": "51a1f197d8786712d2f0d97700f5be653b7488a96cde00e158159350d23e3d90",
    },
    citation="Dolan & Brockett 2005, Automatically Constructing a Corpus of Sentential Paraphrases",
    plain_files=True,
)

# Unicode category Cc: C0 controls, DEL and C1 controls (tab cannot occur inside a field).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class CorpusFormatError(ValueError):
    """A corpus file does not have the expected layout.

    Attributes:
        path: the file.
        line: the 1-based line number of the offending line.
    """

    def __init__(self, path: str | os.PathLike, line: int, problem: str) -> None:
        super().__init__(f"{path}, line {line}: {problem}")
        self.path = Path(path)
        self.line = line


@dataclass(frozen=True)
class ParaphrasePair:
    """One MSRP sentence pair.

    Attributes:
        label: 1 if the sentences are paraphrases, else 0 (the file's ``Quality``).
        id1, id2: the sentences' ids in Microsoft's news-cluster collection.
        sentence1, sentence2: the sentences exactly as in the file.
        tokens1, tokens2: their Penn Treebank tokens (control characters read as spaces).
    """

    label: int
    id1: str
    id2: str
    sentence1: str
    sentence2: str
    tokens1: list[str]
    tokens2: list[str]


def _tokens(sentence: str) -> list[str]:
    return tokenize(_CONTROL_CHARACTERS.sub(" ", sentence))


def read_msrp_file(path: str | os.PathLike, max_pairs: int | None = None) -> list[ParaphrasePair]:
    """Reads one MSRP file (header line, then ``label<TAB>id1<TAB>id2<TAB>s1<TAB>s2`` rows).

    Lines are split on ``\\n`` only and a final ``\\r`` is stripped, so a sentence can
    never be cut by another line-break character; empty lines are skipped.

    ``max_pairs`` keeps only the first N pairs (``None``: all). Every row is still checked,
    so a file is refused or accepted the same either way; only the kept pairs are tokenized
    (tokenizing is what takes the time: ~7 s for the whole corpus).

    Raises:
        CorpusFormatError: a wrong header, a row without exactly 5 tab-separated fields, a
            label other than 0/1, or an empty id or sentence (the message names the file
            and the line).
    """
    if max_pairs is not None and (isinstance(max_pairs, bool) or not isinstance(max_pairs, int) or max_pairs < 0):
        raise ValueError(f"max_pairs must be None or an integer >= 0, got {max_pairs!r}")
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig")
    pairs: list[ParaphrasePair] = []
    header_seen = False
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line:
            continue
        fields = line.split("\t")
        if not header_seen:
            if tuple(fields) != HEADER:
                raise CorpusFormatError(path, number, f"expected the header {'<TAB>'.join(HEADER)!r}, got {line[:80]!r}")
            header_seen = True
            continue
        if len(fields) != len(HEADER):
            raise CorpusFormatError(path, number, f"expected 5 tab-separated fields, got {len(fields)}: {line[:80]!r}")
        label, id1, id2, sentence1, sentence2 = fields
        if label not in ("0", "1"):
            raise CorpusFormatError(path, number, f"the label (Quality) must be 0 or 1, got {label!r}")
        if not all(field.strip() for field in (id1, id2, sentence1, sentence2)):
            raise CorpusFormatError(path, number, f"an id or sentence is empty: {line[:80]!r}")
        if max_pairs is None or len(pairs) < max_pairs:
            pairs.append(ParaphrasePair(int(label), id1, id2, sentence1, sentence2,
                                        _tokens(sentence1), _tokens(sentence2)))
    if not header_seen:
        raise CorpusFormatError(path, 1, "the file is empty (no header line)")
    return pairs


def load_msrp(split: str, data_dir: str | os.PathLike | None = None, *, download: bool = True,
              max_pairs: int | None = None) -> list[ParaphrasePair]:
    """The pairs of one split (``train``: 4,076, ``test``: 1,725), in file order; with
    ``max_pairs``, the first N of them (the rest are checked, not tokenized).

    Raises:
        ValueError: an unknown split, or ``max_pairs`` not None nor an integer >= 0.
        CorpusNotFoundError: the files are missing and cannot be downloaded.
        CorpusFormatError: a malformed line (see :func:`read_msrp_file`).
    """
    if split not in SPLITS:
        raise ValueError(f"MSRP split must be one of {SPLITS}, got {split!r}")
    folder = ensure_corpus(SPEC, data_dir, download=download)
    return read_msrp_file(folder / f"msr_paraphrase_{split}.txt", max_pairs)
