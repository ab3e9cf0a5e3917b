"""Bad input never gives a traceback: every ``lwz`` command over a corpus of bad files.

Each case runs ``cli.main(argv)`` in-process (one import of everything, tiny-random models). A case
passes when the command returns 0 (the input was acceptable) or 2 with its last stderr line
``lwz <command>: error: ...``; it fails on any exception escaping ``cli.main`` (a traceback, exit 1)
and on exit codes other than 0 and 2. Then the issue's named cases are checked message by message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from longwriter_zero import cli

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "configs" / "tiny.yaml"
DEAD_URL = "http://127.0.0.1:9"          # nothing listens: a command that gets this far fails fast
BIG = "9" * 5000
ROW = {"prompt": "Write a poem.", "response": "A poem.", "range": [10, 20], "length": 100, "id": "a",
       "chosen": "Good.", "rejected": "Bad.", "text": "Some text.", "index": 1, "domain1": "d", "domain2": "d",
       "query": "q", "checklist": ["c"], "conversation": [{"role": "user", "content": "Write."}]}


def corpus(folder: Path) -> dict[str, Path]:
    """Bad JSONL inputs: name -> path (a folder is one of them)."""
    files: dict[str, bytes] = {
        "empty": b"",
        "whitespace": b"  \n\t\n   \n",
        "non_utf8": b'{"prompt": "caf\xe9", "response": "x", "range": [1, 2]}\n',
        "utf16": json.dumps(ROW).encode("utf-16"),
        "binary": bytes(range(256)) * 8,
        "array_row": b"[1, 2, 3]\n",
        "string_row": b'"just a string"\n',
        "truncated": json.dumps(ROW).encode()[:30],
        "wrong_types": json.dumps({k: 5 for k in ROW}).encode() + b"\n",
        "nulls": json.dumps({k: None for k in ROW}).encode() + b"\n",
        "missing_keys": b"{}\n",
        "nan": json.dumps(ROW).replace('"length": 100', '"length": NaN').replace("[10, 20]", "[NaN, 20]").encode(),
        "infinity": json.dumps(ROW).replace('"length": 100', '"length": Infinity')
        .replace("[10, 20]", "[10, Infinity]").encode(),
        "minus_infinity": json.dumps(ROW).replace("[10, 20]", "[-Infinity, 20]").encode(),
        "1e400": json.dumps(ROW).replace('"length": 100', '"length": 1e400').replace("[10, 20]", "[10, 1e400]").encode(),
        "5000_digits": json.dumps(ROW).replace('"length": 100', f'"length": {BIG}').replace("[10, 20]", f"[10, {BIG}]")
        .encode(),
        "4000_digits": json.dumps(ROW).replace('"length": 100', f'"length": {BIG[:4000]}')
        .replace("[10, 20]", f"[10, {BIG[:4000]}]").encode(),
        "negative": json.dumps({**ROW, "range": [-5, 20], "length": -3}).encode(),
        "range_reversed": json.dumps({**ROW, "range": [30, 20]}).encode(),
        "range_short": json.dumps({**ROW, "range": [1]}).encode(),
        "deep_nested": b'{"prompt": ' + b"[" * 100000 + b"]" * 100000 + b"}\n",
        "deep_nested_obj": b'{"prompt": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}\n",
        "huge_line": json.dumps({**ROW, "prompt": "Write about the sea. " * 50000}).encode() + b"\n",
        "ok_then_bad": json.dumps(ROW).encode() + b"\n" + b'{"prompt": \n',
    }
    out = {}
    for name, data in files.items():
        p = folder / f"{name}.jsonl"
        p.write_bytes(data)
        out[name] = p
    d = folder / "a_folder.jsonl"
    d.mkdir()
    out["folder"] = d
    out["missing"] = folder / "does_not_exist.jsonl"
    return out


def commands(bad: Path, tmp: Path) -> dict[str, list[str]]:
    """argv of every command with ``bad`` where it reads a JSONL input."""
    out = tmp / "out"
    return {
        "train": ["train", str(TINY), f"data.prompts={bad}", f"output_dir={out}/train", "steps=1"],
        "pretrain": ["pretrain", str(tmp / "pretrain.yaml"), f"data.paths=[{json.dumps(str(bad))}]",
                     f"output_dir={out}/pt"],
        "pretrain-think": ["pretrain", str(tmp / "pretrain.yaml"), f"data.think_samples={bad}",
                           f"output_dir={out}/pt2"],
        "sft": ["sft", str(tmp / "sft.yaml"), f"data.train={bad}", f"output_dir={out}/sft"],
        "generate": ["generate", "--model", "tiny-random", "--input", str(bad), "--output", str(out / "gen.jsonl"),
                     "--max-new-tokens", "2", "--limit", "1"],
        "eval length": ["eval", "length", "--input", str(bad)],
        "eval repetition": ["eval", "repetition", "--input", str(bad)],
        "eval critic": ["eval", "critic", "--queries", str(bad), "--answers", str(bad), "--judge-url", DEAD_URL,
                        "--judge-model", "m", "--judge-retries", "1", "--output", str(out / "critic")],
        "eval arena": ["eval", "arena", "--answers", f"a={bad}", f"b={bad}", "--baseline", "a", "--judge-url",
                       DEAD_URL, "--judge-model", "m", "--judge-retries", "1", "--output", str(out / "arena")],
        "reward": ["reward", "--input", str(bad), "--output", str(out / "scored.jsonl")],
        "rm build-pairs": ["rm", "build-pairs", "--answers", str(bad), "--output", str(out / "pairs.jsonl")],
        "rm train": ["rm", "train", "--data", str(bad), "--model", "tiny-random", "--output", str(out / "rm"),
                     "--epochs", "1"],
        "data filter": ["data", "filter", "--input", str(bad), "--output", str(out / "kept.jsonl")],
        "data ranges": ["data", "ranges", "--input", str(bad), "--output", str(out / "ranged.jsonl")],
        "data build": ["data", "build", "--input", str(bad), "--output", str(out / "set.jsonl")],
        "data export-verl": ["data", "export-verl", "--input", str(bad), "--output", str(out / "v.parquet")],
        "report": ["report", str(bad.parent / "run_with_bad_metrics")],
        "serve": ["serve", "--model", str(bad), "--port", "0"],
        "rm serve": ["rm", "serve", "--model", str(bad), "--port", "0"],
        "demo": ["demo", "--config", str(bad), "--output-dir", str(out / "demo")],
    }


def run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as e:                 # argparse
        code = e.code
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    files = corpus(folder)
    report = folder / "run_with_bad_metrics"
    report.mkdir()
    for name in ("metrics.jsonl", "samples.jsonl"):
        (report / name).write_bytes(b'\xff\xfe{"step": 1}\n{"step": ' + b"[" * 100000 + b"\n" + BIG.encode())
    return files


@pytest.fixture()
def configs(tmp_path):
    (tmp_path / "pretrain.yaml").write_text(yaml.safe_dump({
        "model": {"name": "tiny-random"}, "data": {"paths": [str(REPO / "src/longwriter_zero/assets/longform_corpus")],
                                                   "seq_len": 32}, "steps": 1, "threads": 1}))
    (tmp_path / "sft.yaml").write_text(yaml.safe_dump({
        "model": {"name": "tiny-random"}, "data": {"train": "x", "max_seq_len": 64}, "steps": 1, "threads": 1}))
    return tmp_path


COMMANDS = list(commands(Path("x"), Path("y")))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_over_bad_files_never_tracebacks(command, bad_files, configs, capsys, monkeypatch):
    import uvicorn
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("a bad model was accepted and the server started")))
    failures = []
    for name, path in bad_files.items():
        argv = commands(path, configs)[command]
        try:
            code, err = run(argv, capsys)
        except Exception as e:               # what a user would see as a traceback
            failures.append(f"{name}: {type(e).__name__}: {str(e)[:120]}")
            continue
        last = err.rstrip("\n").split("\n")[-1]      # the error must be a line of its own
        if code == 2 and not (last.startswith("lwz ") and ": error: " in last or last.startswith("lwz: error:")):
            failures.append(f"{name}: exit 2 without a one-line error: {last[:120]}")
        elif code not in (0, 2):
            failures.append(f"{name}: exit {code}: {last[:120]}")
        elif "Traceback" in err:
            failures.append(f"{name}: traceback in stderr")
    assert not failures, f"lwz {command}:\n" + "\n".join(failures)


# ----------------------------------------------------------------------------- named cases


def one_error(argv, capsys) -> str:
    code, err = run(argv, capsys)
    last = err.rstrip("\n").split("\n")[-1]
    assert code == 2 and last.startswith(f"lwz {argv[0]}: error: ") and "Traceback" not in err, err[-500:]
    return last


def test_named_bad_inputs(tmp_path, bad_files, capsys):
    train = ["train", str(TINY), f"output_dir={tmp_path / 'run'}", "steps=1"]
    assert "override 'rewards.5.weight': index 5 is out of range" in one_error(train + ["rewards.5.weight=2"], capsys)
    assert "config key 'optim.lr': expected a finite number, got inf" in one_error(train + ["optim.lr=.inf"], capsys)
    assert "'steps'" in one_error(train + [f"steps={BIG}"], capsys)
    f = tmp_path / "a_file"
    f.write_text("x")
    assert f"output_dir: {f} is a file" in one_error(train + [f"output_dir={f}"], capsys)
    assert f"{bad_files['folder']}: is a folder, not a file" in one_error(
        train + [f"data.prompts={bad_files['folder']}"], capsys)
    assert f"{bad_files['non_utf8']}:1: not UTF-8 text" in one_error(
        train + [f"data.prompts={bad_files['non_utf8']}"], capsys)
    assert f"{bad_files['deep_nested']}:1: not valid JSON (nested deeper" in one_error(
        train + [f"data.prompts={bad_files['deep_nested']}"], capsys)
    for case in ("nan", "infinity", "1e400", "5000_digits"):
        assert f"{bad_files[case]}:1: not valid JSON" in one_error(
            train + [f"data.prompts={bad_files[case]}"], capsys), case
    assert f"{bad_files['4000_digits']}:1: 'range' must be in [0, 10,000,000]" in one_error(
        train + [f"data.prompts={bad_files['4000_digits']}"], capsys)
    assert "'length' must be a positive number up to 10,000,000" in one_error(
        ["eval", "length", "--input", str(bad_files["4000_digits"])], capsys)


def test_reward_names_the_bad_rows_line_not_its_place_in_the_batch(tmp_path, capsys):
    rows = [{"prompt": "Write.", "response": "Text.", "range": [1, 5]}] * 20
    rows[17] = {"prompt": "Write.", "response": "Text."}            # no range: batch 2, place 1
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows[:10]) + "\n\n" + "\n".join(json.dumps(r) for r in rows[10:]))
    last = one_error(["reward", "--input", str(p), "--batch-size", "16", "--output", str(tmp_path / "o.jsonl")], capsys)
    assert f"{p}:19: no 'range' for the length reward" in last        # line 19 (a blank line before it)


def test_prompt_longer_than_the_context_is_refused_before_training(tmp_path, capsys):
    p = tmp_path / "prompts.jsonl"
    p.write_text(json.dumps({"prompt": "Write a poem.", "range": [10, 20]}) + "\n"
                 + json.dumps({"prompt": "Write about the sea. " * 50000, "range": [10, 20]}) + "\n")  # ~1 MB
    last = one_error(["train", str(TINY), f"data.prompts={p}", f"output_dir={tmp_path / 'run'}", "steps=1"], capsys)
    assert f"{p}:2: prompt is " in last and "context of 2048 tokens leaves 2016 after rollout.max_new_tokens=32" in last
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


def test_every_config_command_over_bad_yaml_never_tracebacks(tmp_path, capsys):
    yamls: dict[str, bytes] = {
        "empty": b"", "non_utf8": b"steps: 1\nseed: \xff\xfe\n", "list_top": b"- 1\n- 2\n",
        "scalar_top": b"42\n", "binary": bytes(range(256)) * 4, "deep": b"a: " + b"[" * 20000 + b"\n",
        "deep_map": b"".join(b"  " * i + b"k:\n" for i in range(3000)),
        "big_int": b"steps: " + BIG.encode() + b"\n", "inf_lr": b"optim:\n  lr: .inf\n",
        "nan_lr": b"optim:\n  lr: .nan\n", "bad_yaml": b"a: [1, 2\n", "unknown": b"nope: 1\n",
        "wrong_section": b"optim: 3\n", "rewards_dict": b"rewards: {a: 1}\n",
    }
    paths = {}
    for name, data in yamls.items():
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_bytes(data)
    paths["folder"] = tmp_path
    failures = []
    for name, path in paths.items():
        for argv in (["train", str(path), f"output_dir={tmp_path / 'r1'}", "steps=0", "--validate"],
                     ["pretrain", str(path), f"output_dir={tmp_path / 'r2'}", "steps=0"],
                     ["sft", str(path), f"output_dir={tmp_path / 'r3'}"],
                     ["demo", "--config", str(path), "--output-dir", str(tmp_path / "r4")]):
            try:
                code, err = run(argv, capsys)
            except Exception as e:
                failures.append(f"{argv[0]} {name}: {type(e).__name__}: {str(e)[:100]}")
                continue
            last = err.rstrip("\n").split("\n")[-1]
            if code not in (0, 2) or (code == 2 and not last.startswith(f"lwz {argv[0]}: error: ")):
                failures.append(f"{argv[0]} {name}: exit {code}: {last[:100]}")
    assert not failures, "\n".join(failures)
