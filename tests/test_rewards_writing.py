"""Writing reward model: BT loss, pair files, pair building, windowing, training, the reward."""

from __future__ import annotations

import json
import math
import random

import pytest
import torch

from longwriter_zero.cli import main
from longwriter_zero.errors import UserError
from longwriter_zero.reward_model import damage
from longwriter_zero.reward_model.pairs import build_pairs, check_pair_row, load_pairs, split_by_group
from longwriter_zero.reward_model.model import (RewardModel, bradley_terry_loss, build_classifier,
                                                  pair_accuracy, train_reward_model)
from longwriter_zero.text.units import split_paragraphs

TEXT = ("The harbour opens at six. Fishing boats leave before dawn, and the first catch is sold by eight.\n\n"
        "In winter the boats stay in for weeks. The owners repair nets and paint hulls while they wait.\n\n"
        "Spring brings the mackerel back, and with them the buyers from the city.")


def test_bradley_terry_loss_hand_computed():
    loss = bradley_terry_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0]))
    expected = (math.log(1 + math.exp(-1.0)) + math.log(2.0)) / 2        # -log σ(1), -log σ(0)
    assert float(loss) == pytest.approx(expected)
    assert float(loss) == pytest.approx(0.503204, abs=1e-6)


def test_bradley_terry_gradient_pushes_chosen_up():
    c, r = torch.tensor([0.0], requires_grad=True), torch.tensor([0.0], requires_grad=True)
    bradley_terry_loss(c, r).backward()
    assert float(c.grad) == pytest.approx(-0.5) and float(r.grad) == pytest.approx(0.5)   # σ(0) - 1, 1 - σ(0)


def test_pair_accuracy_counts_ties_half():
    assert pair_accuracy([2.0, 1.0, 0.0, 3.0], [1.0, 1.0, 1.0, 0.0]) == pytest.approx((1 + 0.5 + 0 + 1) / 4)


# ----------------------------------------------------------------------------- pair files


def _write(tmp_path, rows, name="pairs.jsonl"):
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_load_pairs_standard_and_conversational(tmp_path):
    path = _write(tmp_path, [
        {"prompt": "Write.", "chosen": "Good text.", "rejected": "Bad"},
        {"prompt": [{"role": "user", "content": "Write."}], "chosen": [{"role": "assistant", "content": "Good."}],
         "rejected": [{"role": "assistant", "content": "Bad"}]},
        {"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}],
         "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go"}]},
    ])
    pairs = load_pairs(path)
    assert len(pairs) == 3 and pairs[0].where == f"{path}:1"


@pytest.mark.parametrize("row,message", [
    ({"prompt": "p", "rejected": "b"}, "missing 'chosen'"),
    ({"prompt": "p", "chosen": "a", "rejected": 3}, "'rejected' must be a string"),
    ({"prompt": "p", "chosen": "  ", "rejected": "b"}, "'chosen' is empty"),
    ({"prompt": "p", "chosen": "a", "rejected": [{"role": "assistant", "content": "b"}]}, "mixes"),
    ({"prompt": "p", "chosen": [{"role": "assistant"}], "rejected": [{"role": "assistant", "content": "b"}]},
     "messages"),
    ({"prompt": "p", "chosen": "same", "rejected": "same"}, "identical"),
])
def test_bad_pair_rows_name_file_and_line(tmp_path, row, message):
    path = _write(tmp_path, [{"prompt": "ok", "chosen": "a", "rejected": "b"}, row])
    with pytest.raises(UserError, match=rf"{path.name}:2: .*{message}"):
        load_pairs(path)


def test_build_pairs_uses_the_answer_of_a_tagged_completion():
    rows = [("f:1", {"prompt": "Describe the harbour.", "id": "h1",
                     "response": f"<think>plan</think><answer>{TEXT}</answer>"})]
    pairs = build_pairs(rows, seed=0)
    # every kind but the translation one (this text has no bundled translation)
    assert {p["damage"] for p in pairs} == set(damage.DAMAGES) - {"translation"}
    for p in pairs:
        assert p["chosen"] == TEXT and p["rejected"] != TEXT and p["source"] == "h1"
    with pytest.raises(UserError, match="f:2: needs a non-empty string 'response'"):
        build_pairs([("f:2", {"prompt": "x"})])


def test_build_pairs_copies_vary_the_chosen_base():
    rows = [("f:1", {"prompt": "p", "response": "\n\n".join(f"Paragraph {i} says something new." for i in range(6))})]
    pairs = build_pairs(rows, seed=0, damages=["truncate"], copies=5)
    assert len({p["chosen"] for p in pairs}) > 1
    for p in pairs:   # every base is a run of consecutive paragraphs of the answer
        assert p["chosen"] in rows[0][1]["response"]


