"""Trees and parsing for textae: the bracket reader/writer, tree type and tree transforms.

This package never imports torch or textae, so it can be used (and tested) on its own.

Example:
    >>> from parsers import parse_tree, binarize
    >>> tree = parse_tree("(S (NP (DT the) (NN cat)) (VP (VBD sat)) (. .))")
    >>> tree.leaves()
    ['the', 'cat', 'sat', '.']
    >>> str(binarize(tree))
    '(S (NP (DT the) (NN cat)) (@S (VP (VBD sat)) (. .)))'
"""

from parsers.baselines import BalancedParser, LeftBranchingParser, RightBranchingParser
from parsers.evaluate import (
    EvalbInputError,
    EvalbParams,
    EvalbParamsError,
    EvalbResult,
    EvalbSentence,
    EvalbSummary,
    SentenceStatus,
    TooManyErrorsError,
    bracket_f1,
    evaluate_files,
    evaluate_trees,
    format_report,
)
from parsers.heads import head_binarize, head_index
from parsers.parser import ParseInputError, Parser, load_parser
from parsers.ptb import (
    BareWordError,
    EmptyInputError,
    EmptyNodeError,
    InvalidLabelError,
    MissingLabelError,
    TrailingTextError,
    TreeEncodingError,
    TreeParseError,
    UnbalancedBracketsError,
    iter_trees,
    parse_tree,
    read_trees,
    write_tree,
    write_trees,
)
from parsers.tokenize import TokenizationError, split_sentences, to_ptb_tokens, tokenize_text
from parsers.transforms import (
    as_language_model_text,
    binarize,
    collapse_unary,
    debinarize,
    from_nltk,
    is_binary,
    remove_empty,
    strip_functional_tags,
    strip_labels,
    to_nltk,
)
from parsers.tree import Tree

__all__ = [
    "EvalbInputError",
    "EvalbParams",
    "EvalbParamsError",
    "EvalbResult",
    "EvalbSentence",
    "EvalbSummary",
    "SentenceStatus",
    "TooManyErrorsError",
    "bracket_f1",
    "evaluate_files",
    "evaluate_trees",
    "format_report",
    "BalancedParser",
    "BareWordError",
    "LeftBranchingParser",
    "ParseInputError",
    "Parser",
    "RightBranchingParser",
    "TokenizationError",
    "load_parser",
    "split_sentences",
    "to_ptb_tokens",
    "tokenize_text",
    "EmptyInputError",
    "EmptyNodeError",
    "InvalidLabelError",
    "MissingLabelError",
    "TrailingTextError",
    "Tree",
    "as_language_model_text",
    "TreeEncodingError",
    "TreeParseError",
    "UnbalancedBracketsError",
    "binarize",
    "collapse_unary",
    "debinarize",
    "from_nltk",
    "head_binarize",
    "head_index",
    "is_binary",
    "iter_trees",
    "parse_tree",
    "read_trees",
    "remove_empty",
    "strip_functional_tags",
    "strip_labels",
    "to_nltk",
    "write_tree",
    "write_trees",
]
