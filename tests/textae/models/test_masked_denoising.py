"""The BERT corruption, checked to the statistic over 10^6 tokens."""

from __future__ import annotations

import pytest
import torch

from textae.models.masked_denoising import IGNORE_INDEX, MaskingConfig, mask_tokens

SPECIALS = (0, 1, 2, 3)
MASK = 4


def batch(rows: int = 4000, width: int = 250, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(5, 1000, (rows, width), generator=generator)
    lengths = torch.randint(1, width + 1, (rows,), generator=generator)
    tokens[torch.arange(width).unsqueeze(0) >= lengths.unsqueeze(1)] = 0  # padding
    tokens[:, 0] = 2  # <bos>
    return tokens


@pytest.mark.parametrize("convention", ["bernoulli", "exact"])
def test_rates_within_half_a_point_over_a_million_tokens(convention):
    tokens = batch()
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, convention=convention)
    corrupted, labels = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(1))
    eligible = tokens >= 5
    assert int(eligible.sum()) > 400_000
    chosen = labels != IGNORE_INDEX
    total = float(eligible.sum())
    masked = chosen & (corrupted == MASK)
    changed = chosen & (corrupted != MASK) & (corrupted != tokens)
    kept = chosen & (corrupted == tokens)
    assert abs(float(chosen.sum()) / total - 0.15) < 0.005
    assert abs(float(masked.sum()) / total - 0.12) < 0.005
    assert abs(float(changed.sum()) / total - 0.015) < 0.005
    assert abs(float(kept.sum()) / total - 0.015) < 0.005
    # Nothing outside the chosen positions changes; specials and padding are never chosen.
    assert torch.equal(corrupted[~chosen], tokens[~chosen])
    assert not bool(chosen[~eligible].any())
    assert torch.equal(labels[chosen], tokens[chosen])
    assert not bool(torch.isin(corrupted[changed], torch.tensor(SPECIALS + (MASK,))).any())


def test_exact_convention_chooses_round_rate_times_length_per_row():
    tokens = batch(rows=50, width=40)
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, convention="exact")
    _, labels = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(2))
    eligible = (tokens >= 5).sum(dim=1)
    expected = torch.where(eligible > 0, (eligible.double() * 0.15).round().long().clamp(min=1), eligible)
    assert torch.equal((labels != IGNORE_INDEX).sum(dim=1), expected)


def test_protected_positions_and_bad_settings():
    tokens = batch(rows=20, width=30)
    protected = torch.zeros_like(tokens, dtype=torch.bool)
    protected[:, 1:5] = True
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, select_rate=1.0)
    _, labels = mask_tokens(tokens, config, protected=protected)
    assert bool((labels[:, 1:5] == IGNORE_INDEX).all())
    with pytest.raises(ValueError, match="add up"):
        MaskingConfig(mask_id=MASK, vocab_size=1000, mask_fraction=0.9, random_fraction=0.2)
    with pytest.raises(ValueError, match="convention"):
        MaskingConfig(mask_id=MASK, vocab_size=1000, convention="poisson")


# ---------------------------------------------------------------- whole words


