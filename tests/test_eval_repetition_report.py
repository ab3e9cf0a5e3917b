"""`lwz eval repetition` (shared with the format reward) and `lwz report` on built folders."""

import json

import pytest

from longwriter_zero.cli import main
from longwriter_zero.rewards.repetition import repetition_metrics

HONEST = ("The harbour town wakes before dawn, when the fishing boats slide out past the breakwater. "
          "Gulls follow them, loud and hopeful, while the bakers light their ovens on the hill.\n\n"
          "By noon the market square is full of traders selling nets, rope, bread and cheese. "
          "Children chase each other between the stalls and old men argue about the weather.")
PARAGRAPH = "Our product is the best product for every customer who wants quality and value in every purchase they make."
PADDED = "\n\n".join([PARAGRAPH] * 6)


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_repetition_uses_reward_module_and_averages(tmp_path, capsys):
    path = _write(tmp_path / "a.jsonl", [{"id": "h", "response": HONEST}, {"id": "p", "response": PADDED}])
    assert main(["eval", "repetition", "--input", str(path), "--json", "--output", str(tmp_path / "rep")]) == 0
    out = json.loads(capsys.readouterr().out)
    by_id = {r["id"]: r for r in out["per_answer"]}
    # identical figures to the format reward's implementation
    for key, value in repetition_metrics(PADDED).items():
        assert by_id["p"][key] == pytest.approx(value)
    assert by_id["h"]["score"] == 1.0 and by_id["h"]["near_dup_rate"] == 0.0
    # 6 copies of one paragraph: 5 of 6 paragraphs repeat, distinct-1 far below the honest text's
    assert by_id["p"]["score"] == 0.0 and by_id["p"]["repeated_share"] == pytest.approx(5 / 6)
    assert by_id["p"]["distinct_1"] < 0.2 < by_id["h"]["distinct_1"]
    assert by_id["p"]["compression_ratio"] > 3 * by_id["h"]["compression_ratio"]
    assert out["mean"]["score"] == pytest.approx(0.5)
    assert out["mean"]["distinct_2"] == pytest.approx((by_id["h"]["distinct_2"] + by_id["p"]["distinct_2"]) / 2)
    md = (tmp_path / "rep" / "repetition.md").read_text()
    assert "| score | 0.500 |" in md


def _training_run(folder):
    folder.mkdir()
    metrics = [{"step": s, "reward/length": 0.2 + 0.1 * s, "reward/format": 0.5, "loss": 1.0 / (s + 1),
                "answer_length/mean": 100 + 50 * s} for s in range(5)]
    _write(folder / "metrics.jsonl", metrics)
    _write(folder / "samples.jsonl", [{"step": 4, "prompt": "Write a haiku about rain.",
                                       "completion": "<think>plan</think><answer>Soft rain on tin roofs</answer>",
                                       "reward": 0.75}])
    (folder / "config.yaml").write_text("model:\n  name: tiny-random\nsteps: 5\n")


def test_report_training_run_markdown_and_html(tmp_path, capsys):
    run = tmp_path / "run"
    _training_run(run)
    assert main(["report", str(run), "--html"]) == 0
    md = (run / "report.md").read_text()
    assert "# Report: run" in md and "5 logged steps (last step 4)" in md
    assert "| reward/length | 0.2000 | 0.6000 | 0.2000 | 0.6000 |" in md     # first/last/min/max
    assert "![training curves](report_curves.png)" in md and (run / "report_curves.png").exists()
    assert "Soft rain on tin roofs" in md and "tiny-random" in md
    html = (run / "report.html").read_text()
    assert "<table>" in html and "data:image/png;base64," in html


def test_report_eval_folder_with_external_output(tmp_path, capsys):
    ev = tmp_path / "eval"
    ev.mkdir()
    answers = _write(ev / "answers.jsonl", [{"id": "0", "prompt": "Write 100 words on tea.", "length": 100,
                                             "response": "tea " * 80, "type": "T"}])
    assert main(["eval", "length", "--input", str(answers), "--output", str(ev)]) == 0
    assert main(["eval", "repetition", "--input", str(answers), "--output", str(ev / "rep")]) == 0
    out = tmp_path / "site" / "page.md"
    assert main(["report", str(ev), "--output", str(out)]) == 0
    md = out.read_text()
    assert "\n## Length score" not in md and "\n### Length score" in md          # headings nested under the page
    assert "| **all** | 1 | 87.5 |" in md                                      # 100 * (1 - (100/80 - 1)/2)
    assert "](../eval/length.png)" in md
    assert "## Folder `rep`" in md and "Most repetitive answers" in md
    assert "tea tea" in md


def test_report_empty_folder_is_a_user_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "nothing to report" in capsys.readouterr().err
