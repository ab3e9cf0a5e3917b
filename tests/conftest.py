"""Shared fixtures: the embedded tokenizer and a tiny seeded model of the same architecture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` run only where CUDA is available."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def tokenizer():
    from longwriter_zero.models import load_tokenizer
    return load_tokenizer("tiny-random")


@pytest.fixture()
def tiny_model():
    from longwriter_zero.models import load_model
    model, tok = load_model("tiny-random", seed=0)
    return model, tok


@pytest.fixture(scope="session")
def longbench_en() -> Path:
    p = SHARED_DATA / "longbench_write_en.jsonl"
    if not p.exists():
        pytest.skip("shared/data/longbench_write_en.jsonl not present")
    return p


@pytest.fixture()
def one_thread():
    """Small models train faster on one thread than on two contended ones."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
