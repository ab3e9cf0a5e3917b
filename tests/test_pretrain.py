"""Continual pretraining: corpus reading and its errors, the mix-in, learning, exact resume, reload."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from longwriter_zero import cli
from longwriter_zero.config import build
from longwriter_zero.data.corpus import load_documents
from longwriter_zero.errors import UserError
from longwriter_zero.trainer.causal_lm import split_heldout
from longwriter_zero.trainer.run_dir import list_checkpoints
from longwriter_zero.trainer.pretrain import PretrainConfig, pick_mixin, pretrain

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "src" / "longwriter_zero" / "assets"


@pytest.fixture()
def small_corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for p in sorted((ASSETS / "longform_corpus").iterdir())[:9]:
        shutil.copy(p, folder / p.name)
    return folder


@pytest.fixture()
def restore_threads():
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def tiny_raw(corpus: Path, out: Path, **top) -> dict:
    raw = {"model": {"name": "tiny-random", "seed": 0},
           "data": {"paths": [str(corpus)], "seq_len": 32, "heldout_fraction": 0.25,
                    "think_samples": str(ASSETS / "writing_samples_tiny.jsonl"), "think_share": 0.05},
           "optim": {"lr": 2.0e-2, "batch_size": 2, "eval_batch_size": 16, "scheduler": "constant"},
           "steps": 16, "save_every": 4, "keep_checkpoints": 2, "seed": 0, "output_dir": str(out), "threads": 1}
    raw.update(top)
    return raw


def train_losses(run_dir: Path) -> dict[int, float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if "loss" in r]
    assert steps == sorted(set(steps)), "each step logged once"
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


# ----------------------------------------------------------------------------- pure pieces


def test_pick_mixin_hand_computed():
    # share 1% of 990 base tokens -> target 0.01/0.99*990 = 10 tokens: one sample of >= 10 tokens is enough
    assert len(pick_mixin([10, 20, 30], base_tokens=990, share=0.01, seed=0)) == 1
    # share 10% of 900 -> target 100 tokens of 4-token samples -> 25 picks, cycling the single sample
    assert pick_mixin([4], base_tokens=900, share=0.1, seed=0) == [0] * 25
    assert pick_mixin([4], base_tokens=900, share=0.0, seed=0) == []


def test_split_heldout_by_document():
    train, held = split_heldout(list(range(10)), 0.2, seed=3)
    assert len(held) == 2 and len(train) == 8 and sorted(train + held) == list(range(10))
    assert split_heldout(list(range(10)), 0.2, seed=3) == (train, held)  # seeded
    with pytest.raises(UserError, match="too few"):
        split_heldout(["only"], 0.1, seed=0)


def test_corpus_reads_every_format(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("A plain text document.")
    (tmp_path / "sub" / "b.md").write_text("# A markdown document")
    (tmp_path / "blank.txt").write_text("   \n")
    (tmp_path / "c.jsonl").write_text(json.dumps({"body": "first row"}) + "\n\n" + json.dumps({"body": "second"}) + "\n")
    pq.write_table(pa.table({"body": ["parquet one", "parquet two"]}), tmp_path / "d.parquet")
    (tmp_path / "ignored.csv").write_text("not read")
    docs = load_documents([tmp_path], text_key="body")
    assert [d.text for d in docs] == ["A plain text document.", "first row", "second", "parquet one",
                                      "parquet two", "# A markdown document"]
    assert docs[2].source.endswith("c.jsonl:3") and docs[4].source.endswith("d.parquet#row 1")


def _write_config(tmp_path, raw) -> str:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize("case, expected", [
    ("bad_json", r"bad\.jsonl:2: not valid JSON"),
    ("missing_key", r"rows\.jsonl:1: missing text field 'text'"),
    ("parquet_column", r"t\.parquet: missing text column 'text'"),
    ("empty_folder", r"no documents found in"),
    ("missing_folder", r"nowhere: no such file or folder"),
    ("think_samples", r"samples\.jsonl:1: missing field 'response'"),
])
def test_malformed_input_is_one_line_error_exit_2(tmp_path, capsys, case, expected):
    import re

    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "data"
    data.mkdir()
    raw = tiny_raw(data, tmp_path / "run")
    if case == "bad_json":
        (data / "bad.jsonl").write_text('{"text": "fine"}\n{"text": oops}\n')
    elif case == "missing_key":
        (data / "rows.jsonl").write_text('{"body": "no text key"}\n')
    elif case == "parquet_column":
        pq.write_table(pa.table({"body": ["x"]}), data / "t.parquet")
    elif case == "missing_folder":
        raw["data"]["paths"] = [str(tmp_path / "nowhere")]
    elif case == "think_samples":
        (data / "doc.txt").write_text("a document " * 50)
        (data / "doc2.txt").write_text("another document " * 50)
        (tmp_path / "samples.jsonl").write_text('{"prompt": "Write."}\n')
        raw["data"]["think_samples"] = str(tmp_path / "samples.jsonl")
    code = cli.main(["pretrain", _write_config(tmp_path, raw)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("lwz pretrain: error: ") and re.search(expected, err[-1]), err
    assert not (tmp_path / "run" / "metrics.jsonl").exists()  # nothing started


# ----------------------------------------------------------------------------- end to end


def test_pretrain_learns_resumes_exactly_and_reloads(tmp_path, small_corpus, restore_threads):
    from longwriter_zero.models import load_model

    # uninterrupted run
    full = pretrain(build(PretrainConfig, tiny_raw(small_corpus, tmp_path / "full")))
    assert full["data"]["think_samples_mixed"] >= 1
    assert full["heldout_loss_after"] < full["heldout_loss_before"] - 1.0, full
    metrics_full = train_losses(tmp_path / "full")
    assert sorted(metrics_full) == list(range(1, 17))
    assert (tmp_path / "full" / "curves.png").stat().st_size > 1000
    assert [p.name for p in list_checkpoints(tmp_path / "full")] == ["checkpoint-12", "checkpoint-16"]

    # the same run, killed (SIGKILL) once its first checkpoint is on disk, then resumed
    out = tmp_path / "killed"
    cfg_path = _write_config(tmp_path, tiny_raw(small_corpus, out))
    proc = subprocess.Popen([sys.executable, "-m", "longwriter_zero.cli", "pretrain", cfg_path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    deadline = time.time() + 120
    while not list_checkpoints(out) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "model").exists(), "the run finished before it could be killed"
    killed_at = list_checkpoints(out)[-1].name
    resumed = pretrain(build(PretrainConfig, tiny_raw(small_corpus, out, resume=True)))
    metrics_resumed = train_losses(out)
    assert sorted(metrics_resumed) == list(range(1, 17)), killed_at
    for step, loss in metrics_full.items():
        assert metrics_resumed[step] == pytest.approx(loss, abs=1e-6), (step, killed_at)
    assert resumed["heldout_loss_after"] == pytest.approx(full["heldout_loss_after"], abs=1e-6)
    assert resumed["heldout_loss_before"] == full["heldout_loss_before"]

    # the final checkpoint loads with the common loader and generates
    model, tok = load_model(str(tmp_path / "full" / "model"))
    ids = tok("# A town report\n\n## Overview\n\n", return_tensors="pt").input_ids
    with torch.no_grad():
        gen = model.generate(ids, max_new_tokens=6, min_new_tokens=6, do_sample=False)
    assert gen.shape[1] == ids.shape[1] + 6
    assert isinstance(tok.decode(gen[0, ids.shape[1]:]), str)


def test_lora_run_saves_merged_model_and_gguf_flag_is_cleared(tmp_path, small_corpus, restore_threads):
    from longwriter_zero.models import load_model
    from longwriter_zero.trainer.causal_lm import drop_gguf_flag

    model, _ = load_model("tiny-random")
    model.config.quantization_config = {"quant_method": "gguf", "gguf_file": "x.gguf"}
    model.is_quantized = True
    assert drop_gguf_flag(model) and not model.is_quantized
    assert "quantization_config" not in model.config.to_dict()
    assert not drop_gguf_flag(model)

    raw = tiny_raw(small_corpus, tmp_path / "lora", steps=2, save_every=0)
    raw["model"]["lora_r"] = 4
    summary = pretrain(build(PretrainConfig, raw))
    final = Path(summary["final_model"])
    assert (final / "model.safetensors").exists() and not (final / "adapter_model.safetensors").exists()
    merged, _ = load_model(str(final))
    assert not any("lora" in name for name, _ in merged.named_parameters())
