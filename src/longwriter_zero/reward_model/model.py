"""The writing reward model: a Bradley-Terry sequence classifier, its input rules and training.

Model: ``AutoModelForSequenceClassification`` with ``num_labels=1`` on any causal-LM backbone
(``tiny-random``, ``embedded``, or an HF folder); the classifier reads the hidden state of the
last non-padding token (the transformers rule for decoder models), so ``pad_token_id`` is set
from the tokenizer. The paper trains a 72B model on unreleased human preferences; here the
same loss is trained on whatever pairs are given (e.g. ``lwz rm build-pairs``).

Loss (Bradley-Terry, as in the paper): ``L = -mean log σ(r(x, y_w) - r(x, y_l))``
(``bradley_terry_loss``). Pairs marked ``tie`` (two honest texts, e.g. one answer at two
lengths) add ``-mean ½[log σ(r_a - r_b) + log σ(r_b - r_a)]`` (``tie_loss``), smallest when
the two scores are equal: the model is taught that neither text is better.

Pooling (``pooling``, saved in ``reward_model.json``): ``last`` reads the classifier at the last
token (the transformers rule for decoder models, and the rule for models saved without the
key); ``mean_last`` adds the mean of the classifier's per-token outputs over the response
tokens to the last-token output, so every position votes (repeats, salad and stuffing are seen
where they occur) while the last token still sees how the text ends.

Input text. Plain strings: ``prompt + "\\n\\n" + response`` (no EOS is appended, so the score is
read at the response's own last token). Message lists: the tokenizer's chat template, with the
prompt part being the template of the prompt messages plus the generation prompt.

Texts longer than the context (``max_length`` tokens) are scored by **sliding windows,
averaged**, never silently truncated:

- the prompt part keeps at most ``max_length // 4`` tokens (its first and last halves when
  longer; such texts are counted as ``prompt_cut``);
- the response is cut into consecutive, non-overlapping windows that each fit beside the
  prompt part, each ending at a sentence end (``. ! ? 。 ！ ？`` or a newline) in its second
  half when there is one, so a window rarely looks like a text cut off mid-thought;
- every window is scored with the prompt part in front of it, and the text's score is the
  mean of its window scores weighted by response tokens per window.

The same rule applies in training (the loss sees the weighted mean) and in scoring; scorers
report how many texts needed windows.

Document-level redundancy term (``doc_head``, needs ``mean_last``; saved as ``doc_head.pt``
beside the model). Windows are scored independently, so a copy, a reworded copy or a
translation of the text in another window (or far back in the same one) looks honest window
by window. With a ``DocHead`` the answer's score is the window mean plus a learned term on the
whole response: the response is cut into sentence segments (``sentence_segments``; segments
run across windows), each segment's embedding is the mean of the backbone's last hidden states
over its tokens, the embeddings are centred on the answer's own mean, and each segment's
largest cosine similarity to any earlier segment (``earlier_max_similarity``) feeds two
features, their mean and the mean of ``σ(k (m - τ))`` (``redundancy_features``), weighted by
learned weights (τ is learned too). Everything is trained end-to-end with the Bradley-Terry
and tie losses (gradients reach the trained decoder layer through the segment embeddings).
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from longwriter_zero.errors import UserError
from longwriter_zero.reward_model.pairs import PreferencePair, Text, split_by_group

META_FILE = "reward_model.json"
DOC_HEAD_FILE = "doc_head.pt"
POOLINGS = ("last", "mean_last")
MIN_SEGMENT_TOKENS = 6     # sentence segments shorter than this merge into the next one
_SENTENCE_END_CHARS = re.compile(r"[.!?。！？…\n]")


def bradley_terry_loss(chosen: torch.Tensor, rejected: torch.Tensor) -> torch.Tensor:
    """``-mean(log σ(chosen - rejected))`` over pairs; ``chosen``/``rejected``: [N] scores."""
    return -F.logsigmoid(chosen - rejected).mean()


def tie_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``-mean ½(log σ(a - b) + log σ(b - a))`` over tie pairs: log 2 at equal scores, growing
    with the gap in either direction."""
    d = a - b
    return -0.5 * (F.logsigmoid(d) + F.logsigmoid(-d)).mean()


def pair_accuracy(chosen: Sequence[float], rejected: Sequence[float]) -> float:
    """Share of pairs where the chosen text scores higher (ties count one half)."""
    if not chosen:
        return float("nan")
    wins = sum(1.0 if c > r else 0.5 if c == r else 0.0 for c, r in zip(chosen, rejected))
    return wins / len(chosen)


