"""Damage kinds for the writing reward model's self-contrast pairs, and the length-neutral pairs:
each kind deterministic under a seed, really damaging, checked on small hand-made texts."""

from __future__ import annotations

import math
import random
import re

import pytest
import torch

from longwriter_zero.errors import UserError
from longwriter_zero.reward_model import damage
from longwriter_zero.reward_model.damage import DAMAGES
from longwriter_zero.reward_model.model import RewardModel, build_classifier, tie_loss
from longwriter_zero.reward_model.pairs import build_pairs, check_pair_row, length_tie_pairs
from longwriter_zero.text.units import split_paragraphs, split_sentences

EN = ("The town is very big, and many people work in the old harbour. Boats leave before dawn and "
      "come back by noon with the first catch.\n\n"
      "In winter the harbour is quiet. The owners repair nets and paint hulls while they wait for "
      "spring, because the mackerel only return in April.\n\n"
      "When the fish come back, the buyers from the city arrive too, and the market is busy again.")
ZH = ("我们的小镇不大，但是每天早上都很热闹。渔船天不亮就出海，中午以前回到港口。\n\n"
      "冬天的时候，港口非常安静。船主们修补渔网，给船刷漆，等待春天。\n\n"
      "鱼群回来以后，城里的买家也来了，市场又变得热闹起来。")
CJK = re.compile(r"[\u4e00-\u9fff]")


def units(text: str) -> int:
    return len(CJK.findall(text)) + len(re.findall(r"[A-Za-z][A-Za-z'\-]*", text))


MEMORY = {p: f"[{i}]" for i, p in enumerate(split_paragraphs(EN) + split_paragraphs(ZH))}


@pytest.mark.parametrize("kind", sorted(DAMAGES))
@pytest.mark.parametrize("text", [EN, ZH], ids=["en", "zh"])
def test_every_kind_is_deterministic_and_changes_the_text(kind, text, monkeypatch):
    monkeypatch.setattr(damage, "TRANSLATION_MEMORY", dict(MEMORY))
    a = DAMAGES[kind](text, random.Random(3))
    b = DAMAGES[kind](text, random.Random(3))
    assert a == b and a.strip() and a != text
    if kind not in ("truncate",):
        assert units(a) >= 0.9 * units(text)          # hacks keep or add length; only truncation cuts


def test_rotate_lines_hand_checked():
    text = "One two three four five six. One two three four five six. One two three four five six."
    out = damage.rotate_lines(text, random.Random(0)).split("\n")
    assert out == ["two three four five six One.", "three four five six One two.",
                   "four five six One two three."]                # 18 units, as long as the text


def test_repeat_lines_are_few_short_lines_repeated_without_blank_lines():
    out = damage.repeat_lines(EN, random.Random(1))
    lines = out.split("\n")
    assert "" not in lines and all(l.startswith("- ") and len(l.split()) <= 8 for l in lines)
    assert len(set(lines)) <= 4 < len(lines) and units(out) >= units(EN)


def test_resplit_copy_adds_one_word_to_every_sentence_of_the_copy():
    out = damage.resplit_copy(EN, random.Random(0))
    assert out.startswith(EN)
    copy = out[len(EN):].strip()
    copy_sentences = [s for p in split_paragraphs(copy) for s in split_sentences(p)]
    orig = [s for p in split_paragraphs(EN) for s in split_sentences(p)]
    assert len(copy_sentences) == len(orig)
    assert all(len(c.split()) == len(o.split()) + 1 for c, o in zip(copy_sentences, orig))
    assert not set(copy_sentences) & set(orig)                  # no sentence repeats verbatim
    assert all(len(split_sentences(p)) in (2, 3) for p in split_paragraphs(copy)[:-1])   # re-split 2-3 a paragraph


def test_synonym_copy_swaps_listed_words():
    out = damage.synonym_copy("The town is very big.", random.Random(0))
    original, copy = out.split("\n\n")
    assert original == "The town is very big."
    words = copy.rstrip(".").split()
    assert words[0] == "The" and words[2] == "is"
    assert words[1] in ("community", "settlement") and words[3] in ("highly", "extremely")
    assert words[4] in ("large", "sizeable")
    zh = damage.synonym_copy("我们觉得这个方法很简单。", random.Random(0)).split("\n\n")[1]
    assert "我们" not in zh and "觉得" not in zh and "方法" not in zh


def test_joined_is_the_answer_without_paragraph_breaks():
    out = damage.join_paragraphs(EN, random.Random(0))
    assert "\n" not in out and out.split() == EN.split()
    assert damage.join_paragraphs("One paragraph only.", random.Random(0)) == "One paragraph only."


