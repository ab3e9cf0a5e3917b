"""The RL prompt set: validation, the verl Parquet export (read back with pyarrow), `lwz data build`, demo prompts."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from longwriter_zero.cli import main
from longwriter_zero.data.dataset import export_verl, load_prompt_set, range_from_ground_truth, verl_rows
from longwriter_zero.data.ranges import parse_length_requirement
from longwriter_zero.errors import UserError
from longwriter_zero.prompts import render_request

REPO_CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("lines, message", [
    (['{"prompt": "Write a story", "range": [100, 200]}', '{"prompt": "  "}'], r"p.jsonl:2: missing or empty 'prompt'"),
    (['{"prompt": "Write a story", "range": [300, 200]}'], r"p.jsonl:1: 'range' lower 300 > upper 200"),
    (['{"prompt": "a"}', '{"prompt": "b", oops}'], r"p.jsonl:2: not valid JSON"),
    (['{"prompt": "a", "id": "x"}', '{"prompt": "b", "id": "x"}'], r"p.jsonl:2: duplicate id 'x' \(also on line 1\)"),
    (['{"prompt": "a", "range": "long"}'], r"p.jsonl:1: 'range' must be \[lower, upper\]"),
    (['{"prompt": "a", "lang": 3}'], r"p.jsonl:1: 'lang' must be a non-empty string"),
    ([""], r"p.jsonl: no prompts"),
])
def test_load_prompt_set_rejects_bad_rows(tmp_path, lines, message):
    with pytest.raises(UserError, match=message):
        load_prompt_set(write(tmp_path / "p.jsonl", lines))


def test_load_prompt_set_fills_defaults_and_can_require_ranges(tmp_path):
    path = write(tmp_path / "p.jsonl", ['{"prompt": "写一首诗", "range": [100, 300]}', '{"prompt": "Write an essay"}'])
    rows = load_prompt_set(path)
    assert [(r["lang"], r["id"]) for r in rows] == [("zh", "1"), ("en", "2")]
    with pytest.raises(UserError, match=r"p.jsonl:2: no 'range'"):
        load_prompt_set(path, require_range=True)


def test_export_verl_reads_back_with_pyarrow(tmp_path):
    rows = [{"prompt": "Write a 2,000-word essay.", "lang": "en", "range": [1800, 2200], "source": "wild", "id": "a"},
            {"prompt": "写一首诗", "lang": "zh", "range": [100, 300], "source": "lmsys", "id": "b"}]
    target = export_verl(rows, tmp_path / "verl")
    assert target == tmp_path / "verl" / "train.parquet"
    table = pq.read_table(target)
    assert table.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    assert table.schema.field("prompt").type == pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    got = table.to_pylist()
    # verl applies only the chat template: the think prompt is in the message, the raw request in extra_info
    assert got[0] == {"data_source": "longwriter_zero",
                      "prompt": [{"role": "user", "content": render_request("Write a 2,000-word essay.")}],
                      "ability": "writing",
                      "reward_model": {"style": "rule", "ground_truth": "[1800, 2200]"},
                      "extra_info": {"index": 0, "id": "a", "lang": "en", "range": [1800, 2200],
                                     "request": "Write a 2,000-word essay.", "source": "wild"}}
    assert "<think>" in got[0]["prompt"][0]["content"] and "Write a 2,000-word essay." in got[0]["prompt"][0]["content"]
    assert got[1]["extra_info"]["index"] == 1 and got[1]["extra_info"]["request"] == "写一首诗"
    assert got[1]["prompt"][0]["content"] == render_request("写一首诗", "think", "zh") != render_request("写一首诗", "think", "en")
    assert range_from_ground_truth(got[1]["reward_model"]["ground_truth"]) == (100, 300)
    assert range_from_ground_truth([5, 10]) == (5, 10)
    assert export_verl(rows, tmp_path / "one.parquet", data_source="mine") == tmp_path / "one.parquet"
    assert pq.read_table(tmp_path / "one.parquet").column("data_source").to_pylist() == ["mine", "mine"]


def test_export_verl_templates(tmp_path):
    rows = [{"prompt": "Write a 2,000-word essay.", "lang": "en", "range": [1800, 2200], "source": "wild", "id": "a"}]
    contents = {}
    for template in ("think", "nothink", "none"):
        table = pq.read_table(export_verl(rows, tmp_path / f"{template}.parquet", template=template))
        (row,) = table.to_pylist()
        assert row["extra_info"]["request"] == "Write a 2,000-word essay."
        contents[template] = row["prompt"][0]["content"]
    assert contents["none"] == "Write a 2,000-word essay."
    assert contents["nothink"] == render_request("Write a 2,000-word essay.", "nothink")
    assert len(set(contents.values())) == 3
    custom = verl_rows(rows, template_text="Task: {request}")
    assert custom[0]["prompt"][0]["content"] == "Task: Write a 2,000-word essay."
    with pytest.raises(UserError, match="template 'plain'"):
        verl_rows(rows, template="plain")


def test_cli_build_then_export(tmp_path):
    logs = [
        {"conversation_id": "c1", "language": "English",
         "conversation": [{"role": "user", "content": "Write a 1500-word report on urban beekeeping."}]},
        {"conversation_id": "c2", "language": "Chinese",
         "conversation": [{"role": "user", "content": "写一篇关于故乡的散文。"}]},
        {"conversation_id": "c3", "language": "English",
         "conversation": [{"role": "user", "content": "What's the capital of Peru?"}]},
        {"conversation_id": "c4", "language": "English",
         "conversation": [{"role": "user", "content": "Write a 100,000-word fantasy novel."}]},
    ]
    pq.write_table(pa.Table.from_pylist(logs), tmp_path / "lmsys.parquet")
    out, summary = tmp_path / "prompts.jsonl", tmp_path / "summary.json"
    assert main(["data", "build", "--input", str(tmp_path / "lmsys.parquet"), "--output", str(out),
                 "--summary", str(summary)]) == 0
    rows = load_prompt_set(out, require_range=True)
    assert [(r["id"], r["lang"], r["range"], r["range_source"], r["source"]) for r in rows] == [
        ("c1", "en", [1300, 1700], "explicit", "lmsys"),   # about 1500: 1350 -> 1300 (tie down), 1650 -> 1700
        ("c2", "zh", [800, 1000], "prior", "lmsys"),       # 散文: the essay prior
        ("c4", "en", [0, 0], "explicit", "lmsys"),         # beyond 12,000 words: unfulfillable
    ]
    assert list(rows[0]) == ["prompt", "lang", "range", "source", "id", "range_source"]
    report = json.loads(summary.read_text())
    assert report["dropped"] == {"question": 1} and report["ranges"]["explicit"] == 2

    assert main(["data", "export-verl", "--input", str(out), "--output", str(tmp_path / "rl.parquet")]) == 0
    table = pq.read_table(tmp_path / "rl.parquet")
    assert table.num_rows == 3 and table.column("ability").to_pylist() == ["writing"] * 3
    assert [m[0]["content"] for m in table.column("prompt").to_pylist()] == [render_request(r["prompt"]) for r in rows]
    assert main(["data", "export-verl", "--input", str(out), "--output", str(tmp_path / "bare.parquet"),
                 "--template", "none"]) == 0
    assert [m[0]["content"] for m in pq.read_table(tmp_path / "bare.parquet").column("prompt").to_pylist()] == \
        [r["prompt"] for r in rows]
    write(tmp_path / "tpl.txt", ["Please write: {request}"])
    assert main(["data", "export-verl", "--input", str(out), "--output", str(tmp_path / "tpl.parquet"),
                 "--template-file", str(tmp_path / "tpl.txt")]) == 0
    assert pq.read_table(tmp_path / "tpl.parquet").column("prompt").to_pylist()[0][0]["content"].startswith(
        "Please write: Write a 1500-word report")
    write(tmp_path / "norange.jsonl", ['{"prompt": "Write an essay"}'])
    assert main(["data", "export-verl", "--input", str(tmp_path / "norange.jsonl"),
                 "--output", str(tmp_path / "x.parquet")]) == 2


def test_demo_prompts_asset():
    path = resources.files("longwriter_zero") / "assets" / "demo_prompts.jsonl"
    rows = load_prompt_set(path, require_range=True)
    assert 20 <= len(rows) <= 30 and {r["source"] for r in rows} == {"demo"}
    assert 3 <= sum(r["lang"] == "zh" for r in rows) <= len(rows) // 3
    for r in rows:
        lo, hi = r["range"]
        assert 40 <= lo < hi <= 200
        stated = parse_length_requirement(r["prompt"]).stated   # each request states its small target
        assert lo <= stated <= hi


def test_fits_cap_by_hand():
    from longwriter_zero.data.dataset import fits_cap

    rates = {"en": 1.1, "zh": 2.0}
    # 145 words x 1.1 = 159.5 tokens <= 160; 150 x 1.1 = 165 > 160; 80 chars x 2 = 160 <= 160
    assert fits_cap({"lang": "en", "range": [100, 145]}, 160, rates)
    assert not fits_cap({"lang": "en", "range": [100, 150]}, 160, rates)
    assert fits_cap({"lang": "zh", "range": [40, 80]}, 160, rates)
    assert not fits_cap({"lang": "zh", "range": [60, 100]}, 160, rates)
    assert fits_cap({"lang": "fr", "range": [500, 900]}, 160, rates)     # no rate for the language
    assert fits_cap({"lang": "en"}, 160, rates)                           # no range


def test_training_keeps_only_prompts_that_fit_the_cap(tmp_path, capsys):
    from longwriter_zero.config import load_config
    from longwriter_zero.trainer import grpo

    path = resources.files("longwriter_zero") / "assets" / "demo_prompts.jsonl"
    base = ["model.name=tiny-random", f"data.prompts={path}", 'rewards=[{"name": "length"}]']
    demo = load_config(REPO_CONFIGS / "demo.yaml", [f"output_dir={tmp_path}/a", *base])
    # configs/demo.yaml at 160 tokens: the English requests up to 145 words, Chinese up to 80 characters
    kept = grpo.setup(demo).prompts
    rows = load_prompt_set(path)
    want = [r["id"] for r in rows if (r["range"][1] <= 145 if r["lang"] == "en" else r["range"][1] <= 80)]
    assert [r["id"] for r in kept] == want and len(want) == 13
    assert "13 of 24 prompts" in capsys.readouterr().err
    with pytest.raises(UserError, match="no prompt's range fits in rollout.max_new_tokens=16"):
        grpo.setup(load_config(REPO_CONFIGS / "demo.yaml", [f"output_dir={tmp_path}/b", *base,
                                                            "rollout.max_new_tokens=16"]))
    with pytest.raises(UserError, match="data.cap_tokens_per_unit"):
        grpo.validate(load_config(REPO_CONFIGS / "demo.yaml", ["data.cap_tokens_per_unit={en: 0}"]))
