"""Repetition measures: splitting, exact repeats, near duplicates, loops, metrics (hand-computed)."""

from __future__ import annotations

import math
import random
import zlib
from pathlib import Path

import numpy as np
import pytest

from longwriter_zero.jsonl import read_jsonl
from longwriter_zero.reward_model.damage import paraphrase_paragraph, paraphrase_pad
from longwriter_zero.rewards import repetition as rep
from longwriter_zero.text.units import (content_words, split_paragraphs, split_sentences,
                                                tokenize, tokenize_answer)

DATA = Path(__file__).parent / "data"
ASSETS = Path(__file__).resolve().parents[1] / "src" / "longwriter_zero" / "assets"


def test_split_paragraphs_blank_lines_and_single_newlines():
    assert split_paragraphs("a b\n\n  \nc d\ne") == ["a b", "c d\ne"]
    assert split_paragraphs("one\ntwo\n three ") == ["one", "two", "three"]
    assert split_paragraphs("  \n ") == []


def test_split_sentences_english_and_chinese():
    assert split_sentences('He said "stop." Then left! Why? 3.5 stays') == ['He said "stop.', "Then left!", "Why?", "3.5 stays"]
    assert split_sentences("我很好。你呢？好的") == ["我很好。", "你呢？", "好的"]


def test_tokenize_answer_ids():
    doc = tokenize_answer("One two. Three!\n\nFour 五六。")
    assert doc.tokens == ("one", "two", "three", "four", "五", "六")
    assert doc.paragraph.tolist() == [0, 0, 0, 1, 1, 1]
    assert doc.sentence.tolist() == [0, 0, 1, 2, 2, 2]
    assert doc.paragraph_starts.tolist() == [0, 3, 6]


def test_content_words_drop_stopwords_and_use_chinese_bigrams():
    assert content_words(tokenize("The river is very wide and the river floods")) == ["river", "wide", "river", "floods"]
    # 的 and 是 are function characters, so the bigram 的是 is skipped; single chars are never terms
    assert content_words(tokenize("河流的是")) == ["河流", "流的"]


def test_exact_sentence_repeat_share_hand_computed():
    s1 = "The harbour opens at six every morning."     # 7 tokens
    s2 = "Fishing boats leave before the sun rises."   # 7 tokens
    text = f"{s1} {s2}\n\n{s1}"                         # the copy: 7 of 21 tokens
    report = rep.analyze_repetition(text)
    assert report.total_tokens == 21
    assert report.exact_repeat_share == pytest.approx(7 / 21)
    assert report.repeated_share == pytest.approx(7 / 21)
    assert report.score == pytest.approx(1 - 3 * (7 / 21 - 0.02))           # 2% of repeats tolerated, slope 3


def test_short_sentences_are_not_repeats():
    report = rep.analyze_repetition("Thank you. The report follows below today.\n\nThank you.")
    assert report.exact_repeat_share == 0.0 and report.score == 1.0


def test_normalisation_ignores_case_and_punctuation():
    report = rep.analyze_repetition("The plan worked well enough.\n\nthe PLAN -- worked, well enough!")
    assert report.exact_repeat_share == pytest.approx(5 / 10)


def test_empty_answer_scores_one():
    assert rep.repetition_score("")[0] == 1.0
    assert rep.repetition_score("  \n\n ")[1]["total_tokens"] == 0.0


def test_loop_rate_hand_computed():
    # 12 tokens "a b c d" x3 -> 9 four-gram positions, 5 unique (abcd bcda cdab dabc abcd...)
    text = "alpha beta gamma delta alpha beta gamma delta alpha beta gamma delta"
    doc = tokenize_answer(text)
    repeated, total = rep._loop_repeats(doc, rep.token_hashes(doc.tokens), 4)
    assert (repeated, total) == (5, 9)
    report = rep.analyze_repetition(text)
    loop_excess = (5 / 9 - 0.1) / 0.9
    assert report.loop_rate == pytest.approx(5 / 9)
    assert report.score == pytest.approx(max(0.0, 1 - rep.DEFAULT.slope * loop_excess))