def test_split_by_group_holds_out_whole_answers():
    pairs = [check_pair_row({"prompt": "p", "chosen": f"a{g}", "rejected": f"b{g}{k}", "source": str(g)}, "x")
             for g in range(10) for k in range(3)]
    train, held = split_by_group(pairs, 0.3, seed=0)
    assert len({p.group for p in held}) == 3
    assert not {p.group for p in train} & {p.group for p in held}


# ----------------------------------------------------------------------------- damage


def test_damages_change_the_text_as_described():
    rng = random.Random(0)
    essay = TEXT
    assert len(damage.duplicate_paragraphs(essay, rng).split()) > len(essay.split())
    truncated = damage.truncate_mid_thought(essay, rng)
    assert essay.startswith(truncated) and truncated[-1] not in ".!?"
    shuffled = damage.shuffle_sentences(essay, rng)
    assert sorted(shuffled.replace("\n\n", " ").split()) == sorted(essay.replace("\n\n", " ").split())
    assert shuffled != essay
    stuffed = damage.stuff_keywords(essay, rng, rate=0.2, n_terms=1, words=["splendid"])
    assert stuffed.count("splendid") == int(0.2 * len(essay.split()))
    para = split_paragraphs(essay)[0]
    assert damage.paraphrase_paragraph(para, rng) != para


# ----------------------------------------------------------------------------- windows


@pytest.fixture(scope="module")
def tiny_rm():
    model, tok = build_classifier("tiny-random", seed=0)
    model.eval()
    return RewardModel(model, tok, max_length=48)


def test_short_text_is_one_window(tiny_rm):
    enc = tiny_rm.encode("Write.", "A short answer.")
    assert len(enc.windows) == 1 and not enc.prompt_cut


def test_long_text_is_split_into_windows_covering_it_once(tiny_rm):
    tok = tiny_rm.tokenizer
    prompt, answer = "Describe the harbour.", TEXT * 3
    enc = tiny_rm.encode(prompt, answer)
    prefix = tok(prompt + "\n\n", add_special_tokens=False).input_ids
    body = tok(answer.strip(), add_special_tokens=False).input_ids
    assert len(enc.windows) > 1
    assert all(len(w) <= 48 for w in enc.windows)
    assert all(w[: len(prefix)] == prefix for w in enc.windows)
    assert [t for w in enc.windows for t in w[len(prefix):]] == body        # nothing dropped, nothing twice
    assert enc.weights == [len(w) - len(prefix) for w in enc.windows]
    # windows end at a sentence end whenever one lies in their second half
    ends = [tok.decode(w[-1:]) for w in enc.windows[:-1]]
    assert sum(e.strip().endswith((".", "!", "?")) or "\n" in e for e in ends) >= len(ends) - 1


def test_long_prompt_is_cut_to_a_quarter_and_reported(tiny_rm):
    enc = tiny_rm.encode("word " * 100, TEXT)
    assert enc.prompt_cut and len(enc.windows) > 1
    assert all(len(w) <= 48 for w in enc.windows)


def test_window_scores_are_averaged_by_tokens(tiny_rm):
    enc = tiny_rm.encode("Describe.", TEXT * 2)
    with torch.no_grad():
        per_window = tiny_rm.window_scores(enc.windows)
        total = tiny_rm.score_encoded([enc])[0]
    expected = sum(float(s) * w for s, w in zip(per_window, enc.weights)) / sum(enc.weights)
    assert float(total) == pytest.approx(expected, rel=1e-5)
    result = tiny_rm.score(["Describe.", "Describe."], [TEXT * 2, "Short."])
    assert result.windows[0] == len(enc.windows) and result.windows[1] == 1 and result.windowed == 1
    assert result.scores[0] == pytest.approx(float(total), rel=1e-4)


def test_batching_does_not_change_scores(tiny_rm):
    texts = [TEXT[: 40 * (i + 1)] for i in range(5)]
    one = tiny_rm.score(["p"] * 5, texts, batch_size=1).scores
    many = tiny_rm.score(["p"] * 5, texts, batch_size=5).scores
    assert many == pytest.approx(one, abs=1e-4)


# ----------------------------------------------------------------------------- training