def words_batch(rows: int = 4000, width: int = 250, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch()`` with word boundaries: words of 1-4 pieces (a continuation may also follow <bos>)."""
    tokens = batch(rows, width, seed)
    generator = torch.Generator().manual_seed(seed + 100)
    word_starts = torch.rand(tokens.shape, generator=generator) < 0.45
    return tokens, word_starts


def word_index(word_starts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """``[B, T]`` the row-local word of every piece, as the module defines words."""
    special = tokens < 5
    after_special = torch.ones_like(special)
    after_special[:, 1:] = special[:, :-1]
    return (word_starts | special | after_special).long().cumsum(dim=1) - 1


def per_word(values: torch.Tensor, words: torch.Tensor, reduce: str) -> torch.Tensor:
    """Reduces ``[B, T]`` bool ``values`` over each word: ``[B*T]`` any / all per word slot."""
    flat = (words + torch.arange(words.shape[0]).unsqueeze(1) * words.shape[1]).reshape(-1)
    hits = torch.zeros(words.numel(), dtype=torch.long).index_add_(0, flat, values.long().reshape(-1))
    sizes = torch.zeros(words.numel(), dtype=torch.long).index_add_(0, flat, torch.ones_like(flat))
    return (hits > 0) if reduce == "any" else (hits == sizes) & (sizes > 0)


@pytest.mark.parametrize("convention", ["bernoulli", "exact"])
def test_whole_words_are_chosen_and_corrupted_together(convention):
    tokens, word_starts = words_batch()
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, convention=convention)
    corrupted, labels = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(3), word_starts=word_starts)
    chosen = labels != IGNORE_INDEX
    eligible = tokens >= 5
    words = word_index(word_starts, tokens)
    # Every word with a chosen piece has all its pieces chosen (and labelled with their ids).
    assert torch.equal(per_word(chosen, words, "any"), per_word(chosen, words, "all"))
    assert torch.equal(labels[chosen], tokens[chosen]) and not bool(chosen[~eligible].any())
    # One 80/10/10 decision per word: a chosen word is all [MASK] or has no [MASK].
    masked = chosen & (corrupted == MASK)
    assert torch.equal(per_word(masked, words, "any"), per_word(masked, words, "all") & per_word(chosen, words, "any"))
    assert torch.equal(corrupted[~chosen], tokens[~chosen])
    total = float(eligible.sum())
    changed = chosen & (corrupted != MASK) & (corrupted != tokens)
    kept = chosen & (corrupted == tokens)
    assert abs(float(chosen.sum()) / total - 0.15) < 0.005
    assert abs(float(masked.sum()) / total - 0.12) < 0.005
    assert abs(float(changed.sum()) / total - 0.015) < 0.005
    assert abs(float(kept.sum()) / total - 0.015) < 0.005
    num_words = per_word(eligible, words, "all")  # the words made of ordinary pieces
    chosen_words = per_word(chosen, words, "any")
    if convention == "bernoulli":  # the rate applies to words
        assert abs(float(chosen_words.sum()) / float(num_words.sum()) - 0.15) < 0.005
    else:  # the rate applies to tokens: never more than the budget per row
        budget = ((eligible.sum(dim=1).double() * 0.15).round().long().clamp(min=1))
        assert bool((chosen.sum(dim=1) <= budget).all())
        assert float(chosen.sum(dim=1).sum()) / float(budget.sum()) > 0.99


@pytest.mark.parametrize("convention", ["bernoulli", "exact"])
def test_one_piece_words_reproduce_token_level_masking_exactly(convention):
    tokens = batch(rows=300, width=60)
    protected = torch.zeros_like(tokens, dtype=torch.bool)
    protected[:, 2] = True
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, convention=convention)
    plain = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(4), protected=protected)
    words = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(4), protected=protected,
                        word_starts=torch.ones_like(protected))
    assert torch.equal(plain[0], words[0]) and torch.equal(plain[1], words[1])


def test_a_word_with_a_protected_piece_is_never_chosen():
    tokens = torch.tensor([[2, 10, 11, 12, 13, 14, 3]])
    word_starts = torch.tensor([[True, True, False, False, True, False, True]])  # words [10 11 12], [13 14]
    protected = torch.zeros_like(word_starts)
    protected[0, 2] = True
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, select_rate=1.0)
    _, labels = mask_tokens(tokens, config, protected=protected, word_starts=word_starts)
    assert labels.tolist() == [[IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 13, 14, IGNORE_INDEX]]
    with pytest.raises(ValueError, match="word_starts has shape"):
        mask_tokens(tokens, config, word_starts=word_starts[:, :3])


# ---------------------------------------------------------------- against transformers


@pytest.fixture(scope="module")
def wordpiece_batch():
    """About 10^6 pieces of made-up text through a locally trained WordPiece tokenizer."""
    from tests.textae.text_helpers import random_lexicon, random_sentences
    from textae.mlm import MLMCollator, continuation_table, train_wordpiece_tokenizer

    lexicon = random_lexicon(0)
    tokenizer = train_wordpiece_tokenizer(random_sentences(1, 2000, lexicon), 600, min_frequency=1)
    texts = [" ".join(sentence) for sentence in random_sentences(2, 15000, lexicon)]
    encoded = tokenizer(texts, truncation=True, max_length=128, return_offsets_mapping=True)
    batch = MLMCollator(tokenizer.pad_token_id, continuation_table(tokenizer))(encoded["input_ids"])
    offsets = torch.zeros(batch.input_ids.shape + (2,), dtype=torch.long)  # [B, T, 2]
    for row, pairs in enumerate(encoded["offset_mapping"]):
        offsets[row, : len(pairs)] = torch.tensor(pairs)
    return tokenizer, encoded["input_ids"], batch, offsets


def masking_for(tokenizer) -> MaskingConfig:
    specials = tuple(sorted(set(tokenizer.all_special_ids) - {tokenizer.mask_token_id}))
    return MaskingConfig(mask_id=tokenizer.mask_token_id, vocab_size=len(tokenizer), special_ids=specials)


def corruption_rates(clean: torch.Tensor, corrupted: torch.Tensor, labels: torch.Tensor, special: torch.Tensor,
                     mask_id: int) -> dict[str, float]:
    chosen = labels != IGNORE_INDEX
    # The label layout: -100 exactly where not chosen, the original id where chosen, the rest untouched.
    assert torch.equal(labels[chosen], clean[chosen])
    assert torch.equal(corrupted[~chosen], clean[~chosen])
    assert not bool(chosen[special].any()), "a special token or padding was chosen"
    total = float((~special).sum())
    return {
        "selected": float(chosen.sum()) / total,
        "mask": float((chosen & (corrupted == mask_id)).sum()) / total,
        "random": float((chosen & (corrupted != mask_id) & (corrupted != clean)).sum()) / total,
        "kept": float((chosen & (corrupted == clean)).sum()) / total,
    }


def test_same_layout_and_rates_as_the_transformers_collator(wordpiece_batch):
    from scipy.stats import chisquare
    from transformers import DataCollatorForLanguageModeling

    tokenizer, rows, batch, _ = wordpiece_batch
    clean = batch.input_ids
    special = torch.isin(clean, torch.tensor(tokenizer.all_special_ids))  # [PAD] [UNK] [CLS] [SEP] [MASK]
    assert int((~special).sum()) > 900_000
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=1)
    theirs = collator([{"input_ids": row} for row in rows])
    assert torch.equal(theirs["attention_mask"], batch.attention_mask)
    their_clean = torch.where(theirs["labels"] != IGNORE_INDEX, theirs["labels"], theirs["input_ids"])
    assert torch.equal(their_clean, clean)  # the same padded inputs
    masking = masking_for(tokenizer)
    corrupted, labels = mask_tokens(clean, masking, generator=torch.Generator().manual_seed(1))
    ours = corruption_rates(clean, corrupted, labels, special, masking.mask_id)
    reference = corruption_rates(clean, theirs["input_ids"], theirs["labels"], special, masking.mask_id)
    expected = {"selected": 0.15, "mask": 0.12, "random": 0.015, "kept": 0.015}
    for name, rate in expected.items():
        assert abs(ours[name] - rate) < 0.005, (name, ours)
        assert abs(reference[name] - rate) < 0.005, (name, reference)
    # Goodness of fit of our mask/random/keep split of the chosen pieces; a random draw equal
    # to the original piece counts as kept (1 in the number of ordinary pieces).
    chosen = labels != IGNORE_INDEX
    observed = [int((chosen & (corrupted == masking.mask_id)).sum()),
                int((chosen & (corrupted != masking.mask_id) & (corrupted != clean)).sum()),
                int((chosen & (corrupted == clean)).sum())]
    ordinary = masking.vocab_size - len(masking.special_ids) - 1
    probabilities = [0.8, 0.1 * (1 - 1 / ordinary), 0.1 + 0.1 / ordinary]
    assert sum(observed) == int(chosen.sum())
    result = chisquare(observed, [p * sum(observed) for p in probabilities])
    assert result.pvalue > 0.001, (observed, result)


def test_whole_words_match_the_transformers_whole_word_collator(wordpiece_batch):
    """On letters-only text the '##' words are transformers' offset-based words; both choose
    whole words only, at the same rates (transformers writes only [MASK] under whole-word masking)."""
    import warnings

    from transformers import DataCollatorForLanguageModeling

    tokenizer, _, batch, offsets = wordpiece_batch
    masking = masking_for(tokenizer)
    rows = slice(0, 4000)  # transformers builds a [B, T, T] array
    clean, word_starts, offsets = batch.input_ids[rows], batch.word_starts[rows], offsets[rows]
    special = torch.isin(clean, torch.tensor(tokenizer.all_special_ids))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "random replacement is not supported with whole word masking"
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, whole_word_mask=True, seed=5)
    collator.create_rng()
    their_words, _ = collator._calc_word_ids_and_prob_mask(offsets.numpy(), special.long().numpy())
    ours_words = word_index(word_starts, clean)
    # The same segmentation: a new word starts at the same pieces.
    their_starts = torch.from_numpy(their_words != 0) & ~special
    their_starts[:, 1:] &= torch.from_numpy(their_words[:, 1:] != their_words[:, :-1])
    our_starts = word_starts & ~special
    assert torch.equal(their_starts, our_starts)
    their_corrupted, their_labels = collator.torch_mask_tokens(clean.clone(), special.long(), offsets.numpy())
    corrupted, labels = mask_tokens(clean, masking, generator=torch.Generator().manual_seed(6), word_starts=word_starts)
    total = float((~special).sum())
    words = per_word(~special, ours_words, "all")
    for name, (ids, targets) in {"ours": (corrupted, labels), "transformers": (their_corrupted, their_labels)}.items():
        chosen = targets != IGNORE_INDEX
        corruption_rates(clean, ids, targets, special, masking.mask_id)  # the layout checks
        assert torch.equal(per_word(chosen, ours_words, "any"), per_word(chosen, ours_words, "all")), name
        assert abs(float(chosen.sum()) / total - 0.15) < 0.005, name
        assert abs(float(per_word(chosen, ours_words, "any").sum()) / float(words.sum()) - 0.15) < 0.005, name
