"""Held-out evaluation: per-answer figures by hand, bad prompt files, the schedule, the length-follows-range
check (including that it rejects a policy that only fills the cap), and a real evaluation of a tiny model."""

import json

import pytest

from longwriter_zero.errors import UserError
from longwriter_zero.evaluation import heldout
from longwriter_zero.evaluation.learning_check import length_follows_range

ROW = {"id": "x", "prompt": "Write 20 words.", "length": 20, "range": [16, 24]}


def test_answer_scores_by_hand():
    # 10 words inside a well-formed completion: S_l = 100 * (1 - (20/10 - 1) / 2) = 50
    c = "<think>plan</think><answer>one two three four five six seven eight nine ten</answer>"
    s = heldout.answer_scores(ROW, c, require_think=True)
    assert s["answer_length"] == 10 and s["length_score"] == pytest.approx(50.0)
    assert s["in_range"] == 0.0 and s["well_formed"] == 1.0 and s["length_ratio"] == 0.5
    assert s["repetition"] == 1.0
    # 40 words, no tags: S_l = 100 * (1 - (40/20 - 1) / 3) = 66.67, not well formed
    s = heldout.answer_scores(ROW, " ".join(["word"] * 40), True)
    assert s["answer_length"] == 40 and s["length_score"] == pytest.approx(200 / 3)
    assert s["well_formed"] == 0.0 and s["repeated_4gram_rate"] > 0.9


def test_summarize_means():
    assert heldout.summarize([{"a": 1.0, "b": 0.0}, {"a": 3.0, "b": 1.0}]) == {"a": 2.0, "b": 0.5}


@pytest.mark.parametrize("line,needle", [
    ('{"prompt": "x", "range": [1, 2]}', "length"),
    ('{"prompt": "x", "length": 5}', "range"),
    ('{"prompt": "", "length": 5, "range": [1, 2]}', "prompt"),
    ('{"prompt": "x", "length": 5, "range": [3, 2]}', "range"),
])
def test_bad_eval_file_names_the_line(tmp_path, line, needle):
    f = tmp_path / "e.jsonl"
    f.write_text(json.dumps(ROW) + "\n" + line + "\n")
    with pytest.raises(UserError, match=f"e.jsonl:2.*{needle}"):
        heldout.load_eval_prompts(f)


def test_schedule():
    assert [s for s in range(0, 11) if heldout.due(s, 4, 10)] == [0, 4, 8, 10]
    assert [s for s in range(0, 11) if heldout.due(s, 0, 10)] == [0, 10]


def _answers(rng, lengths, truncated):
    return [{"range": rng, "answer_length": n, "truncated": float(t)} for n, t in zip(lengths, truncated)]


def test_length_check_passes_a_policy_that_follows_the_range():
    ok, info = length_follows_range(_answers([2, 4], [3, 3, 2, 4, 9], [0] * 5)
                                    + _answers([14, 20], [15, 17, 19, 22, 16], [0] * 5))
    assert ok, info


def test_length_check_rejects_a_cap_filling_policy():
    """Every answer runs to the 32-token cap: the short range is never met and nothing stops early."""
    ok, info = length_follows_range(_answers([2, 4], [32] * 8, [1] * 8) + _answers([14, 20], [32] * 8, [1] * 8))
    assert not ok
    assert any("end before the cap" in r for r in info["failures"])
    assert any("2-4" in r for r in info["failures"]) and any("14-20" in r for r in info["failures"])


def test_length_check_rejects_a_policy_that_ignores_the_request():
    same = [3, 4, 3, 4, 3]
    ok, info = length_follows_range(_answers([2, 4], same, [0] * 5) + _answers([3, 6], same, [0] * 5))
    assert not ok and any("does not rise" in r for r in info["failures"])


def heldout_prompt_file():
    from importlib import resources
    return resources.files("longwriter_zero") / "assets" / "tiny_word_prompts.jsonl"


def test_untrained_cap_filling_policy_fails_the_check():
    """A real policy that always fills the cap (the untrained tiny-words model with EOS suppressed),
    sampled by the evaluator itself, is rejected; the same model with EOS allowed is measured too."""
    from longwriter_zero.models import load_model

    model, tok = load_model("tiny-words")
    ev = heldout.HeldoutEvaluator(heldout.load_eval_prompts(heldout_prompt_file()), 32, 8, 1.0, 1.0, 0,
                                  "think", "auto", True)
    model.generation_config.suppress_tokens = [tok.eos_token_id]
    _, answers = ev.evaluate(model, tok, heldout.eos_ids(model, tok))
    assert all(a["truncated"] == 1.0 and a["answer_length"] == 32 for a in answers)
    ok, info = length_follows_range(answers)
    assert not ok, info


def test_evaluation_is_seeded_and_leaves_the_rng_alone():
    import torch

    from longwriter_zero.models import load_model

    model, tok = load_model("tiny-words")
    ev = heldout.HeldoutEvaluator(heldout.load_eval_prompts(heldout_prompt_file()), 12, 2, 1.0, 1.0, 7,
                                  "think", "auto", True)
    torch.manual_seed(0)
    a = ev.generate(model, tok, heldout.eos_ids(model, tok))
    after = torch.rand(1)
    torch.manual_seed(0)
    b = ev.generate(model, tok, heldout.eos_ids(model, tok))
    assert [r["completion"] for r in a] == [r["completion"] for r in b]
    assert torch.equal(after, torch.rand(1))


def test_table_and_figure(tmp_path):
    before = {"eval/length_score": 40.0, "eval/well_formed": 0.0, "eval/in_range": 0.25, "eval/repetition": 0.9,
              "eval/n": 4}
    after = {"eval/length_score": 71.5, "eval/well_formed": 1.0, "eval/in_range": 0.5, "eval/repetition": 1.0,
             "eval/n": 4}
    text = heldout.table_text([("before", before), ("after", after)])
    assert "40.0" in text and "71.5" in text and "100%" in text and "25%" in text
    md = heldout.table_markdown([("before", before), ("after", after)])
    assert md.splitlines()[0] == "| held-out metric | before | after |"
    assert heldout.plot_before_after([("before", before), ("after", after)], tmp_path / "f.png").stat().st_size > 1000
