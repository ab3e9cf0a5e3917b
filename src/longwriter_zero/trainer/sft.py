"""Supervised fine-tuning on (prompt, response) pairs: the baseline the paper compares RL with.

Each row becomes ``build_prompt(request)`` (the same prompt ``lwz generate`` and ``lwz train``
use, think or nothink) followed by the response in its trained format
(``data.writing_samples.format_response``) and EOS. The loss covers the response tokens and
EOS only: prompt positions get label -100. Rows are padded per batch (no packing: a row is one
conversation, so nothing can attend across examples). A response that does not fit in
``data.max_seq_len`` is cut at the end; a prompt that fills it alone drops the row.

Same run folder, checkpoints, metrics and final checkpoint as pretraining (``trainer.causal_lm``);
the held-out loss is the response-token loss on held-out rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from longwriter_zero.config import PromptConfig, opt
from longwriter_zero.data.packing import IGNORE_INDEX
from longwriter_zero.data.writing_samples import WritingSample, load_writing_samples, render_prompt
from longwriter_zero.errors import UserError
from longwriter_zero.trainer import run_dir as rundir
from longwriter_zero.trainer.causal_lm import (LMRun, LMRunConfig, apply_threads, run_causal_lm, save_config,
                                              split_heldout, tokenize_texts)


@dataclass
class SFTDataConfig:
    train: str = opt("", "JSONL of writing samples: prompt, response, optional think (plan)")
    heldout: str = opt("", "held-out JSONL in the same format; empty splits rows off `train`")
    heldout_fraction: float = opt(0.1, "share of rows held out when heldout is empty")
    prompt_key: str = opt("prompt", "field with the request")
    response_key: str = opt("response", "field with the response")
    think_key: str = opt("think", "field with the plan, wrapped in <think> when the response has no tags")
    max_seq_len: int = opt(2048, "prompt + response tokens per row; longer responses are cut at the end")


@dataclass
class SFTConfig(LMRunConfig):
    data: SFTDataConfig = field(default_factory=SFTDataConfig, metadata={"help": "(prompt, response) data"})
    prompt: PromptConfig = field(default_factory=PromptConfig,
                                 metadata={"help": "prompt template (think or nothink)"})
    output_dir: str = opt("runs/sft", "run folder: metrics.jsonl, checkpoints, model/, curves.png")

    def check(self) -> None:
        super().check()
        if not self.data.train:
            raise UserError("config key 'data.train': give the JSONL of (prompt, response) rows")
        if self.data.max_seq_len < 2:
            raise UserError(f"config key 'data.max_seq_len': must be >= 2, got {self.data.max_seq_len}")
        if not self.data.heldout and not 0.0 < self.data.heldout_fraction < 1.0:
            raise UserError("config: set data.heldout or data.heldout_fraction in (0, 1)")


# ----------------------------------------------------------------------------- pure pieces


def sft_example(prompt_ids: Sequence[int], target_ids: Sequence[int], max_len: int) -> dict | None:
    """``input_ids`` = prompt + target, ``labels`` = -100 on the prompt, the target ids elsewhere.

    Cut to ``max_len`` tokens from the end; None when the prompt alone fills ``max_len``.
    """
    if len(prompt_ids) >= max_len:
        return None
    ids = (list(prompt_ids) + list(target_ids))[:max_len]
    labels = ([IGNORE_INDEX] * len(prompt_ids) + list(target_ids))[:max_len]
    return {"input_ids": torch.tensor(ids, dtype=torch.long), "labels": torch.tensor(labels, dtype=torch.long)}


@dataclass
class SFTCollator:
    """Right-pads rows to the longest in the batch: pad id, label -100, attention mask 0."""

    pad_id: int

    def __call__(self, rows: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[i, :n], labels[i, :n], mask[i, :n] = r["input_ids"], r["labels"], 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, rows: list[dict]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        return self.rows[i]


# ----------------------------------------------------------------------------- data


def tokenize_samples(samples: Sequence[WritingSample], tokenizer, cfg: SFTConfig, desc: str) -> tuple[list[dict], int]:
    """Rows for training and the number dropped because the prompt alone exceeds max_seq_len."""
    template_text = None
    if cfg.prompt.template_file:
        from longwriter_zero.prompts import load_template_file
        template_text = load_template_file(cfg.prompt.template_file)
    prompts = [render_prompt(s, tokenizer, cfg.prompt.template, cfg.prompt.language, template_text,
                             cfg.prompt.chat_template) for s in samples]
    prompt_ids = tokenize_texts(prompts, tokenizer, f"{desc} (prompts)")
    target_ids = tokenize_texts([s.target for s in samples], tokenizer, f"{desc} (responses)")
    eos = tokenizer.eos_token_id
    rows, dropped = [], 0
    for p, t in zip(prompt_ids, target_ids):
        row = sft_example(p, t + ([eos] if eos is not None else []), cfg.data.max_seq_len)
        if row is None:
            dropped += 1
        else:
            rows.append(row)
    return rows, dropped


def build_sft_data(cfg: SFTConfig, tokenizer=None) -> tuple[list[dict], list[dict], dict]:
    """Rows for training and held-out; the input files are read (and checked) before the tokenizer
    is loaded (None: ``cfg.model.name``'s)."""
    d = cfg.data
    keys = (cfg.prompt.template, d.prompt_key, d.response_key, d.think_key)
    samples = load_writing_samples(d.train, *keys)
    if d.heldout:
        train_s, held_s = samples, load_writing_samples(d.heldout, *keys)
    else:
        train_s, held_s = split_heldout(samples, d.heldout_fraction, cfg.seed, what=d.train)
    if tokenizer is None:
        from longwriter_zero.models import load_tokenizer
        tokenizer = load_tokenizer(cfg.model.name)
    train, dropped_t = tokenize_samples(train_s, tokenizer, cfg, "tokenising training rows")
    held, dropped_h = tokenize_samples(held_s, tokenizer, cfg, "tokenising held-out rows")
    if not train or not held:
        raise UserError(f"{d.train}: every {'training' if not train else 'held-out'} prompt is longer than "
                        f"data.max_seq_len={d.max_seq_len} tokens")
    stats = {"train_rows": len(train), "heldout_rows": len(held), "dropped_long_prompts": dropped_t + dropped_h,
             "response_tokens": sum(int((r["labels"] != IGNORE_INDEX).sum()) for r in train),
             "template": cfg.prompt.template}
    return train, held, stats


def sft(cfg: SFTConfig) -> dict:
    """Run supervised fine-tuning as configured; returns the run summary (see ``run_causal_lm``)."""
    from longwriter_zero.models import load_model

    cfg.check()
    plan = rundir.plan(cfg.output_dir, cfg.resume, cfg.overwrite)   # refuses a used folder before any work
    apply_threads(cfg.threads)
    train, held, stats = build_sft_data(cfg)
    print(f"sft: {stats}", file=sys.stderr)
    run_dir = Path(cfg.output_dir)
    resume_from = plan.apply()
    save_config(cfg, run_dir)
    m = cfg.model
    model, tok = load_model(m.name, dtype=m.dtype, seed=m.seed, lora_r=m.lora_r, lora_alpha=m.lora_alpha,
                            lora_dropout=m.lora_dropout, gradient_checkpointing=m.gradient_checkpointing)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    run = LMRun(kind="sft", model=model, tokenizer=tok, train_dataset=ListDataset(train),
                heldout_dataset=ListDataset(held), collator=SFTCollator(pad_id=pad), count_tokens="non_padding",
                extra_summary={"data": stats})
    return run_causal_lm(cfg, run, resume_from)
