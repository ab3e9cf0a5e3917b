"""verl integration: compute_score agrees with ``lwz reward``; the Parquet files read back in
verl's schema; the writing reward through a loopback reward server (LWZ_WRITING_URL)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from longwriter_zero.cli import main
from longwriter_zero.data.dataset import export_verl, load_prompt_set, verl_schema
from longwriter_zero.errors import UserError
from longwriter_zero.integrations.verl import ENV_WRITING_URL, compute_score, export_verl_prompts
from longwriter_zero.prompts import render_request
from longwriter_zero.text.counting import count_length

ASSETS = Path(__file__).resolve().parents[1] / "src" / "longwriter_zero" / "assets"


def _cases() -> list[dict]:
    """Real answers (assets/honest_answers.jsonl) as completions in several shapes, with ranges
    that put each answer inside, below and above its range."""
    rows = [json.loads(line) for line in (ASSETS / "honest_answers.jsonl").read_text().splitlines()]
    cases = []
    for i, r in enumerate(rows):
        answer = r["response"].strip()
        n = count_length(answer)
        shapes = [f"<think>Plan: {r['prompt'][:60]}</think>\n<answer>{answer}</answer>",     # well formed
                  answer,                                                                    # no tags
                  f"<think>plan</think><answer>{answer}",                                    # unclosed answer
                  f"<think>plan</think>\n<answer>{answer}\n\n{answer.split(chr(10) * 2)[0]}</answer>"]  # first part repeated
        ranges = [[max(0, n - 50), n + 50], [n + 100, n + 400], [max(0, n // 4), max(1, n // 2)]]
        for j, shape in enumerate(shapes):
            cases.append({"id": f"{r['id']}-{j}", "prompt": r["prompt"], "response": shape,
                          "range": ranges[(i + j) % 3], "lang": "en"})
    return cases


def _lwz_reward(tmp_path, rows, *extra) -> list[dict]:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["reward", "--input", str(src), "--output", str(out), *extra]) == 0
    return [json.loads(line)["scores"] for line in out.read_text().splitlines()]


def _verl_rows(tmp_path, cases) -> list[dict]:
    """The cases through export_verl and back: what verl's dataloader hands compute_score."""
    prompt_set = [{"prompt": c["prompt"], "range": c["range"], "lang": c["lang"], "id": c["id"], "source": "t"}
                  for c in cases]
    path = export_verl(prompt_set, tmp_path / "verl")
    table = pq.read_table(path)
    assert table.schema.equals(verl_schema())
    return table.to_pylist()


def test_compute_score_equals_lwz_reward(tmp_path):
    cases = _cases()
    assert len(cases) >= 200
    reference = _lwz_reward(tmp_path, cases, "--rewards", "length,format", "--l-max", "2000")
    verl_rows = _verl_rows(tmp_path, cases)
    worst = 0.0
    for case, vr, ref in zip(cases, verl_rows, reference):
        assert vr["extra_info"]["id"] == case["id"]
        got = compute_score(vr["data_source"], case["response"], vr["reward_model"]["ground_truth"],
                            vr["extra_info"], l_max=2000)
        assert set(got) == {"score", "length", "format"}
        worst = max(worst, abs(got["length"] - ref["length"]), abs(got["format"] - ref["format"]))
        assert got["score"] == pytest.approx((ref["length"] + ref["format"]) / 2, abs=1e-12)
    assert worst == 0.0
    # the cases cover the reward's range: inside/outside the length range, broken and repeated structure
    assert {round(r["length"], 3) for r in reference} >= {1.0} and min(r["length"] for r in reference) < 0.9
    assert {r["format"] for r in reference} >= {0.0, 1.0} and any(0 < r["format"] < 1 for r in reference)