def test_echo_paraphrase_follows_every_sentence_with_a_rewording():
    for text in (EN, ZH):
        out = damage.echo_paraphrase(text, random.Random(0))
        assert len(split_paragraphs(out)) == len(split_paragraphs(text))
        for para, got in zip(split_paragraphs(text), split_paragraphs(out)):
            own = split_sentences(para)
            echoed = split_sentences(got)
            assert echoed[0::2] == own and len(echoed) == 2 * len(own)
            assert all(e != s for e, s in zip(echoed[1::2], own))


def test_off_topic_inserts_other_paragraphs_of_the_same_language():
    pool = ["A paragraph about something else entirely, thirty words or so, on trains and timetables "
            "and the people who wait on cold platforms for them every single winter morning."]
    out = damage.off_topic_insert(EN, random.Random(0), share=0.2, pool=pool)
    paras = split_paragraphs(out)
    assert paras[0] == split_paragraphs(EN)[0] and [p for p in paras if p != pool[0]] == split_paragraphs(EN)
    assert paras.count(pool[0]) == 1                 # 28 words > 0.2 / 0.8 x 69 = 17.25: one insert is enough
    assert damage.off_topic_insert(EN, random.Random(0), pool=[]) == EN
    zh = damage.off_topic_insert(ZH, random.Random(0))        # the bundled answers' Chinese paragraphs
    assert all(damage.is_chinese(p) for p in split_paragraphs(zh)) and len(split_paragraphs(zh)) > 3


def test_one_paragraph_has_no_breaks_and_only_own_sentences():
    out = damage.one_paragraph(EN, random.Random(0))
    assert "\n" not in out
    own = {s for p in split_paragraphs(EN) for s in split_sentences(p)}
    got = split_sentences(out)
    assert set(got) <= own and len(got) > len(own)


def test_translation_appends_the_paragraph_translations():
    memory = {"A b c.": "甲乙丙。", "D e.": "丁戊。"}
    assert damage.append_translation("A b c.\n\nD e.", random.Random(0), memory) == "A b c.\n\nD e.\n\n甲乙丙。\n\n丁戊。"
    assert damage.append_translation("A b c.\n\nX.", random.Random(0), memory) == "A b c.\n\nX."   # no translation


def test_bundled_translations_are_paragraph_aligned():
    memory = damage.load_translations()
    assert len(memory) >= 40
    zh_to_en = [(k, v) for k, v in memory.items() if damage.is_chinese(k)]
    assert zh_to_en and all(not damage.is_chinese(v) for _, v in zh_to_en)


def test_filler_keeps_every_sentence_in_order_and_adds_pool_sentences():
    out = damage.sprinkle_filler(EN, random.Random(0))
    sentences = [s for p in split_paragraphs(out) for s in split_sentences(p)]
    own = [s for p in split_paragraphs(EN) for s in split_sentences(p)]
    assert [s for s in sentences if s in own] == own
    added = [s for s in sentences if s not in own]
    assert added and all(s in damage.EN_FILLER_SENTENCES for s in added)
    assert 0.2 <= sum(units(s) for s in added) / units(out) <= 0.4


def test_restate_chapters_repeat_the_thesis():
    out = damage.restate_chapters(ZH, random.Random(0))
    paragraphs = split_paragraphs(out)
    assert paragraphs[0] == split_paragraphs(ZH)[0] and "第2章" in paragraphs
    assert out.count("我们的小镇不大，但是每天早上都很热闹。") >= 3
    en = damage.restate_chapters(EN, random.Random(0))
    assert "Chapter 2" in en and units(en) >= units(EN)


def test_particle_pad_keeps_the_text_as_a_subsequence():
    out = damage.particle_pad(ZH, random.Random(0))
    it = iter(out)
    assert all(c in it for c in ZH)                             # every original character, in order
    extra = len(out) - len(ZH)
    assert 0.3 <= extra / len(CJK.findall(out)) <= 0.4          # about 35% of the characters are particles


def test_word_salad_never_repeats_a_word_and_keeps_the_length():
    out = damage.word_salad(EN, random.Random(0))
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", out)]
    assert len(words) == len(set(words)) == units(EN)
    zh = damage.word_salad(ZH, random.Random(0))
    chars = CJK.findall(zh)
    assert len(chars) == len(set(chars)) and len(chars) <= units(ZH)


def test_stuffing_spread_and_gross():
    spread = damage.stuff_spread(EN, random.Random(0))
    inserted = [w for w in spread.split() if w.strip(".,") in damage.STUFF_SPREAD_EN]
    assert len(set(inserted)) >= 10                             # many terms ...
    assert max(inserted.count(t) for t in set(inserted)) <= 0.1 * units(spread)   # ... none dominant
    assert 0.25 <= len(inserted) / units(spread) <= 0.33
    gross = damage.stuff_gross(EN, random.Random(0))
    added = [w for w in gross.split() if w in damage.STUFFING_WORDS]
    assert len(set(added)) == 1 and 0.2 <= len(added) / units(gross) <= 0.3