def test_loops_do_not_cross_paragraphs():
    text = "alpha beta gamma delta\n\nalpha beta gamma delta"
    doc = tokenize_answer(text)
    assert rep._loop_repeats(doc, rep.token_hashes(doc.tokens), 4) == (0, 2)


def test_ngram_hashes_equal_iff_ngrams_equal():
    tokens = "a b c a b c a b d".split()
    grams = rep.ngram_hashes(rep.token_hashes(tokens), 3)
    plain = [tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)]
    for i in range(len(plain)):
        for j in range(len(plain)):
            assert (grams[i] == grams[j]) == (plain[i] == plain[j])


def test_exact_jaccard_hand_computed():
    a = np.array([1, 2, 3, 4], dtype=np.uint64)
    b = np.array([3, 4, 5], dtype=np.uint64)
    c = np.array([9], dtype=np.uint64)
    jac = rep.exact_jaccard([a, b, c])
    assert jac[0, 1] == pytest.approx(2 / 5) and jac[1, 0] == pytest.approx(2 / 5)   # {3,4} / {1..5}
    assert jac[0, 2] == 0.0 and jac[2, 2] == 1.0


def test_weighted_set_overlap_matches_loop():
    rng = random.Random(0)
    sets = [set(rng.sample("abcdefghijklmnop", rng.randint(1, 8))) for _ in range(9)]
    inter, wsize, size = rep.weighted_set_overlap(sets)
    n = len(sets)
    df = {w: sum(w in s for s in sets) for s in sets for w in s}
    weight = {w: math.log1p(n / d) for w, d in df.items()}
    for i in range(n):
        assert size[i] == len(sets[i])
        assert wsize[i] == pytest.approx(sum(weight[w] for w in sets[i]))
        for j in range(n):
            if i != j:
                assert inter[i, j] == pytest.approx(sum(weight[w] for w in sets[i] & sets[j]))


def test_honest_texts_have_no_near_duplicates():
    texts = [r["response"] for r in read_jsonl(ASSETS / "honest_answers.jsonl")]
    texts.append((DATA / "honest_essay.txt").read_text())
    flagged = [t[:40] for t in texts if rep.analyze_repetition(t).score < 1.0]
    assert flagged == []


def test_hand_paraphrases_are_caught_but_not_by_exact_matching():
    essay = split_paragraphs((DATA / "honest_essay.txt").read_text())
    paraphrases = split_paragraphs((DATA / "honest_essay_paraphrases.txt").read_text())
    text = "\n\n".join(essay[:8] + paraphrases)
    pairs = rep.near_duplicate_pairs(text)
    # each paraphrase (paragraphs 8..11) matches the essay paragraph it rewrites
    assert sorted((a, b) for a, b, _, _ in pairs) == [(3, 8), (4, 9), (6, 10), (7, 11)]
    assert rep.analyze_repetition(text, rep.RepetitionConfig(near_duplicates=False)).score == 1.0


def test_automatic_paraphrase_is_caught():
    paragraphs = split_paragraphs((DATA / "honest_essay.txt").read_text())
    rng = random.Random(3)
    copy = paraphrase_paragraph(paragraphs[5], rng)
    assert copy != paragraphs[5]
    pairs = rep.near_duplicate_pairs("\n\n".join(paragraphs[:7] + [copy]))
    assert [(a, b) for a, b, _, _ in pairs] == [(5, 7)]


def test_padding_share_drives_score():
    essay = (DATA / "honest_essay.txt").read_text()
    padded = paraphrase_pad(essay, random.Random(0), share=0.35)
    report = rep.analyze_repetition(padded)
    assert 0.3 <= report.near_dup_share <= 0.45
    assert report.score == pytest.approx(max(0.0, 1 - 3 * (report.repeated_share - 0.02)))


