"""`lwz demo` end to end on the tiny model (the writing reward left out to keep it short; the
reward model's own training is tested in test_rewards_writing / test_rm_accuracy)."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_reports_and_resumes(tmp_path):
    prompts = tmp_path / "eval.jsonl"
    prompts.write_text('{"id": "e1", "prompt": "Write 10 words about tea.", "length": 10, "range": [8, 12]}\n'
                       '{"id": "e2", "prompt": "用10个字写茶。", "length": 10, "range": [8, 12]}\n', encoding="utf-8")
    warm = tmp_path / "warm.yaml"       # the demo's warm-start config, cut to 2 short steps
    assert "steps: 30" in (REPO / "configs" / "sft_warmstart.yaml").read_text()
    warm.write_text((REPO / "configs" / "sft_warmstart.yaml").read_text().replace("steps: 30", "steps: 2")
                    .replace("max_seq_len: 384", "max_seq_len: 128").replace("threads: 2", "threads: 1"))
    args = [sys.executable, "-m", "longwriter_zero.cli", "demo", "--output-dir", str(tmp_path), "--warm-start", str(warm),
            "model.name=tiny-random", "steps=3", "save_every=2", "rollout.max_new_tokens=16",
            "rollout.group_size=4", 'rewards=[{"name": "length"}, {"name": "format"}]',
            "data.cap_tokens_per_unit={}", f"eval.prompts={prompts}", "eval.samples=1", "threads=1"]
    r = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    # warm start, untrained evaluation, evaluation before step 1 and after step 3, the before/after table
    assert (tmp_path / "warmstart" / "model" / "config.json").exists()
    assert json.loads((tmp_path / "eval_untrained.json").read_text())["eval/n"] == 2
    evals = [json.loads(ln) for ln in (tmp_path / "train" / "eval.jsonl").read_text().splitlines()]
    assert [e["step"] for e in evals] == [0, 3]
    header = next(ln for ln in r.stdout.splitlines() if ln.startswith("held-out metric"))
    assert header.split()[-6:] == ["untrained", "warm", "start", "GRPO", "step", "3"]
    assert any(ln.startswith("length score S_l") for ln in r.stdout.splitlines())
    assert (tmp_path / "heldout_before_after.png").stat().st_size > 1000
    summary = json.loads(next(ln for ln in r.stdout.splitlines() if ln.startswith("{")))
    assert summary["steps"] == 3 and set(summary["first"]) == {"reward/length", "reward/format", "reward/total"}
    run = tmp_path / "train"
    assert (run / "report.md").read_text().count("![") >= 1
    assert (run / "curves.png").stat().st_size > 1000 and (run / "model" / "config.json").exists()
    # a second run with more steps continues from the last checkpoint instead of starting again
    r2 = subprocess.run([a if a != "steps=3" else "steps=4" for a in args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r2.returncode == 0, r2.stderr[-2000:]
    assert "(resuming)" in r2.stderr
    rows = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2, 3, 4]
    assert ["eval/length_score" in row for row in rows] == [False, False, True, True]   # after steps 3 and 4
    assert [json.loads(ln)["step"] for ln in (run / "eval.jsonl").read_text().splitlines()] == [0, 3, 4]


def test_demo_missing_config_is_a_one_line_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "longwriter_zero.cli", "demo", "--config", str(tmp_path / "no.yaml")],
                       cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
