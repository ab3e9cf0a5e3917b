"""LongBench-Write length score: hand-computed values, file scoring, CLI and plot."""

import json

import pytest

from longwriter_zero.cli import main
from longwriter_zero.evaluation.length_score import length_score, load_length_rows, score_rows


@pytest.mark.parametrize("required,produced,expected", [
    (100, 100, 100.0),            # exact
    (100, 200, 200 / 3),          # twice too long: 1 - (2-1)/3
    (1000, 1150, 95.0),           # 15% too long: 1 - 0.15/3
    (100, 400, 0.0),              # 4x: reaches 0
    (100, 500, 0.0),              # beyond 4x: clipped
    (100, 50, 50.0),              # half: 1 - (2-1)/2
    (200, 160, 87.5),             # 1 - (1.25-1)/2
    (300, 100, 0.0),              # a third: reaches 0
    (300, 50, 0.0),               # shorter still: clipped
    (100, 0, 0.0),                # empty answer
])
def test_length_score_hand_computed(required, produced, expected):
    assert length_score(required, produced) == pytest.approx(expected)


def test_length_score_rejects_nonpositive_requirement():
    with pytest.raises(ValueError):
        length_score(0, 10)


def _answers(tmp_path, rows):
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_score_rows_overall_and_per_type(tmp_path):
    path = _answers(tmp_path, [
        {"length": 100, "response": "word " * 100, "type": "A"},        # 100
        {"length": 100, "response": "word " * 200, "type": "A"},        # 66.67
        {"length": 100, "response": "", "type": "B"},                   # 0
        {"length": 200, "response": "词" * 160 + " end", "type": "B"},  # 161 units -> 1-(200/161-1)/2
    ])
    report = score_rows(load_length_rows(path))
    b2 = 100 * (1 - (200 / 161 - 1) / 2)
    assert report.per_type["A"] == pytest.approx((100 + 200 / 3) / 2)
    assert report.per_type["B"] == pytest.approx(b2 / 2)
    assert report.score == pytest.approx((100 + 200 / 3 + 0 + b2) / 4)
    assert [r.produced for r in report.rows] == [100, 200, 0, 161]


def test_cli_json_and_plot(tmp_path, capsys):
    path = _answers(tmp_path, [{"length": 100, "response": "word " * 50, "type": "T"},
                               {"length": 100, "response": "", "type": "T"}])
    png = tmp_path / "plot.png"
    assert main(["eval", "length", "--input", str(path), "--json", "--plot", str(png),
                 "--output", str(tmp_path / "out")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] == pytest.approx(25.0) and out["n"] == 2 and out["per_type"] == {"T": 25.0}
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "out" / "length.png").exists()
    assert json.loads((tmp_path / "out" / "length.json").read_text())["score"] == pytest.approx(25.0)


def test_bad_rows_name_file_and_line(tmp_path, capsys):
    path = _answers(tmp_path, [{"length": 100, "response": "a"}, {"response": "b"}])
    assert main(["eval", "length", "--input", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2" in err and "'length'" in err
    path = _answers(tmp_path, [{"length": -5, "response": "a"}])
    assert main(["eval", "length", "--input", str(path)]) == 2
    assert "positive" in capsys.readouterr().err
