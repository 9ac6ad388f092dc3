"""Head children of treebank constituents, and head-outward binarization.

The Stanford Sentiment Treebank's binary trees are the Stanford parser's output binarized
*from the head outward*: a constituent's head child first takes its right sisters one at a
time (nearest first), then its left sisters (nearest first). ``(S (NP It) (VP 's ...) (. .))``
becomes ``(S (NP It) (@S (VP 's ...) (. .)))`` and the coordination ``(NP (NN humor) (CC and)
(NN insight))``, whose head is the first conjunct, becomes ``((humor and) insight)``.
`head_binarize` applies the same convention to Penn-Treebank trees, so that WSJ trees can
be turned into SST-style bracketings.

Heads follow the head table of Collins (1999, appendix A), including the special rule for
noun phrases and the coordination rule (a head preceded by a conjunction moves to the
conjunct before it). The table here is our own transcription; labels are compared by
their basic category (``NP-SBJ-1`` and ``NP=2`` count as ``NP``; in a collapsed unary
chain ``S+VP`` a parent is read as its lowest label, a child as its highest).
"""

from __future__ import annotations

from collections.abc import Sequence

from parsers.tree import Tree, rewrite_bottom_up

__all__ = ["HEAD_RULES", "basic_category", "head_binarize", "head_index"]

# (direction, categories): "left" scans the children left to right once per category in
# order, "right" right to left; an empty list takes the first child from that side.
HEAD_RULES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "ADJP": (("left", ("NNS", "QP", "NN", "$", "ADVP", "JJ", "VBN", "VBG", "ADJP", "JJR", "NP", "JJS", "DT",
                       "FW", "RBR", "RBS", "SBAR", "RB")),),
    "ADVP": (("right", ("RB", "RBR", "RBS", "FW", "ADVP", "TO", "CD", "JJR", "JJ", "IN", "NP", "JJS", "NN")),),
    "CONJP": (("right", ("CC", "RB", "IN")),),
    "FRAG": (("right", ()),),
    "INTJ": (("left", ()),),
    "LST": (("right", ("LS", ":")),),
    "NAC": (("left", ("NN", "NNS", "NNP", "NNPS", "NP", "NAC", "EX", "$", "CD", "QP", "PRP", "VBG", "JJ", "JJS",
                      "JJR", "ADJP", "FW")),),
    "PP": (("right", ("IN", "TO", "VBG", "VBN", "RP", "FW")),),
    "PRN": (("left", ()),),
    "PRT": (("right", ("RP",)),),
    "QP": (("left", ("$", "IN", "NNS", "NN", "JJ", "RB", "DT", "CD", "NCD", "QP", "JJR", "JJS")),),
    "RRC": (("right", ("VP", "NP", "ADVP", "ADJP", "PP")),),
    "S": (("left", ("TO", "IN", "VP", "S", "SBAR", "ADJP", "UCP", "NP")),),
    "SBAR": (("left", ("WHNP", "WHPP", "WHADVP", "WHADJP", "IN", "DT", "S", "SQ", "SINV", "SBAR", "FRAG")),),
    "SBARQ": (("left", ("SQ", "S", "SINV", "SBARQ", "FRAG")),),
    "SINV": (("left", ("VBZ", "VBD", "VBP", "VB", "MD", "VP", "S", "SINV", "ADJP", "NP")),),
    "SQ": (("left", ("VBZ", "VBD", "VBP", "VB", "MD", "VP", "SQ")),),
    "UCP": (("right", ()),),
    "VP": (("left", ("TO", "VBD", "VBN", "MD", "VBZ", "VB", "VBG", "VBP", "VP", "ADJP", "NN", "NNS", "NP")),),
    "WHADJP": (("left", ("CC", "WRB", "JJ", "ADJP")),),
    "WHADVP": (("right", ("CC", "WRB")),),
    "WHNP": (("left", ("WDT", "WP", "WP$", "WHADJP", "WHPP", "WHNP")),),
    "WHPP": (("right", ("IN", "TO", "FW")),),
    "X": (("right", ()),),
}

_NOMINAL = ("NP", "NX", "NML")
# Punctuation tags (PTB escapes included): never a head, nor a verb's complement (parsers/frames.py).
PUNCTUATION_TAGS = frozenset({",", ":", ".", "``", "''", "-LRB-", "-RRB-", "#", "$"})