def test_chinese_truncation_is_a_prefix_cut_inside_a_sentence():
    out = damage.truncate_mid_thought(ZH, random.Random(0))
    assert ZH.startswith(out) and out[-1] not in "。！？" and 0.35 * len(ZH) <= len(out) <= 0.85 * len(ZH)


# ----------------------------------------------------------------------------- length-neutral pairs


def test_tie_loss_hand_computed_and_symmetric():
    assert float(tie_loss(torch.tensor([0.0]), torch.tensor([0.0]))) == pytest.approx(math.log(2))
    # d = 2: -½(log σ(2) + log σ(-2)) = ½(0.126928 + 2.126928)
    assert float(tie_loss(torch.tensor([2.0]), torch.tensor([0.0]))) == pytest.approx(1.126928, abs=1e-6)
    assert float(tie_loss(torch.tensor([0.0]), torch.tensor([2.0]))) == pytest.approx(1.126928, abs=1e-6)
    a = torch.tensor([1.0], requires_grad=True)
    tie_loss(a, torch.tensor([0.0])).backward()
    assert float(a.grad) > 0                                    # pushes the higher score down


def test_length_tie_pairs_are_honest_both_ways():
    rng = random.Random(0)
    pairs = length_tie_pairs(EN, rng, 40)
    assert len(pairs) == 40
    longer_first = sum(len(a) > len(b) for a, b in pairs)
    assert 10 <= longer_first <= 30                             # neither order dominates
    for a, b in pairs:
        short = b if len(a) > len(b) else a
        assert EN in (a, b) and all(p in split_paragraphs(EN) for p in split_paragraphs(short))


def test_build_pairs_writes_tie_rows_and_check_reads_them():
    rows = build_pairs([("a:1", {"prompt": "Describe the harbour.", "response": EN, "id": "x"})], seed=0,
                       damages=["truncate"], copies=1, ties=3)
    ties = [r for r in rows if r.get("tie")]
    assert len(ties) == 3 and all(r["damage"] == "length_tie" for r in ties)
    pair = check_pair_row(ties[0], "p:1")
    assert pair.tie and pair.group == "x"
    assert not check_pair_row(rows[0], "p:0").tie
    with pytest.raises(UserError, match="p:2: 'tie' must be true or false"):
        check_pair_row({**ties[0], "tie": "yes"}, "p:2")


def test_mean_last_pooling_hand_computed():
    model, tok = build_classifier("tiny-random", seed=0)
    model.eval()
    rm = RewardModel(model, tok, max_length=64, pooling="mean_last")
    enc = rm.encode("Describe.", "The boats leave early.")
    ids = torch.tensor([enc.windows[0]])
    with torch.no_grad():
        per_token = model.score(model.base_model(input_ids=ids).last_hidden_state)[0, :, 0]
        expected = float(per_token[-1] + per_token[-enc.weights[0]:].mean())
        got = rm.score(["Describe."], ["The boats leave early."]).scores[0]
        padded = rm.score(["Describe.", "Describe."], ["The boats leave early.", EN]).scores[0]   # batched, padded
    assert got == pytest.approx(expected, abs=1e-5) and padded == pytest.approx(expected, abs=1e-5)
    with pytest.raises(UserError, match="pooling 'max'"):
        RewardModel(model, tok, max_length=64, pooling="max")


def test_cli_ties_and_mean_last_pooling_round_trip(tmp_path, capsys):
    import json

    from longwriter_zero.cli import main

    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"prompt": "Describe the harbour.", "response": EN, "id": f"a{i}"}) + "\n"
                               for i in range(4)))
    out = tmp_path / "pairs.jsonl"
    assert main(["rm", "build-pairs", "--answers", str(answers), "--output", str(out), "--damages", "truncate",
                 "--ties", "2"]) == 0
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert sum(r.get("tie", False) for r in rows) == 8 and sum(r["damage"] == "truncate" for r in rows) == 4
    capsys.readouterr()
    assert main(["rm", "train", "--data", str(out), "--model", "tiny-random", "--output", str(tmp_path / "rm"),
                 "--epochs", "1", "--eval-fraction", "0.25", "--max-length", "256", "--pooling", "mean_last",
                 "--threads", "1"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["train_pairs"] == 3 and summary["eval_pairs"] == 1        # ties are not counted as pairs
    assert RewardModel.load(str(tmp_path / "rm")).pooling == "mean_last"