def test_metrics_hand_computed():
    text = "a b a b"
    m = rep.repetition_metrics(text)
    assert m["distinct_1"] == pytest.approx(2 / 4)
    assert m["distinct_2"] == pytest.approx(2 / 3)      # ab, ba, ab
    assert m["distinct_3"] == pytest.approx(2 / 2)      # aba, bab
    assert m["repeated_4gram_rate"] == 0.0              # one 4-gram
    raw = text.encode()
    assert m["compression_ratio"] == pytest.approx(len(raw) / len(zlib.compress(raw, 9)))
    assert set(rep.repetition_score(text)[1]) <= set(m)


# ----------------------------------------------------------------------------- across the whole answer

S1 = "The harbour opens at six every morning and closes at dusk."        # 11 tokens
S2 = "Fishing boats leave before the sun rises over the grey hills."    # 11 tokens
S3 = "Tourists arrive later, buying smoked fish from the old market."   # 10 tokens


def test_copy_with_a_word_added_is_contained_in_earlier_text():
    # S1 again with one word inserted: 12 tokens, 9 four-gram positions start in it; the three
    # 4-grams around "truly" are new, 6 of 9 were seen in S1 -> 6/9 >= 0.5: a copy
    copy = "The harbour opens truly at six every morning and closes at dusk."
    text = f"{S1} {S2} {S3}\n\n{copy}"
    report = rep.analyze_repetition(text)
    assert report.exact_repeat_share == 0.0
    assert report.copy_share == pytest.approx(12 / 44)
    off = rep.RepetitionConfig(copy_containment=1.01)
    assert rep.analyze_repetition(text, off).copy_share == 0.0


def test_rotated_line_is_a_bag_repeat():
    text = "red kite over the hill\nkite over the hill red\nover the hill red kite"
    report = rep.analyze_repetition(text)
    assert report.skeleton_share == pytest.approx(10 / 15)                 # two later lines, same bag


def test_synonym_swapped_copy_keeps_the_skeleton():
    a = "The old lighthouse on the northern cliff was painted white in the spring."
    b = "The ancient beacon on the upper headland was coated pale in the autumn."
    # skeleton of both: the _ on the _ was _ in the _  (6 function words, 4 slots)
    text = f"{a}\n\n{S2}\n\n{b}"
    report = rep.analyze_repetition(text)
    assert report.skeleton_share == pytest.approx(13 / 37)
    off = rep.RepetitionConfig(skeleton_min_function=10**6)
    assert rep.analyze_repetition(text, off).skeleton_share == 0.0


def test_short_lines_repeated_are_pooled_across_paragraphs():
    items = ["- fresh bread", "- cold milk", "- two apples"]               # 2 tokens each: below every floor
    text = "\n".join(items * 40)                   # 240 tokens, 234 repeated: one run, far past a refrain
    report = rep.analyze_repetition(text)
    assert report.repeated_share >= 0.85 and report.score == 0.0


def test_whole_answer_as_one_paragraph_is_cut_into_blocks():
    doc = tokenize_answer(" ".join([S1, S2, S3] * 10))                       # one paragraph, 320 tokens
    blocks = rep.answer_blocks(doc, rep.DEFAULT)
    assert len(blocks) >= 3 and blocks[0][0] == 0 and blocks[-1][1] == 320
    assert all(b - a <= 160 for a, b in blocks)


def test_refrains_in_verse_are_forgiven_but_not_in_prose():
    verse = ("the road runs down to the sea\nthe gulls cry over the bay\nsing low, sing low\n"
             "the nets hang out to dry\nthe boats come in at noon\nsing low, sing low\n"
             "the lamps are lit at dusk\nthe tide goes out again\nsing low, sing low")
    report = rep.analyze_repetition(verse)
    assert report.refrain_share > 0 and report.repeated_share == 0.0 and report.score == 1.0
    prose = f"{S1} {S2} {S3}\n\n{S2} {S3} {S1}\n\n{S1} {S3}"     # 32 + 32 + 21 tokens, all repeats after the first
    assert rep.analyze_repetition(prose).repeated_share == pytest.approx(53 / 85)
    no_refrains = rep.RepetitionConfig(refrain_runs=0)
    assert rep.analyze_repetition(verse, no_refrains).repeated_share > 0