# ----------------------------------------------------------------------------- document-level term


def sentence_segments(breaks: Sequence[int], n_tokens: int, min_tokens: int = MIN_SEGMENT_TOKENS) -> list[int]:
    """Segment index of each of ``n_tokens`` tokens: a new segment starts after each break
    (``breaks``: token positions after which a sentence ends, ascending) once the current
    segment holds at least ``min_tokens`` tokens; shorter ones run on into the next sentence."""
    cuts = set(breaks)
    out, seg, size = [], 0, 0
    for i in range(n_tokens):
        out.append(seg)
        size += 1
        if i + 1 in cuts and size >= min_tokens and i + 1 < n_tokens:
            seg, size = seg + 1, 0
    return out


def segment_means(hidden: torch.Tensor, segments: torch.Tensor) -> torch.Tensor:
    """[S, d] mean of ``hidden`` [T, d] rows per segment index (``segments`` [T], 0..S-1)."""
    n = int(segments.max()) + 1 if len(segments) else 0
    sums = hidden.new_zeros(n, hidden.shape[1]).index_add(0, segments, hidden)
    counts = torch.bincount(segments, minlength=n).clamp(min=1).to(hidden.dtype)
    return sums / counts[:, None]


def earlier_max_similarity(emb: torch.Tensor) -> torch.Tensor:
    """[S-1]: for segments 1..S-1, the largest cosine similarity to any earlier segment, after
    centring the embeddings [S, d] on their mean (what the segments share, e.g. the topic, is
    removed, so only repeats stay similar). Empty for fewer than two segments."""
    if emb.shape[0] < 2:
        return emb.new_zeros(0)
    z = F.normalize(emb - emb.mean(0, keepdim=True), dim=1, eps=1e-6)
    sim = z @ z.T
    earlier = torch.ones_like(sim, dtype=torch.bool).tril(-1)
    return sim.masked_fill(~earlier, -2.0).max(1).values[1:]


def redundancy_features(m: torch.Tensor, tau: torch.Tensor | float, sharpness: float) -> torch.Tensor:
    """[2]: mean of ``m`` and mean of ``σ(sharpness · (m - tau))`` (share of segments that
    nearly repeat an earlier one); zeros when ``m`` is empty."""
    if m.numel() == 0:
        return m.new_zeros(2)
    return torch.stack([m.mean(), torch.sigmoid(sharpness * (m - tau)).mean()])


class DocHead(torch.nn.Module):
    """The learned document-level term: ``weight · redundancy_features(m, tau, sharpness)``."""

    def __init__(self, tau: float = 0.7, sharpness: float = 10.0, weight_init: float = -1.0):
        super().__init__()
        self.sharpness = float(sharpness)
        # starts against redundancy (-1 per feature); training moves it either way (its sign too)
        self.weight = torch.nn.Parameter(torch.full((2,), float(weight_init)))
        self.tau = torch.nn.Parameter(torch.tensor(float(tau)))

    def features(self, segment_embeddings: torch.Tensor) -> torch.Tensor:
        return redundancy_features(earlier_max_similarity(segment_embeddings), self.tau, self.sharpness)

    def forward(self, segment_embeddings: torch.Tensor) -> torch.Tensor:
        return (self.weight * self.features(segment_embeddings)).sum()


# ----------------------------------------------------------------------------- model


def build_classifier(backbone: str, seed: int = 0):
    """(classifier, tokenizer) with a fresh one-output score head on ``backbone``'s weights
    (for ``tiny-random``: a seeded random model); an existing reward model folder loads as is."""
    from transformers import AutoModelForSequenceClassification

    from longwriter_zero.models import TINY, load_tokenizer, model_folder, tiny_config

    tok = load_tokenizer(backbone)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        if backbone == TINY:
            cfg = tiny_config(len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                              pad_token_id=tok.pad_token_id, num_labels=1)
            model = AutoModelForSequenceClassification.from_config(cfg, dtype=torch.float32)
        else:
            folder = model_folder(backbone)
            try:
                model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=1, dtype=torch.float32)
            except (OSError, ValueError) as e:
                raise UserError(f"model '{backbone}': cannot be loaded as a classifier "
                                f"({str(e).splitlines()[0]})") from None
    model.config.pad_token_id = tok.pad_token_id
    return model, tok