def test_train_saves_a_loadable_model_and_learns_truncation(tmp_path, one_thread):
    from longwriter_zero.jsonl import iter_jsonl
    from longwriter_zero.reward_model.recipe import honest_answers_path

    rows = [(f"a:{n}", r) for n, r in iter_jsonl(honest_answers_path())][:16]
    pairs = [check_pair_row(r, f"p:{i}") for i, r in enumerate(build_pairs(rows, seed=0, damages=["truncate"],
                                                                             copies=3))]
    report = train_reward_model(pairs, "tiny-random", str(tmp_path / "rm"), epochs=2, lr=3e-4, batch_size=8,
                                eval_fraction=0.25, max_length=512, progress=False)
    assert report.eval_pairs > 0 and report.train_pairs > 0
    assert report.eval_accuracy >= 0.8            # truncation alone is learnt on unseen answers
    rm = RewardModel.load(str(tmp_path / "rm"))
    assert rm.max_length == 512
    meta = json.loads((tmp_path / "rm" / "reward_model.json").read_text())
    assert meta["backbone"] == "tiny-random" and meta["eval_accuracy"] == pytest.approx(report.eval_accuracy)


def test_cli_rm_train_reports_bad_row(tmp_path, capsys):
    path = _write(tmp_path, [{"prompt": "p", "chosen": "a", "rejected": "b"}, {"prompt": "p", "chosen": "a"}])
    code = main(["rm", "train", "--data", str(path), "--model", "tiny-random", "--output", str(tmp_path / "o")])
    assert code == 2
    assert f"{path}:2: missing 'rejected'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_build_pairs_then_train(tmp_path, capsys, one_thread):
    answers = _write(tmp_path, [{"prompt": "Describe the harbour.", "response": TEXT, "id": f"a{i}"}
                                for i in range(4)], "answers.jsonl")
    out = tmp_path / "pairs.jsonl"
    assert main(["rm", "build-pairs", "--answers", str(answers), "--output", str(out), "--seed", "1"]) == 0
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 4 * (len(damage.DAMAGES) - 1) and all(r["chosen"] == TEXT for r in rows)   # no translation
    capsys.readouterr()
    assert main(["rm", "train", "--data", str(out), "--model", "tiny-random", "--output", str(tmp_path / "rm"),
                 "--epochs", "1", "--eval-fraction", "0.25", "--max-length", "256"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["eval_answers"] == 1 and summary["train_pairs"] + summary["eval_pairs"] == len(rows)
    assert (tmp_path / "rm" / "config.json").exists() and (tmp_path / "rm" / "tokenizer_config.json").exists()


def test_writing_reward_from_folder(tmp_path):
    from longwriter_zero.rewards.base import RewardSettings
    from longwriter_zero.rewards.registry import build_reward

    model, tok = build_classifier("tiny-random", seed=0)
    RewardModel(model, tok, max_length=64).save(tmp_path / "rm", {"backbone": "tiny-random"})
    reward = build_reward("writing", {"model": str(tmp_path / "rm")}, RewardSettings(require_think=True, device="cpu"))
    out = reward(["Describe the harbour."] * 2,
                 [f"<think>p</think><answer>{TEXT}</answer>", "<think>p</think><answer>Short.</answer>"], [{}, {}])
    assert len(out.scores) == 2 and out.parts["windowed"] == [1.0, 0.0]
    direct = RewardModel.load(str(tmp_path / "rm")).score(["Describe the harbour."], [TEXT]).scores[0]
    assert out.scores[0] == pytest.approx(direct, rel=1e-5)
    with pytest.raises(UserError, match="exactly one of"):
        build_reward("writing", {}, RewardSettings())


def test_cli_rm_train_conversational_pairs(tmp_path, capsys, one_thread):
    """TRL's conversational format (message-list prompt, chosen, rejected) trains through the CLI
    and the held-out accuracy is reported on whole held-out prompts."""
    rows = []
    for i in range(8):
        prompt = [{"role": "user", "content": f"Describe harbour number {i}."}]
        good = f"Harbour {i} opens at six. Boats leave before dawn and come back by noon."
        rows.append({"prompt": prompt, "chosen": [{"role": "assistant", "content": good}],
                     "rejected": [{"role": "assistant", "content": good[: len(good) // 2]}]})
    path = _write(tmp_path, rows)
    assert main(["rm", "train", "--data", str(path), "--model", "tiny-random", "--output", str(tmp_path / "rm"),
                 "--epochs", "1", "--eval-fraction", "0.25", "--max-length", "128", "--threads", "1"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["eval_answers"] == 2 and summary["eval_pairs"] == 2 and summary["train_pairs"] == 6
    assert 0.0 <= summary["eval_accuracy"] <= 1.0
    rm = RewardModel.load(str(tmp_path / "rm"))
    assert len(rm.score([rows[0]["prompt"]], [rows[0]["chosen"]]).scores) == 1
