"""(prompt, response) writing samples: the SFT data and the think-style mix-in for pretraining.

Rows are JSONL objects with a prompt and a response (keys configurable) and an optional plan
under a think key. The response becomes the training target in the format the model is later
asked for (see ``prompts.build_prompt``):

- template ``think``: a response that already has tags must be exactly one ``<think>`` block
  then one ``<answer>`` block and is kept as written. An untagged response is wrapped as
  ``<think>PLAN</think>\\n<answer>RESPONSE</answer>`` with PLAN from the think field. An
  untagged response without a plan is an error: wrapping it with an empty think block would
  teach the model to skip planning, which the think prompt exists to prevent. Plain
  (prompt, response) data belongs with ``template=nothink``.
- template ``nothink``: an untagged response is wrapped as ``<answer>RESPONSE</answer>``; a
  tagged one must be a single answer block. A think field is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl
from longwriter_zero.prompts import build_prompt, parse_completion

_TAG = re.compile(r"</?(think|answer)>")


@dataclass
class WritingSample:
    prompt: str    # the user's request, before any template
    target: str    # the response in its trained format (tags applied)
    where: str     # "file:line", for error messages


def format_response(response: str, think: str | None, template: str, where: str) -> str:
    """The training target for one response; see the module docstring for the rules."""
    require_think = template == "think"
    if _TAG.search(response):
        if not parse_completion(response, require_think=require_think).well_formed:
            shape = "one <think> block then one <answer> block" if require_think else "a single <answer> block"
            raise UserError(f"{where}: response has tags but is not {shape} (template={template})")
        return response.strip()
    if not require_think:
        return f"<answer>{response.strip()}</answer>"
    if not think or not think.strip():
        raise UserError(f"{where}: response has no <think>/<answer> tags and no plan field; "
                        "template=think needs one (or use template=nothink)")
    return f"<think>{think.strip()}</think>\n<answer>{response.strip()}</answer>"


def _string(row: dict, key: str, where: str, required: bool = True) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            raise UserError(f"{where}: missing field '{key}'")
        return None
    if not isinstance(value, str):
        raise UserError(f"{where}: field '{key}' must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise UserError(f"{where}: field '{key}' is empty")
    return value


def load_writing_samples(path: str | Path, template: str = "think", prompt_key: str = "prompt",
                         response_key: str = "response", think_key: str = "think") -> list[WritingSample]:
    """Read and check every row; errors name the file, line and key."""
    samples = []
    for lineno, row in iter_jsonl(path):
        where = f"{path}:{lineno}"
        prompt = _string(row, prompt_key, where)
        response = _string(row, response_key, where)
        think = _string(row, think_key, where, required=False)
        samples.append(WritingSample(prompt, format_response(response, think, template, where), where))
    if not samples:
        raise UserError(f"{path}: no samples")
    return samples


def render_prompt(sample: WritingSample, tokenizer, template: str, language: str = "auto",
                  template_text: str | None = None, chat_template: bool = True) -> str:
    """The prompt string the model sees before the target (same as at generation time)."""
    return build_prompt(sample.prompt, tokenizer, template=template, language=language,
                        template_text=template_text, chat_template=chat_template)
