"""Length as LongBench-Write counts it: Chinese characters plus English words.

LongBench-Write (THUDM/LongWriter, ``evaluation/pred.py``, ``count_words``) measures a response
as ``len(re.findall(r'[\\u4e00-\\u9fff]', text)) + len(re.findall(r'\\b[a-zA-Z]+\\b', text))``.
``count_length`` is exactly that rule, so the length reward, the data ranges and the
LongBench-Write length score all use the benchmark's unit. Consequences of the rule, kept on
purpose for comparability:

- each CJK Unified Ideograph (U+4E00-U+9FFF) is one unit; Chinese punctuation counts nothing;
- an English word is a run of ASCII letters between word boundaries: ``don't`` and
  ``well-known`` count 2, numbers (``2024``) count 0, and a word glued to a digit or an accented
  letter (``3D``, ``café``) counts 0;
- Japanese kana, Korean hangul and other scripts count nothing.
"""

from __future__ import annotations

import re

_CHINESE_CHAR = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_WORD = re.compile(r"\b[a-zA-Z]+\b")


def count_length(text: str) -> int:
    """Number of Chinese characters plus number of English words in ``text`` (LongBench-Write)."""
    if not text:
        return 0
    return len(_CHINESE_CHAR.findall(text)) + len(_ENGLISH_WORD.findall(text))


def english_words(text: str) -> list[str]:
    return _ENGLISH_WORD.findall(text)
