"""Continual pretraining on long-form text (the paper's stage before RL), at any scale.

The paper continues pretraining Qwen2.5-32B on 30B tokens of long-form books, reports and
papers, with about 1% long chain-of-thought writing data mixed in, packed into 32K sequences.
This recipe does the same at the scale of a CPU:

1. read documents (folders of .txt/.md, JSONL, Parquet; ``data.corpus``) and split off a
   held-out set by document (or read one from ``data.heldout_paths``);
2. tokenise with a progress bar; mix in think-style writing samples (prompt rendered with
   ``prompts.build_prompt``, response as ``<think>…</think>\\n<answer>…</answer>``) until they
   make up ``data.think_share`` of the training tokens; shuffle documents (seeded);
3. pack into ``data.seq_len`` rows, EOS after each document, block-diagonal causal attention
   and per-document positions (``data.packing``), so no token attends to another document;
4. train with the shared loop (``trainer.causal_lm``): held-out loss before and after,
   atomic resumable checkpoints, metrics.jsonl, curves.png, ``model/`` HF checkpoint.

Departures from the paper: the mix-in share is measured in tokens after mixing (the paper says
"about 1%" without a unit); samples are repeated when the file is too small to fill the share.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from longwriter_zero.config import PromptConfig, opt
from longwriter_zero.data.corpus import load_documents
from longwriter_zero.data.packing import PackedCollator, PackedDataset, PackedSequences, pack_documents
from longwriter_zero.data.writing_samples import load_writing_samples, render_prompt
from longwriter_zero.errors import UserError
from longwriter_zero.trainer import run_dir as rundir
from longwriter_zero.trainer.causal_lm import (LMRun, LMRunConfig, apply_threads, run_causal_lm, save_config,
                                              split_heldout, tokenize_texts)


@dataclass
class PretrainDataConfig:
    paths: list = opt([], "training text: folders (searched for .txt/.md/.jsonl/.parquet) or files")
    text_key: str = opt("text", "field (JSONL) or column (Parquet) holding a document's text")
    heldout_paths: list = opt([], "held-out text in the same formats; empty splits documents off `paths`")
    heldout_fraction: float = opt(0.1, "share of documents held out when heldout_paths is empty")
    seq_len: int = opt(1024, "tokens per packed training row")
    think_samples: str = opt("", "JSONL of writing samples (prompt, response, optional think) to mix in")
    think_share: float = opt(0.01, "share of training tokens taken by think samples (paper: about 1%)")
    prompt_key: str = opt("prompt", "think_samples: field with the request")
    response_key: str = opt("response", "think_samples: field with the response")
    think_key: str = opt("think", "think_samples: field with the plan, for untagged responses")


@dataclass
class PretrainConfig(LMRunConfig):
    data: PretrainDataConfig = field(default_factory=PretrainDataConfig, metadata={"help": "long-form text"})
    prompt: PromptConfig = field(default_factory=PromptConfig,
                                 metadata={"help": "how think samples' prompts are rendered"})
    output_dir: str = opt("runs/pretrain", "run folder: metrics.jsonl, checkpoints, model/, curves.png")

    def check(self) -> None:
        super().check()
        d = self.data
        if d.seq_len < 8:
            raise UserError(f"config key 'data.seq_len': must be >= 8, got {d.seq_len}")
        if not 0.0 <= d.think_share < 1.0:
            raise UserError(f"config key 'data.think_share': must be in [0, 1), got {d.think_share}")
        if not 0.0 <= d.heldout_fraction < 1.0:
            raise UserError(f"config key 'data.heldout_fraction': must be in [0, 1), got {d.heldout_fraction}")
        if not d.heldout_paths and d.heldout_fraction == 0.0:
            raise UserError("config: set data.heldout_paths or data.heldout_fraction > 0 "
                            "(the held-out loss is measured before and after)")


# ----------------------------------------------------------------------------- pure pieces


def pick_mixin(lengths: Sequence[int], base_tokens: int, share: float, seed: int) -> list[int]:
    """Indices of samples to mix in so that they make up ``share`` of all tokens after mixing.

    Samples are taken in a seeded shuffled order, cycling when the list runs out, until their
    tokens reach ``share / (1 - share) * base_tokens``; with share > 0 at least one is taken.
    """
    if share <= 0 or not lengths:
        return []
    target = share / (1.0 - share) * base_tokens
    order = list(range(len(lengths)))
    random.Random(seed).shuffle(order)
    picked, tokens = [], 0
    while tokens < target or not picked:
        i = order[len(picked) % len(order)]
        picked.append(i)
        tokens += lengths[i]
    return picked


# ----------------------------------------------------------------------------- data


@dataclass
class PretrainData:
    train: PackedSequences
    heldout: PackedSequences
    stats: dict


def build_pretrain_data(cfg: PretrainConfig, tokenizer=None) -> PretrainData:
    """Read, tokenise and pack the data; every input file is read (and checked) before the
    tokenizer is loaded (None: ``cfg.model.name``'s)."""
    d = cfg.data
    docs = load_documents(d.paths, d.text_key, what="data.paths")
    if d.heldout_paths:
        train_docs, held_docs = docs, load_documents(d.heldout_paths, d.text_key, what="data.heldout_paths")
    else:
        train_docs, held_docs = split_heldout(docs, d.heldout_fraction, cfg.seed, what="data.paths")
    samples = []
    if d.think_samples and d.think_share > 0:
        samples = load_writing_samples(d.think_samples, cfg.prompt.template, d.prompt_key, d.response_key,
                                       d.think_key)
    if tokenizer is None:
        from longwriter_zero.models import load_tokenizer
        tokenizer = load_tokenizer(cfg.model.name)
    train_ids = tokenize_texts([x.text for x in train_docs], tokenizer, "tokenising training text")
    held_ids = tokenize_texts([x.text for x in held_docs], tokenizer, "tokenising held-out text")
    corpus_tokens = sum(len(x) + 1 for x in train_ids)

    mixin_ids: list[list[int]] = []
    if samples:
        template_text = None
        if cfg.prompt.template_file:
            from longwriter_zero.prompts import load_template_file
            template_text = load_template_file(cfg.prompt.template_file)
        texts = [render_prompt(s, tokenizer, cfg.prompt.template, cfg.prompt.language, template_text,
                               cfg.prompt.chat_template) + s.target for s in samples]
        sample_ids = tokenize_texts(texts, tokenizer, "tokenising think samples")
        picked = pick_mixin([len(x) + 1 for x in sample_ids], corpus_tokens, d.think_share, cfg.seed)
        mixin_ids = [sample_ids[i] for i in picked]

    all_train = train_ids + mixin_ids
    random.Random(cfg.seed).shuffle(all_train)
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    if eos is None:
        raise UserError(f"model '{cfg.model.name}': tokenizer has no EOS token to mark document boundaries")
    pad = eos if pad is None else pad
    train = pack_documents(all_train, d.seq_len, eos, pad)
    heldout = pack_documents(held_ids, d.seq_len, eos, pad)
    mixin_tokens = sum(len(x) + 1 for x in mixin_ids)
    stats = {"train_documents": len(train_docs), "heldout_documents": len(held_docs),
             "train_tokens": corpus_tokens + mixin_tokens, "think_samples_mixed": len(mixin_ids),
             "think_token_share": round(mixin_tokens / max(corpus_tokens + mixin_tokens, 1), 4),
             "train_rows": len(train), "heldout_rows": len(heldout), "seq_len": d.seq_len}
    return PretrainData(train, heldout, stats)


# ----------------------------------------------------------------------------- recipe


def pretrain(cfg: PretrainConfig) -> dict:
    """Run continual pretraining as configured; returns the run summary (see ``run_causal_lm``)."""
    from longwriter_zero.models import load_model

    cfg.check()
    plan = rundir.plan(cfg.output_dir, cfg.resume, cfg.overwrite)   # refuses a used folder before any work
    apply_threads(cfg.threads)
    data = build_pretrain_data(cfg)
    print(f"pretrain: {data.stats}", file=sys.stderr)
    run_dir = Path(cfg.output_dir)
    resume_from = plan.apply()
    save_config(cfg, run_dir)
    m = cfg.model
    model, tok = load_model(m.name, dtype=m.dtype, seed=m.seed, lora_r=m.lora_r, lora_alpha=m.lora_alpha,
                            lora_dropout=m.lora_dropout, gradient_checkpointing=m.gradient_checkpointing)
    dtype = next(model.parameters()).dtype
    run = LMRun(kind="pretrain", model=model, tokenizer=tok, train_dataset=PackedDataset(data.train),
                heldout_dataset=PackedDataset(data.heldout), collator=PackedCollator(mask_dtype=dtype),
                count_tokens="all", extra_summary={"data": data.stats})
    return run_causal_lm(cfg, run, resume_from)