@dataclass
class EncodedText:
    windows: list[list[int]]     # token ids of each window (prompt part + response slice)
    weights: list[int]           # response tokens in each window
    prompt_cut: bool             # the prompt part was longer than max_length // 4
    segments: list[list[int]] = field(default_factory=list)   # sentence segment of each response token, per window


@dataclass
class ScoreResult:
    scores: list[float]                              # [N]
    windows: list[int]                               # [N] windows per text (1 = fit in context)
    prompt_cut: list[bool] = field(default_factory=list)

    @property
    def windowed(self) -> int:
        return sum(1 for w in self.windows if w > 1)


class RewardModel:
    """A sequence classifier with its tokenizer and the input rules of the module docstring."""

    def __init__(self, model, tokenizer, max_length: int | None = None, device: str = "cpu",
                 pooling: str = "last", doc_head: DocHead | None = None):
        if pooling not in POOLINGS:
            raise UserError(f"pooling '{pooling}': expected one of {', '.join(POOLINGS)}")
        if doc_head is not None and pooling != "mean_last":
            raise UserError("a document-level head (doc_head) needs pooling 'mean_last'")
        self.doc_head = doc_head.to(device) if doc_head is not None else None
        if pooling != "last" and not hasattr(model, "score"):
            raise UserError(f"pooling '{pooling}' needs a classifier with a 'score' head "
                            f"({type(model).__name__} has none); use pooling 'last'")
        self.pooling = pooling
        self.model = model.to(device)
        self.tokenizer = tokenizer
        self.device = device
        context = getattr(model.config, "max_position_embeddings", None) or 2048
        self.max_length = int(max_length or context)
        if self.max_length < 16:
            raise UserError(f"max_length {self.max_length} is too small (need >= 16 tokens)")
        if self.max_length > context:
            raise UserError(f"max_length {self.max_length} exceeds the model's context of {context} tokens")
        self.model.config.pad_token_id = tokenizer.pad_token_id

    @classmethod
    def load(cls, folder: str, device: str = "cpu", max_length: int | None = None) -> "RewardModel":
        """Load a reward model saved by ``train_reward_model`` (or any HF sequence classifier)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(folder)
        if not (path / "config.json").exists():
            raise UserError(f"{path}: not a reward model folder (no config.json)")
        meta = json.loads((path / META_FILE).read_text()) if (path / META_FILE).exists() else {}
        try:
            model = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32)
            tok = AutoTokenizer.from_pretrained(path)
        except (OSError, ValueError) as e:
            raise UserError(f"{path}: cannot load the reward model ({str(e).splitlines()[0]})") from None
        if model.config.num_labels != 1:
            raise UserError(f"{path}: a reward model has one output, this one has {model.config.num_labels}")
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        model.eval()
        torch.set_flush_denormal(True)   # pretrained backbones reach subnormal floats (slow on x86)
        doc_head = None
        if meta.get("doc_head"):
            if not (path / DOC_HEAD_FILE).exists():
                raise UserError(f"{path / META_FILE}: names a doc_head but {DOC_HEAD_FILE} is missing")
            doc_head = DocHead(sharpness=float(meta["doc_head"].get("sharpness", 10.0)))
            doc_head.load_state_dict(torch.load(path / DOC_HEAD_FILE, map_location="cpu", weights_only=True))
            doc_head.eval()
        return cls(model, tok, max_length or meta.get("max_length"), device, meta.get("pooling", "last"), doc_head)

    # -- input rules

    def _split_text(self, prompt: Text, response: Text) -> tuple[str, str]:
        """(prompt part, response part) as strings."""
        if isinstance(response, str):
            prompt_text = prompt if isinstance(prompt, str) else "\n".join(m["content"] for m in prompt)
            prefix = prompt_text.strip() + "\n\n" if prompt_text.strip() else ""
            return prefix, response.strip()
        messages = (prompt if isinstance(prompt, list) else
                    ([{"role": "user", "content": prompt}] if prompt else [])) + list(response)
        tok = self.tokenizer
        if not getattr(tok, "chat_template", None):
            full = "\n\n".join(m["content"] for m in messages)
            head = "\n\n".join(m["content"] for m in messages[: len(messages) - len(response)])
        else:
            full = tok.apply_chat_template(messages, tokenize=False)
            head_messages = messages[: len(messages) - len(response)]
            head = tok.apply_chat_template(head_messages, tokenize=False, add_generation_prompt=True) if head_messages else ""
        if head and full.startswith(head):
            return head, full[len(head):]
        return "", full

    def encode(self, prompt: Text, response: Text) -> EncodedText:
        prefix, body = self._split_text(prompt, response)
        tok = self.tokenizer
        prefix_ids = tok(prefix, add_special_tokens=False).input_ids if prefix else []
        enc = tok(body, add_special_tokens=False, return_offsets_mapping=True)
        body_ids, offsets = enc.input_ids, enc["offset_mapping"]
        if not prefix_ids and not body_ids:          # nothing at all: score the end-of-text token
            body_ids, offsets = [tok.eos_token_id], [(0, 0)]
        ends = {m.end() for m in _SENTENCE_END_CHARS.finditer(body)}
        breaks = [i + 1 for i, (_, end) in enumerate(offsets) if end in ends]   # cut after token i
        segments = sentence_segments(breaks, len(body_ids))
        if len(prefix_ids) + len(body_ids) <= self.max_length:
            n = max(1, len(body_ids))
            return EncodedText([prefix_ids + body_ids], [n], False, [segments or [0]])
        cap = self.max_length // 4
        prompt_cut = len(prefix_ids) > cap
        if prompt_cut:
            prefix_ids = prefix_ids[: cap // 2] + prefix_ids[len(prefix_ids) - (cap - cap // 2):]
        room = self.max_length - len(prefix_ids)
        windows, weights = [], []
        start, b = 0, 0
        while start < len(body_ids):
            stop = min(start + room, len(body_ids))
            if stop < len(body_ids):
                while b < len(breaks) and breaks[b] <= stop:
                    b += 1
                best = breaks[b - 1] if b else 0
                if best > start + room // 2:
                    stop = best
            windows.append(prefix_ids + body_ids[start:stop])
            weights.append(stop - start)
            start = stop
        cuts = [sum(weights[:i]) for i in range(len(weights) + 1)]
        return EncodedText(windows, weights, prompt_cut,
                           [segments[cuts[i]: cuts[i + 1]] for i in range(len(weights))])

    # -- scoring

    def window_scores(self, windows: Sequence[list[int]], batch_size: int = 8,
                      tails: Sequence[int] | None = None, hidden_out: list | None = None) -> torch.Tensor:
        """Scores [W] of token-id windows, batched by similar length, right-padded. ``tails``:
        response tokens at the end of each window (for ``mean_last`` pooling; default all).
        ``hidden_out`` (a list of W slots, ``mean_last`` only): filled with each window's last
        hidden states [tail, d] at its response tokens."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        out = torch.empty(len(windows), device=self.device)
        pad = self.tokenizer.pad_token_id
        for k in range(0, len(order), batch_size):
            idx = order[k: k + batch_size]
            width = max(len(windows[i]) for i in idx)
            ids = torch.full((len(idx), width), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                ids[row, : len(windows[i])] = torch.tensor(windows[i], dtype=torch.long)
                mask[row, : len(windows[i])] = 1
            if self.pooling == "last":
                logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device)).logits
                out[torch.tensor(idx, device=self.device)] = logits[:, 0].float()
                continue
            lengths = torch.tensor([len(windows[i]) for i in idx])
            tail = torch.tensor([min(tails[i], len(windows[i])) if tails else len(windows[i]) for i in idx])
            hidden = self.model.base_model(input_ids=ids.to(self.device),
                                           attention_mask=mask.to(self.device)).last_hidden_state
            per_token = self.model.score(hidden)[..., 0].float()                      # [B, T]
            pos = torch.arange(width)[None, :]
            in_tail = ((pos >= (lengths - tail)[:, None]) & (pos < lengths[:, None])).to(self.device)
            mean = (per_token * in_tail).sum(1) / in_tail.sum(1).clamp(min=1)
            last = per_token[torch.arange(len(idx), device=self.device), (lengths - 1).to(self.device)]
            out[torch.tensor(idx, device=self.device)] = last + mean
            if hidden_out is not None:
                for row, i in enumerate(idx):
                    hidden_out[i] = hidden[row, int(lengths[row] - tail[row]): int(lengths[row])]
        return out

    def score_encoded(self, encoded: Sequence[EncodedText], batch_size: int = 8) -> torch.Tensor:
        """Token-weighted mean window score of each text, [N] (differentiable)."""
        flat = [w for e in encoded for w in e.windows]
        hidden = [None] * len(flat) if self.doc_head is not None else None
        window = self.window_scores(flat, batch_size, [w for e in encoded for w in e.weights], hidden)
        weights = torch.tensor([w for e in encoded for w in e.weights], dtype=torch.float32, device=self.device)
        owner = torch.tensor([i for i, e in enumerate(encoded) for _ in e.windows], device=self.device)
        total = torch.zeros(len(encoded), device=self.device).index_add(0, owner, weights * window)
        norm = torch.zeros(len(encoded), device=self.device).index_add(0, owner, weights)
        scores = total / norm
        if self.doc_head is None:
            return scores
        terms, k = [], 0
        for e in encoded:
            h = torch.cat(hidden[k: k + len(e.windows)]).float()
            seg = torch.tensor([s for window_segments in e.segments for s in window_segments], device=self.device)
            terms.append(self.doc_head(segment_means(h, seg[: len(h)])))
            k += len(e.windows)
        return scores + torch.stack(terms)

    @torch.no_grad()
    def score(self, prompts: Sequence[Text], responses: Sequence[Text], batch_size: int = 8) -> ScoreResult:
        was_training = self.model.training
        self.model.eval()
        encoded = [self.encode(p, r) for p, r in zip(prompts, responses)]
        scores = self.score_encoded(encoded, batch_size).tolist() if encoded else []
        self.model.train(was_training)
        return ScoreResult(scores, [len(e.windows) for e in encoded], [e.prompt_cut for e in encoded])

    def save(self, folder: str | os.PathLike, meta: dict) -> Path:
        """Save model, tokenizer and ``reward_model.json`` (written to a temp folder, then renamed)."""
        from longwriter_zero.models import save_model

        target = Path(folder)
        tmp = target.with_name(target.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        save_model(self.model, self.tokenizer, tmp)
        head = {}
        if self.doc_head is not None:
            torch.save(self.doc_head.state_dict(), tmp / DOC_HEAD_FILE)
            head = {"doc_head": {"sharpness": self.doc_head.sharpness, "tau": float(self.doc_head.tau.detach()),
                                 "weight": self.doc_head.weight.detach().tolist()}}
        (tmp / META_FILE).write_text(json.dumps({"max_length": self.max_length, "pooling": self.pooling,
                                                 **head, **meta}, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        return target


# ----------------------------------------------------------------------------- training


@dataclass
class TrainReport:
    output_dir: str
    train_pairs: int
    eval_pairs: int
    eval_groups: int
    train_accuracy: float          # on the training pairs, after training
    eval_accuracy: float           # on held-out pairs (whole held-out answers); nan without any
    final_loss: float
    seconds: float
    windowed_texts: int            # texts that needed more than one window
    eval_by_damage: dict = field(default_factory=dict)


def _accuracy(rm: RewardModel, pairs: Sequence[PreferencePair], batch_size: int) -> tuple[float, list[bool]]:
    if not pairs:
        return float("nan"), []
    chosen = rm.score([p.prompt for p in pairs], [p.chosen for p in pairs], batch_size).scores
    rejected = rm.score([p.prompt for p in pairs], [p.rejected for p in pairs], batch_size).scores
    return pair_accuracy(chosen, rejected), [c > r for c, r in zip(chosen, rejected)]


def train_reward_model(pairs: Sequence[PreferencePair], backbone: str, output_dir: str, epochs: int = 1,
                       lr: float = 5e-5, batch_size: int = 8, eval_fraction: float = 0.1,
                       max_length: int | None = None, seed: int = 0, device: str = "cpu",
                       weight_decay: float = 0.0, warmup_fraction: float = 0.1, progress: bool = True,
                       freeze_embeddings: bool = False, pooling: str = "last", tie_weight: float = 1.0,
                       train_accuracy: bool = True, train_layers: int = 0, doc_head: bool = False,
                       doc_lr: float = 3e-2, doc_init: float = -1.0) -> TrainReport:
    """Train a Bradley-Terry reward model on ``pairs`` and save it to ``output_dir``.

    Held-out pairs are whole answers (``split_by_group``), so the reported accuracy is on
    answers the model never saw; pairs that carry a ``damage`` label get a per-kind breakdown. AdamW, linear warm-up then constant rate, gradient norm clipped at 1.
    ``freeze_embeddings`` keeps the input embeddings fixed: on a few hundred pairs the embedding
    table (most of a small model's weights) otherwise memorises the training answers.
    Pairs marked ``tie`` add ``tie_weight`` × ``tie_loss`` to each step's loss (they are left
    out of the accuracies). ``pooling``: see the module docstring. ``train_accuracy=False``
    skips scoring the training pairs again after training (reported as nan). ``train_layers``
    > 0 trains only the top that many decoder layers (with the final norm and the score head);
    the layers below stay as loaded, and no gradient is computed through them. ``doc_head``
    adds the document-level redundancy term (module docstring; needs ``mean_last``), its few
    parameters trained at ``doc_lr``, its two weights starting at ``doc_init``.
    """
    from tqdm import tqdm

    if epochs < 1 or batch_size < 1 or lr <= 0 or not 0 <= eval_fraction < 1:
        raise UserError("rm train: need epochs >= 1, batch size >= 1, lr > 0 and 0 <= eval fraction < 1")
    if train_layers < 0:
        raise UserError("rm train: train layers must be >= 0 (0: all)")
    t0 = time.time()
    train, held = split_by_group(pairs, eval_fraction, seed)
    model, tok = build_classifier(backbone, seed)
    torch.set_flush_denormal(True)   # pretrained backbones reach subnormal floats (slow on x86)
    rm = RewardModel(model, tok, max_length, device, pooling, DocHead(weight_init=doc_init) if doc_head else None)
    enc_chosen = [rm.encode(p.prompt, p.chosen) for p in train]
    enc_rejected = [rm.encode(p.prompt, p.rejected) for p in train]
    windowed = sum(len(e.windows) > 1 for e in enc_chosen + enc_rejected)

    if freeze_embeddings or train_layers > 0:
        rm.model.get_input_embeddings().weight.requires_grad_(False)
    if train_layers > 0:
        layers = getattr(rm.model.base_model, "layers", None)
        if layers is None or train_layers > len(layers):
            raise UserError(f"train_layers {train_layers}: the backbone has "
                            f"{len(layers) if layers is not None else 'no list of'} decoder layers")
        for layer in list(layers)[: len(layers) - train_layers]:
            layer.requires_grad_(False)
    params = [p for p in rm.model.parameters() if p.requires_grad]
    groups = [{"params": params, "lr": lr}]
    if rm.doc_head is not None:
        groups.append({"params": list(rm.doc_head.parameters()), "lr": doc_lr, "weight_decay": 0.0})
        params = params + groups[1]["params"]
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay)
    steps = epochs * math.ceil(len(train) / batch_size)
    warmup = max(1, int(warmup_fraction * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup))
    rng = random.Random(seed)
    rm.model.train()
    if doc_lr <= 0:
        raise UserError("rm train: doc lr must be > 0")
    loss_value = float("nan")
    bar = tqdm(total=steps, desc="rm train", unit="step", disable=not progress)
    for _ in range(epochs):
        order = list(range(len(train)))
        rng.shuffle(order)
        for k in range(0, len(order), batch_size):
            idx = order[k: k + batch_size]
            scores = rm.score_encoded([enc_chosen[i] for i in idx] + [enc_rejected[i] for i in idx], batch_size * 2)
            tie = torch.tensor([train[i].tie for i in idx], device=scores.device)
            chosen, rejected = scores[: len(idx)], scores[len(idx):]
            loss = scores.new_zeros(())
            if (~tie).any():
                loss = loss + bradley_terry_loss(chosen[~tie], rejected[~tie])
            if tie.any():
                loss = loss + tie_weight * tie_loss(chosen[tie], rejected[tie])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            loss_value = float(loss.detach())
            bar.set_postfix(loss=f"{loss_value:.3f}")
            bar.update(1)
    bar.close()
    rm.model.eval()
    held_all = held
    train = [p for p in train if not p.tie]
    held = [p for p in held if not p.tie]
    train_acc, _ = _accuracy(rm, train, batch_size) if train_accuracy else (float("nan"), [])
    eval_acc, wins = _accuracy(rm, held, batch_size)
    by_damage: dict[str, list[bool]] = {}
    for p, w in zip(held, wins):
        if p.damage:
            by_damage.setdefault(p.damage, []).append(w)
    report = TrainReport(str(output_dir), len(train), len(held), len({p.group for p in held_all}), train_acc, eval_acc,
                         loss_value, 0.0, windowed,
                         {d: sum(v) / len(v) for d, v in sorted(by_damage.items())})
    report.seconds = time.time() - t0
    rm.save(output_dir, {"backbone": backbone, "train_pairs": len(train), "eval_pairs": len(held),
                         "train_accuracy": None if math.isnan(train_acc) else train_acc, "eval_accuracy": None if math.isnan(eval_acc) else eval_acc,
                         "epochs": epochs, "lr": lr, "seed": seed, "freeze_embeddings": freeze_embeddings,
                         "train_layers": train_layers, "doc_lr": doc_lr if doc_head else None})
    return report
