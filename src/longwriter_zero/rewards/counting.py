"""Length as LongBench-Write counts it: CJK characters plus English words.

LongBench-Write's ``count_words`` counts each Chinese character as one unit and each run of
Latin letters/digits (with inner apostrophes or hyphens) as one word; punctuation and
whitespace count nothing. Japanese kana and Korean hangul count per character too.
"""

from __future__ import annotations

import re

_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’\-][A-Za-z0-9\u00c0-\u024f]+)*")


def count_length(text: str) -> int:
    """Number of CJK characters plus number of English (Latin-script) words in ``text``."""
    if not text:
        return 0
    return len(_CJK_CHAR.findall(text)) + len(_WORD.findall(text))


def english_words(text: str) -> list[str]:
    return _WORD.findall(text)