def basic_category(label: str, *, lowest: bool = False) -> str:
    """``NP-SBJ-1`` → ``NP``; ``S+VP`` → ``S`` (``VP`` with ``lowest``). Labels that start
    with a dash (``-LRB-``, ``-NONE-``) are kept whole."""
    if "+" in label:
        parts = [part for part in label.split("+") if part]
        label = (parts[-1] if lowest else parts[0]) if parts else label
    if label.startswith("-"):
        return label
    for cut in ("-", "=", "|"):
        position = label.find(cut)
        if position > 0:
            label = label[:position]
    return label


def _noun_phrase_head(categories: Sequence[str]) -> int:
    """Collins's rule for NP (and NX): possessive, then nouns from the right, then an NP
    from the left, then ``$ ADJP PRN``, ``CD``, ``JJ JJS RB QP`` from the right, else the
    last child."""
    last = len(categories) - 1
    if categories[last] == "POS":
        return last
    for wanted, from_right in ((("NN", "NNP", "NNPS", "NNS", "NX", "POS", "JJR"), True), (("NP",), False),
                               (("$", "ADJP", "PRN"), True), (("CD",), True), (("JJ", "JJS", "RB", "QP"), True)):
        order = range(last, -1, -1) if from_right else range(last + 1)
        for index in order:
            if categories[index] in wanted:
                return index
    return last


def head_index(label: str, child_labels: Sequence[str]) -> int:
    """Index of the head among the children (given by their labels) of a ``label`` node.

    Unknown parent labels take the first child. The coordination rule then applies: a
    head directly preceded by ``CC`` or ``CONJP`` moves to the child before that
    conjunction (skipping punctuation), as in Collins's parser.

    Raises:
        ValueError: If there are no children.
    """
    if not child_labels:
        raise ValueError(f"a {label!r} node without children has no head")
    parent = basic_category(label, lowest=True)
    categories = [basic_category(child) for child in child_labels]
    last = len(categories) - 1
    if parent in _NOMINAL:
        head = _noun_phrase_head(categories)
    else:
        rules = HEAD_RULES.get(parent, (("left", ()),))
        head = -1
        for direction, wanted in rules:
            order = range(last, -1, -1) if direction == "right" else range(last + 1)
            for category in wanted:
                head = next((index for index in order if categories[index] == category), -1)
                if head >= 0:
                    break
            if head >= 0:
                break
        if head < 0:  # nothing matched: the first child from the first rule's side
            head = last if rules[0][0] == "right" else 0
    if head >= 2 and categories[head - 1] in ("CC", "CONJP"):
        candidate = head - 2
        while candidate >= 0 and categories[candidate] in PUNCTUATION_TAGS:
            candidate -= 1
        if candidate >= 0:
            head = candidate
    return head


def head_binarize(tree: Tree, *, mark: str = "@") -> Tree:
    """Binarize from the head outward, as the Stanford Sentiment Treebank's trees are.

    A node with more than two children becomes a chain in which the head child first
    combines with its right sisters, nearest first, and then with its left sisters, nearest
    first: ``(A b H c d)`` with head ``H`` becomes ``(A b (@A (@A H c) d))``. Introduced
    nodes are labelled ``mark + label`` so `parsers.transforms.debinarize` undoes them.

    Args:
        tree: A labelled tree (run `remove_empty` and `strip_functional_tags` first for raw
            treebank trees; functional tags are ignored when finding heads anyway).
        mark: Prefix of the introduced labels.

    Returns:
        A tree with the same words and the same (label, start, end) spans, plus those of
        the introduced nodes.

    Raises:
        ValueError: If ``mark`` is empty or a non-preterminal label already starts with it.
    """
    if not mark:
        raise ValueError("mark must be a non-empty string")

    def rewrite(node: Tree, children: list[Tree | str]) -> Tree:
        if not node.is_preterminal and node.label.startswith(mark):
            raise ValueError(f"label {node.label!r} already starts with the binarization mark {mark!r}; "
                             "pick another mark")
        if len(children) <= 2:
            return Tree(node.label, tuple(children))
        labels = [child.label if isinstance(child, Tree) else child for child in children]
        head = head_index(node.label, labels)
        introduced = mark + node.label
        built: Tree | str = children[head]
        pending = [(children[index], "right") for index in range(head + 1, len(children))]
        pending += [(children[index], "left") for index in range(head - 1, -1, -1)]
        for number, (child, side) in enumerate(pending):
            label = node.label if number == len(pending) - 1 else introduced
            built = Tree(label, (built, child) if side == "right" else (child, built))
        return built  # type: ignore[return-value]

    return rewrite_bottom_up(tree, rewrite)  # type: ignore[return-value]