def test_synonym_copy_with_a_changed_function_word_is_skeleton_contained():
    a = "The old lighthouse on the northern cliff was painted white in the spring and cleaned by the keepers in the autumn."
    b = "The ancient beacon at the upper headland was coated pale in the summer and scrubbed by the wardens in the winter."
    # skeletons differ in one symbol (on -> at): no exact match; b has 18 symbols, 13 six-grams,
    # 10 of them (those not touching "at") seen in a: 10/13 = 0.77 >= 0.75 (21 of 21 + 11 + 21 tokens)
    text = f"{a}\n\n{S2}\n\n{b}"
    report = rep.analyze_repetition(text)
    assert report.skeleton_share == pytest.approx(21 / 53)
    off = rep.RepetitionConfig(skeleton_containment=2.0)
    assert rep.analyze_repetition(text, off).skeleton_share == 0.0


# ----------------------------------------------------------------------------- echoes (paraphrased sentences)


def test_echo_similarity_hand_computed():
    # unit 0: {0..7}; unit 1: {0..5, 8, 9} -> |A & B| = 6, |A | B| = 10, J = 0.6; unit 2: {10..17}, J = 0;
    # unit 3: {0, 1, 2} is below the 8-element floor (never compared)
    sets = [range(8), [0, 1, 2, 3, 4, 5, 8, 9], range(10, 18), [0, 1, 2]]
    owner = np.concatenate([[u] * len(list(s)) for u, s in enumerate(sets)]).astype(np.int64)
    term = np.concatenate([list(s) for s in sets]).astype(np.int64)
    for dense_df in (0, 1, 16):        # bitsets for every element, some, none: the same exact figures
        sim = rep.echo_similarity(owner, term, 4, min_terms=8, dense_df=dense_df)
        assert sim.tolist() == pytest.approx([0.0, 0.6, 0.0, 0.0])


def test_unit_signatures_hand_computed():
    # Latin tokens as themselves (function words too), CJK characters as bigrams within the unit
    doc = rep.tokenize_answer("the cat and the dog. 河水泛滥。")
    hashes = rep.token_hashes(doc.tokens)
    cjk = np.array([rep_tok in "河水泛滥" for rep_tok in doc.tokens])
    owner, term = rep.unit_signatures(doc, hashes, cjk)
    assert np.bincount(owner).tolist() == [4, 3]        # {the, cat, and, dog}; {河水, 水泛, 泛滥}


ORIGINAL = ("It is a wet Sunday afternoon, the tablet has been put away, and a child is lying on the floor "
            "saying that there is nothing to do.")
ECHO = ("To put it differently: on a rainy Sunday the tablet has been put away, a child is lying on the carpet, "
        "and there is nothing for him to do.")


def test_echoed_sentence_is_a_repeat_and_fails_without_the_check():
    text = f"{ORIGINAL} {ECHO}"
    a = {t.lower() for t in rep.tokenize_answer(ORIGINAL).tokens}
    b = {t.lower() for t in rep.tokenize_answer(ECHO).tokens}
    assert len(a & b) / len(a | b) >= rep.DEFAULT.echo_jaccard        # 18 shared of 28 distinct tokens: 0.64
    report = rep.analyze_repetition(text)
    n_echo = len(rep.tokenize_answer(ECHO).tokens)
    assert report.echo_share == pytest.approx(n_echo / report.total_tokens)
    assert report.repeated_share == pytest.approx(n_echo / report.total_tokens)
    # reordered, with its function words changed: no copied 4-grams, skeleton or bag; without the check it passes
    off = rep.analyze_repetition(text, rep.RepetitionConfig(echo_jaccard=2.0))
    assert off.repeated_share == 0.0 and off.score == 1.0


def test_honest_essays_have_no_echoes():
    for name in ("honest_essay.txt", "honest_essay_zh.txt"):
        assert rep.analyze_repetition((DATA / name).read_text()).echo_share == 0.0
