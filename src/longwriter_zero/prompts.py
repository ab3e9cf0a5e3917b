"""The think-then-answer prompt and the parser for its output.

Structure follows the paper: the model plans inside ``<think>…</think>`` and writes the final
work inside ``<answer>…</answer>``. The wording is this project's own. Chinese requests
(any CJK character) get the Chinese variant. The no-think variant asks for the answer block
alone. A user template is a text file with a ``{request}`` placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from longwriter_zero.errors import UserError

THINK_EN = (
    "You are a careful long-form writer. Before writing, plan the piece: work out its audience, "
    "its structure, the sections and the length each needs, and put this plan inside "
    "<think> and </think>. Then write the complete piece inside <answer> and </answer>. "
    "Write nothing outside these two blocks.\n\nRequest: {request}"
)
THINK_ZH = (
    "你是一位严谨的长文作者。动笔之前，先规划文章：读者是谁、整体结构、各部分内容及篇幅，"
    "把规划写在 <think> 与 </think> 之间。然后把完整的作品写在 <answer> 与 </answer> 之间。"
    "两段之外不要写任何内容。\n\n请求：{request}"
)
NOTHINK_EN = (
    "You are a careful long-form writer. Write the complete piece inside <answer> and </answer>, "
    "and nothing outside that block.\n\nRequest: {request}"
)
NOTHINK_ZH = "你是一位严谨的长文作者。把完整的作品写在 <answer> 与 </answer> 之间，块外不要写任何内容。\n\n请求：{request}"

TEMPLATES = {("think", "en"): THINK_EN, ("think", "zh"): THINK_ZH,
             ("nothink", "en"): NOTHINK_EN, ("nothink", "zh"): NOTHINK_ZH}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(text: str) -> str:
    """'zh' when the text contains any CJK ideograph, else 'en' (the paper's rule)."""
    return "zh" if _CJK.search(text) else "en"


def load_template_file(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: template file not found")
    text = p.read_text(encoding="utf-8")
    if "{request}" not in text:
        raise UserError(f"{p}: template has no {{request}} placeholder")
    return text


def render_request(request: str, template: str = "think", language: str = "auto",
                   template_text: str | None = None) -> str:
    """The instruction text for one request (before any chat template)."""
    if not request or not request.strip():
        raise UserError("empty request")
    if template_text is None:
        lang = detect_language(request) if language == "auto" else language
        template_text = TEMPLATES[(template, lang)]
    return template_text.replace("{request}", request.strip())


def build_prompt(request: str, tokenizer=None, template: str = "think", language: str = "auto",
                 template_text: str | None = None, chat_template: bool = True) -> str:
    """Full prompt string fed to the model."""
    text = render_request(request, template, language, template_text)
    if chat_template and tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                             add_generation_prompt=True)
    return text + "\n\n"


# ----------------------------------------------------------------------------- parsing

_TAG = re.compile(r"</?(think|answer)>")


@dataclass
class Parsed:
    think: str          # text of the think block ('' if none)
    answer: str         # the final work as extracted (see parse_completion)
    well_formed: bool   # exactly <think>..</think> then <answer>..</answer>, whitespace only around
    has_answer_block: bool


def parse_completion(text: str, require_think: bool = True) -> Parsed:
    """Split a completion into think and answer.

    Well formed: optional whitespace, one think block, whitespace, one non-empty answer block,
    optional whitespace; no other tags. With ``require_think=False`` (no-think prompt) the
    think block must be absent.

    Answer extraction (used by the length reward even when the structure is broken):
    the first answer block's text (an unclosed block runs to the end); if there is no answer
    tag, the text after the last ``</think>``; if a think block was opened and never closed,
    the answer is empty (the model never got to answer); with no tags at all, the whole text.
    """
    tags = [(m.group(0), m.start(), m.end()) for m in _TAG.finditer(text)]
    names = [t[0] for t in tags]
    think = ""
    if "<think>" in names:
        start = tags[names.index("<think>")][2]
        end = text.find("</think>", start)
        think = text[start:end if end >= 0 else len(text)].strip()

    has_answer = "<answer>" in names
    if has_answer:
        start = tags[names.index("<answer>")][2]
        end = text.find("</answer>", start)
        answer = text[start:end if end >= 0 else len(text)]
        answer = _TAG.sub("", answer).strip()
    elif "</think>" in names:
        answer = _TAG.sub("", text[text.rfind("</think>") + len("</think>"):]).strip()
    elif "<think>" in names:
        answer = ""
    else:
        answer = text.strip()

    expected = ["<think>", "</think>", "<answer>", "</answer>"] if require_think else ["<answer>", "</answer>"]
    well = names == expected
    if well:
        # text between consecutive tags (from the tag spans, so no character of the text can be
        # mistaken for a separator): [before, think, between, answer, after] or [before, answer, after]
        cuts = [0] + [pos for _, start, end in tags for pos in (start, end)] + [len(text)]
        pieces = [text[a:b] for a, b in zip(cuts[::2], cuts[1::2])]
        outer = [pieces[0], pieces[-1]] + ([pieces[2]] if require_think else [])
        inner_answer = pieces[-2]
        well = all(not p.strip() for p in outer) and bool(inner_answer.strip())
    return Parsed(think=think, answer=answer, well_formed=well, has_answer_block=has_answer)