def test_weights_and_ground_truth_forms():
    done = "<think>p</think><answer>one two three four</answer>"
    a = compute_score("longwriter_zero", done, "[2, 3]", {"request": "Write."}, l_max=100)
    b = compute_score("longwriter_zero", done, [2, 3], {"request": "Write."}, l_max=100,
                      weights={"length": 3.0, "format": 1.0})
    assert a["length"] == b["length"] == pytest.approx((100 - 4) / (100 - 3))
    assert a["format"] == b["format"] == 1.0
    assert b["score"] == pytest.approx((3 * b["length"] + 1.0) / 4)
    with pytest.raises(UserError, match="range"):
        compute_score("longwriter_zero", done, "[5, 2]", {"request": "Write."})


def test_think_prompt_parquet_reads_back_in_verl_schema(tmp_path):
    rows = load_prompt_set(ASSETS / "demo_prompts.jsonl", require_range=True)
    path = export_verl_prompts(rows, tmp_path / "out")
    table = pq.read_table(path)
    assert table.schema.equals(verl_schema()) and table.num_rows == len(rows)
    first = table.to_pylist()[0]
    assert first["prompt"] == [{"role": "user", "content": render_request(rows[0]["prompt"])}]
    assert first["extra_info"]["request"] == rows[0]["prompt"]
    assert json.loads(first["reward_model"]["ground_truth"]) == rows[0]["range"]
    # one implementation: `lwz data export-verl` writes the same file
    assert main(["data", "export-verl", "--input", str(ASSETS / "demo_prompts.jsonl"),
                 "--output", str(tmp_path / "cli.parquet")]) == 0
    assert pq.read_table(tmp_path / "cli.parquet").equals(table)
    bare = pq.read_table(export_verl_prompts(rows, tmp_path / "bare.parquet", template="none")).to_pylist()
    assert bare[0]["prompt"] == [{"role": "user", "content": rows[0]["prompt"]}]


def test_writing_reward_through_the_reward_server(tmp_path, monkeypatch):
    from longwriter_zero.reward_model.model import RewardModel, build_classifier
    from longwriter_zero.reward_model.server import BackgroundServer, create_app

    model, tok = build_classifier("tiny-random", seed=0)
    folder = tmp_path / "rm"
    RewardModel(model, tok, max_length=48).save(folder, {"backbone": "tiny-random"})
    cases = _cases()[:12]
    with BackgroundServer(create_app(RewardModel.load(str(folder)), str(folder))) as srv:
        monkeypatch.setenv(ENV_WRITING_URL, srv.url)
        reference = _lwz_reward(tmp_path, cases, "--rewards", "length,format,writing", "--writing-url", srv.url)
        verl_rows = _verl_rows(tmp_path, cases)
        for case, vr, ref in zip(cases, verl_rows, reference):
            got = compute_score(vr["data_source"], case["response"], vr["reward_model"]["ground_truth"],
                                vr["extra_info"])
            assert set(got) == {"score", "length", "format", "writing"}
            for k in ("length", "format", "writing"):
                assert got[k] == pytest.approx(ref[k], abs=1e-6), k
            assert got["score"] == pytest.approx((got["length"] + got["format"] + got["writing"]) / 3)
    assert len({round(r["writing"], 6) for r in reference}) > 1


def test_gdpo_conversion_whitens_over_response_tokens():
    """Eq. 5 [1, -1] for one group of G=2, responses of 1 and 3 tokens: the tokens are
    [s, -s, -s, -s] (s = sqrt(1/2)); token mean -s/2, unbiased token variance 0.5, so the
    whitened values are 1.5 and -0.5 (the long response weighs more in the statistics)."""
    import torch

    from longwriter_zero.integrations.verl import gdpo_advantages_from_eq5

    mask = torch.tensor([[1.0, 0, 0], [1, 1, 1]])
    got = gdpo_advantages_from_eq5(torch.tensor([1.0, -1.0]), mask, group_size=2, weight_sum=1.0)
    assert torch.allclose(got, torch.tensor([[1.5, 0, 0], [-0.5, -0.5, -0.5]], dtype=torch.float64), atol=1e-6)
