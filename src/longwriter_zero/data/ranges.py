"""Length ranges ``[lower, upper]`` for writing requests (the paper's rules, Sec. "data").

Units are those of ``text.counting.count_length``: English words plus CJK characters
(a Chinese "字" is one unit).

1. **Explicit targets** are read from the request (English and Chinese): "a 2,000-word essay",
   "at least 1500 words", "no more than 800 words", "3000字左右", "不少于5000字", "2000-2500 words",
   "two thousand words", "三千字", "1.5万字", "5k words"; labelled lengths with or without a unit
   ("a word count of 2000-2500 words", "with a word count requirement of 3000", "Word count: 1200",
   "字数1400左右", "字数要求：2000左右"). Convertible units: pages (500 English words or 800 Chinese
   characters each), paragraphs (100-150 words each), sentences (15-25 words each), tokens (0.75 words
   each), and minutes or seconds of a speech, talk, video, script, ad or broadcast at speaking rate
   (``SPOKEN_PER_MINUTE``: 150 English words or 250 Chinese characters a minute; "90秒" -> 375 characters,
   "about 5 minutes long" -> 750 words). *Totals made of parts*: a length stated for each part
   ("five entries, each of about 400 words", "20 reviews of 30-80 words each", "four 400-word scenes",
   "每篇1000字", "两部分各写1000字") is multiplied by the number of parts; a stated total ("over 6000 words
   in all", 总字数) wins over the parts. *Pasted material is ignored*: numbers inside quotations (12+
   characters, and 《titles》) and, in a request of several lines, in lines that ask for nothing while
   another line does ("Here is my draft (300 words):\n..."), never set the length; vague amounts (几万字,
   数千字, "a few thousand words") and page numbers (第2页) are no lengths. Word and character counts win
   over the converted units when a request has both; otherwise the first stated length is used.
   ``LengthRequirement.describe()`` says which phrase and which conversion gave the range (the
   ``range_detail`` column of ``lwz data ranges``).
2. **Rules** (the paper's): target N -> about +-10%; "no more than N" -> [0.9N, N]; "at least N"
   -> [N, 1.1N]; "between A and B" -> [A, B]. Bounds are multiples of 100 within [0, 12000],
   with ``upper - lower <= 3000``. A request for more than 12,000 (e.g. "a 100,000-word novel")
   is unfulfillable: [0, 0].
   *Rounding rule (this project's choice, so that small targets stay inside their range):*
   the lower bound is rounded to the nearest 100 with ties going down, the upper bound with
   ties going up; then the range is widened to the multiples of 100 around the stated number
   if it does not contain it, and to 100 wide if it is empty. So N=2000 -> [1800, 2200],
   N=100 -> [100, 200], N=50 -> [0, 100], N=170 -> [100, 200], N=500 -> [400, 600].
3. **No explicit target**: an LLM judge (``judge_ranges``: JSON ``{"range": [lo, hi]}``, repaired
   by ``repair_range`` and re-asked on unreadable replies), or offline priors per kind of writing
   (``prior_range``). The priors are this project's choice: typical lengths of each genre, anchored
   on the paper's two calibration examples (a high-school essay [800, 1000]; a full academic paper
   [6000, 10000], narrowed here to [6000, 9000] to respect the 3,000 width limit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, Sequence

MAX_LENGTH = 12000
MAX_WIDTH = 3000
STEP = 100
PER_PAGE = {"en": 500, "zh": 800}          # single-spaced page: ~500 English words, ~800 Chinese characters
PARAGRAPH_WORDS = (100, 150)
SENTENCE_WORDS = (15, 25)
WORDS_PER_TOKEN = 0.75
SPOKEN_PER_MINUTE = {"en": 150, "zh": 250}  # speaking rate: English words / Chinese characters a minute

Kind = Literal["about", "at_least", "at_most", "between"]


@dataclass
class LengthRequirement:
    kind: Kind
    low: float      # stated length in units (words / CJK characters), after unit conversion
    high: float     # equal to ``low`` unless the request (or its unit) gives a span
    unit: str       # "words", "chars", "pages", "paragraphs", "sentences", "tokens", "minutes"
    phrase: str     # the matched text
    how: str = "stated"   # "stated", or "N parts x PHRASE" when the total is made of parts

    def describe(self) -> str:
        """Why the range is what it is, for ``range_detail``: 'about 750 words from "about 5 minutes long"
        (150 a minute)'."""
        base = "chars" if self.unit == "chars" or "字" in self.phrase else "words"
        how = "" if self.how == "stated" else f" ({self.how})"
        amount = f"{self.low:g}-{self.high:g}" if self.kind == "between" else f"{self.stated:g}"
        return f'{self.kind.replace("_", " ")} {amount} {base} from "{self.phrase}"{how}'

    @property
    def stated(self) -> float:
        """The number the request names: what the range must contain."""
        return {"at_least": self.low, "at_most": self.high}.get(self.kind, (self.low + self.high) / 2)


@dataclass
class RangePrediction:
    range: tuple[int, int]
    source: str                       # "explicit" | "judge" | "prior"
    requirement: LengthRequirement | None = None
    detail: str = ""                  # prior kind, or why the judge's answer was not used


# ----------------------------------------------------------------------------- numbers

_EN_UNITS = {"zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
             "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
             "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
             "ninety": 90}
_EN_SCALES = {"hundred": 100, "thousand": 1000}
_EN_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|" \
           r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|" \
           r"thousand|and|a|an)"
_EN_NUMBER = rf"(?:(?:a|an|{_EN_WORD[3:-1]})(?:[\s-]+{_EN_WORD})*)"


def parse_english_number(text: str) -> int | None:
    """'two thousand five hundred' -> 2500, 'fifteen hundred' -> 1500, 'a thousand' -> 1000."""
    total, current, seen = 0, 0, False
    for token in re.split(r"[\s-]+", text.lower().strip()):
        if token == "and" or not token:
            continue
        if token in _EN_UNITS:
            current += _EN_UNITS[token]
            seen = True
        elif token == "hundred":
            current = max(current, 1) * 100
            seen = True
        elif token == "thousand":
            total += max(current, 1) * 1000
            current, seen = 0, True
        else:
            return None
    return total + current if seen else None


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SCALES = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "零〇一二两三四五六七八九十百千万"


def parse_chinese_number(text: str) -> int | None:
    """'三千' -> 3000, '一万五千' -> 15000, '一千五' -> 1500 (colloquial), '两万' -> 20000."""
    if not text or any(ch not in _CN_CHARS for ch in text):
        return None
    if "万" in text:
        head, _, tail = text.partition("万")
        high = parse_chinese_number(head) if head else 1
        if high is None:
            return None
        low = 0
        if tail:
            low = parse_chinese_number(tail)
            if low is None:
                return None
            if len(tail) == 1 and tail in _CN_DIGITS:  # 一万五 = 15000
                low *= 1000
        return high * 10000 + low
    total, current, last_scale = 0, 0, 1
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            scale = _CN_SCALES[ch]
            total += max(current, 1) * scale
            current, last_scale = 0, scale
    if current and last_scale >= 100 and text[-1] in _CN_DIGITS and text[-2] not in "零〇":
        current *= last_scale // 10  # 一千五 = 1500, 三百五 = 350
    return total + current


def _number(token: str) -> float | None:
    """A number written with digits ('2,000', '2.5k', '1.5万'), English words or Chinese numerals."""
    token = token.strip().lower().replace(",", "").replace("，", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s?(k|千|万)?", token)
    if m:
        return float(m.group(1)) * {"k": 1000, "千": 1000, "万": 10000, None: 1}[m.group(2)]
    if re.match(r"(?:a|an)[\s-]+(?!hundred|thousand)\w", token):
        token = re.sub(r"^(?:a|an)[\s-]+", "", token)  # "a two thousand word history": the article is no number
    value = parse_chinese_number(token) if re.search(f"[{_CN_CHARS}]", token) else parse_english_number(token)
    return None if value is None else float(value)


# ----------------------------------------------------------------------------- explicit targets

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# vague amounts (几万字, 数千字, a few thousand words) and ordinals (第2页) are not lengths
_CN_NUM = rf"(?<![几数上好第])(?<!十几)[{_CN_CHARS}]+"
_EN_NUM = rf"(?<!few\s)(?<!several\s)(?<!many\s)\b(?:(?:a|an)\s+(?=(?:hundred|thousand)\b))?{_EN_NUMBER}\b"
_NUM = rf"(?:(?<![A-Za-z0-9.,第])(?:{_DIGITS})\s?(?:k\b|千|万)?|{_EN_NUM}|{_CN_NUM})"
_UNIT = (r"(?P<unit>(?:words?(?!\s*count)|wds|pages?|paragraphs?|paras|sentences?|tokens?)\b(?!-)|"
         r"个?汉?字|个?单词|词|页|段(?:落|话)|(?<!一)段|句话?|个?token)")
_SPAN_SEP = r"\s?(?:-|–|—|~|～|to|至|到)\s?"

_QUANTITY = re.compile(
    rf"(?P<a>{_NUM})(?:{_SPAN_SEP}(?P<b>{_NUM}))?\s?(?P<plus>\+)?[\s-]?{_UNIT}", re.IGNORECASE)
_BETWEEN = re.compile(rf"between\s+(?P<a>{_NUM})\s+and\s+(?P<b>{_NUM})\s?{_UNIT}", re.IGNORECASE)
# a labelled length without (or with) its unit: "word count of 2000-2500", "Word count: 1200",
# "with a word count requirement of 3000", "字数1400左右", "字数要求：2000左右", "Length: 1500 words"
_LABEL = re.compile(
    rf"(?:word[\s-]*count|length|字数|篇幅|总字数)(?:\s*(?:requirement|limit|target|要求|限制|需要|应|须|必须|控制|约|大约|"
    rf"为|是|在|of|is|should\s+be|must\s+be|:|：|,|，|\(|（|=))*"
    rf"(?P<rel>\s*(?:no\s+less\s+than|not\s+less\s+than|no\s+more\s+than|not\s+more\s+than|at\s+least|at\s+most|"
    rf"up\s+to|over|under|about|around|approximately|roughly|~|不少于|不低于|不超过|不多于|至少|最多|约|大约|左右)?)\s*"
    rf"(?P<a>{_NUM})(?:{_SPAN_SEP}(?P<b>{_NUM}))?\s?{_UNIT}?", re.IGNORECASE)
_MINUTES = re.compile(
    rf"(?P<a>{_NUM})(?:{_SPAN_SEP}(?P<b>{_NUM}))?[\s-]?(?P<unit>minutes?|mins?|分钟|seconds?|secs?|秒钟?)(?![A-Za-z])",
    re.IGNORECASE)
_SPOKEN = re.compile(r"speech|talk|presentation|video|script|podcast|monologue|sermon|toast|address|vlog|keynote|"
                     r"voice-?over|radio|spot|\bad\b|commercial|pitch|broadcast|announcement|口播|演讲|讲话|致辞|"
                     r"发言|视频|脚本|稿|广播|播客|剧本|短片|微电影|配音|解说|自我介绍|朗读|朗诵|self-introduction", re.IGNORECASE)
# "each", "apiece", "per entry", 每篇, 各: the stated length is one part's; the total is count x length
_EACH_AFTER = re.compile(r"^\s*(?:each|apiece|a\s+piece|per\s+(?:\w+)|for\s+each(?:\s+\w+)?|in\s+each)\b", re.I)
_EACH_BEFORE = re.compile(r"(?:\beach(?:\s+(?:\w+))?(?:\s+(?:of|being|is|should\s+be|with))?(?:\s+(?:about|around|"
                          r"approximately|roughly|at\s+least|up\s+to|~))?|\bevery\s+\w+(?:\s+(?:of|is))?|"
                          r"每(?:一)?(?:个)?(?:篇|封|段|条|首|章|节|部分|集|幕|份|则|个|天|课|讲|期|回|位|人)"
                          r"(?:大约|大概|约|写|各|都|字数|控制在|在|不少于|不超过)*|各(?:写|约|自)?)\s*$", re.I)
_COUNT_WORD = r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|fifty"
_COUNT_EN = re.compile(rf"\b(?P<n>\d{{1,2}}|{_COUNT_WORD})(?:[\s-]+part)?(?:\s+[\w'-]+){{0,3}}?\s+"
                       r"(?P<noun>[a-z]+(?:s|ies|es)|parts?|acts|chapters|entries|stories|diaries|pieces)\b", re.I)
_COUNT_EN_PART = re.compile(rf"\b(?P<n>\d{{1,2}}|{_COUNT_WORD})-part\b", re.I)
_COUNT_ZH = re.compile(rf"(?P<n>\d{{1,2}}|[{_CN_CHARS}]{{1,3}})\s?个?(?P<noun>篇|封|段|条|首|章|节|部分|集|幕|份|则|天|课|讲|期|回)")
_ADJ_EACH_EN = re.compile(rf"\b(?P<n>\d{{1,2}}|{_COUNT_WORD})\s+$", re.I)   # "four 400-word scenes"
_TOTAL = re.compile(r"^\s*(?:\w+\s+)?(?:in\s+all|in\s+total|total|altogether|overall|combined)\b|"
                    r"(?:\bin\s+total|\bin\s+all|\btotal(?:ling|ing)?(?:\s+of)?|\baltogether|\boverall|总字数|总共|共计|合计|"
                    r"总计|全文|一共|总长)\W{0,3}(?:\w+\W+){0,2}$", re.I)
_QUOTED = re.compile(r"“[^”]{12,}”|\"[^\"\n]{12,}\"|「[^」]{12,}」|『[^』]{12,}』|《[^》]*》|'[^'\n]{30,}'")
# a line that asks for something (not pasted material): a request verb in the imperative, or a length label
_CUE = re.compile(
    r"(?:^|[.!?:;,(\"]\s*|\b(?:please|pls|kindly|just|now|then|and|also|can\s+you|could\s+you|would\s+you|will\s+you|"
    r"help\s+me(?:\s+to)?|i\s+want\s+you\s+to|i\s+need\s+you\s+to|i'?d\s+like\s+you\s+to|you\s+to|let's|i|we)\s+)"
    r"(?:write|compose|draft|create|prepare|produce|generate|craft|make|give\s+me|turn|expand|rewrite|continue|"
    r"develop|tell\s+me|need|want|would\s+like|'d\s+like|am\s+looking\s+for|'m\s+looking\s+for)\b|"
    r"\b(?:word[\s-]*count|length|words?\s*:|in\s+total|in\s+all|should\s+be|must\s+be|keep\s+it|no\s+more\s+than|"
    r"at\s+least|at\s+most|maximum|minimum)\b|"
    r"请|(?<![曾])写(?![过了的着])|撰写|创作|编写|要求|字数|篇幅|需要|帮我|给我|来一?篇|我要|只要|控制在|总字数|长度|扩写|改写|"
    r"续写|不少于|不超过|以内|左右", re.IGNORECASE)
# a sentence that is nothing but a length ("... genre. 2000 words.", "约3000字。") is a request, wherever it stands
_BARE_LENGTH = re.compile(r"(?:^|[.!?;。！？；]\s*)(?:(?:about|around|approximately|roughly|at\s+least|no\s+more\s+than|"
                          r"max(?:imum)?|min(?:imum)?|约|大约|不少于|不超过)\s*)?\d[\d,.]*\s?k?\s*(?:[-–~到至]\s*\d[\d,.]*\s*)?"
                          r"(?:words?|字)(?:\s*(?:or\s+more|or\s+less|左右|以上|以内))?\s*[.!。！]?\s*$", re.IGNORECASE)


_ARTICLE = r"\s*(?:the\s+|a\s+|an\s+)?$"
# (pattern on the text before the number, kind); negated comparisons are tried first
_BEFORE: list[tuple[re.Pattern, Kind]] = [(re.compile(p + _ARTICLE, re.IGNORECASE), k) for p, k in [
    (r"(?:no|not)\s+(?:more|longer|greater)\s+than|not\s+(?:to\s+)?exceed(?:ing)?|不超过|不多于|不高于|不大于", "at_most"),
    (r"(?:no|not)\s+(?:less|fewer|shorter)\s+than|不少于|不低于|不小于", "at_least"),
    (r"at\s+least|minimum(?:\s+of)?|min\.?|more\s+than|longer\s+than|over|in\s+excess\s+of|upwards\s+of|"
     r"exceeding|>=?|至少|最少|最低|超过|多于|大于|起码", "at_least"),
    (r"at\s+most|up\s+to|maximum(?:\s+of)?|max\.?|less\s+than|fewer\s+than|shorter\s+than|under|within|below|"
     r"limit(?:ed)?\s+to|<=?|最多|少于|低于|控制在|限", "at_most"),
]]
_AFTER: list[tuple[re.Pattern, Kind]] = [(re.compile(r"^\s*(?:long\s+|in\s+length\s+)?" + p, re.IGNORECASE), k)
                                         for p, k in [
    (r"(?:or\s+more|or\s+longer|minimum|min\b|at\s+least|plus\b|以上|起)", "at_least"),
    (r"(?:or\s+less|or\s+fewer|or\s+shorter|max(?:imum)?\b|at\s+most|tops\b|以内|以下|之内|内)", "at_most"),
]]

# word and character counts outrank the converted units
_UNIT_PRIORITY = {"words": 0, "chars": 0, "pages": 1, "minutes": 1, "paragraphs": 2, "tokens": 2, "sentences": 3}


def _unit_name(raw: str) -> str:
    raw = raw.lower()
    if raw.startswith(("word", "wd")) or "单词" in raw or raw == "词":
        return "words"
    if "字" in raw:
        return "chars"
    if raw.startswith("page") or raw == "页":
        return "pages"
    if raw.startswith("para") or raw.startswith("段"):
        return "paragraphs"
    if raw.startswith("sentence") or raw.startswith("句"):
        return "sentences"
    return "tokens"


def _per_unit(unit: str, lang: str) -> tuple[float, float]:
    return {"words": (1, 1), "chars": (1, 1), "pages": (PER_PAGE[lang], PER_PAGE[lang]),
            "paragraphs": PARAGRAPH_WORDS, "sentences": SENTENCE_WORDS,
            "tokens": (WORDS_PER_TOKEN, WORDS_PER_TOKEN),
            "minutes": (SPOKEN_PER_MINUTE[lang], SPOKEN_PER_MINUTE[lang])}[unit]


def _relation(text: str, start: int, end: int) -> Kind:
    before, after = text[max(0, start - 40):start], text[end:end + 25]
    for pattern, kind in _BEFORE:
        if pattern.search(before):
            return kind
    for pattern, kind in _AFTER:
        if pattern.match(after):
            return kind
    return "about"



def _material_spans(prompt: str) -> list[tuple[int, int]]:
    """Where quoted or pasted reference material lies: quotations (of 12+ characters; 《titles》), and in a
    request of several lines, the lines that ask for nothing when another line does."""
    spans = [(m.start(), m.end()) for m in _QUOTED.finditer(prompt)]
    lines = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]+", prompt) if m.group(0).strip()]
    if len(lines) > 1:
        def masked(a: int, b: int, text: str) -> str:
            out = list(text)
            for s, e in spans:
                for i in range(max(s, a), min(e, b)):
                    out[i - a] = " "
            return "".join(out)
        cues = [bool(_CUE.search(masked(a, b, t)) or _BARE_LENGTH.search(masked(a, b, t))) for a, b, t in lines]
        if any(cues):
            spans += [(a, b) for (a, b, _), cue in zip(lines, cues) if not cue]
    return spans


def _in(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in spans)


def _sentence_bounds(prompt: str, start: int, end: int) -> tuple[int, int]:
    lo = max(prompt.rfind(ch, 0, start) for ch in "。！？!?\n") + 1
    his = [i for i in (prompt.find(ch, end) for ch in "。！？!?\n") if i >= 0]
    return lo, (min(his) if his else len(prompt))


def _count_of_parts(prompt: str, start: int, end: int, lang: str) -> int | None:
    """The number of parts when the length at [start, end) is one part's ("five entries ... each of about
    400 words", "每篇1000字", "两部分各写1000字", "four 400-word scenes"); None when it is the whole."""
    s0, s1 = _sentence_bounds(prompt, start, end)
    # the clause around the length, extended to the previous sentence for "共四篇，每篇..." / "Write X. Each ..."
    before, after = prompt[max(s0, start - 60):start], prompt[end:min(s1, end + 30)]
    each_before = _EACH_BEFORE.search(before)
    each = each_before or _EACH_AFTER.match(after)
    if not each:
        m = _ADJ_EACH_EN.search(before)
        if m and "-" in prompt[start:end] and re.match(r"[\s-]*(?:[a-z]+\s+){0,2}[a-z]+s\b", after, re.I):
            value = _number(m.group("n"))
            return int(value) if value and 2 <= value <= 100 else None
        return None
    scope = prompt[max(0, s0 - 80 if each_before and re.match(r"\s*(?:每|各)", each_before.group(0)) else s0):start]
    if each_before:
        scope = scope[:len(scope) - len(each_before.group(0))] if scope.endswith(each_before.group(0)) else scope
    pattern = _COUNT_ZH if lang == "zh" or re.search(r"[\u4e00-\u9fff]", scope[-20:]) else _COUNT_EN
    counts = [m for m in pattern.finditer(scope) if _number(m.group("n")) is not None]
    if lang != "zh":
        counts += list(_COUNT_EN_PART.finditer(scope))
        counts.sort(key=lambda m: m.start())
    if lang == "zh" and each_before:
        measure = re.search(r"(篇|封|段|条|首|章|节|部分|集|幕|份|则|天|课|讲|期|回)", each_before.group(0))
        same = [m for m in counts if measure and m.groupdict().get("noun") == measure.group(1)]
        counts = same or counts
    for m in (reversed(counts) if pattern is _COUNT_ZH else counts):
        value = _number(m.group("n"))
        if value is not None and 2 <= value <= 100:
            return int(value)
    return None


def _candidates(prompt: str, lang: str) -> list[tuple[tuple, LengthRequirement]]:
    """Every stated length with its sort key (material last, stated totals first, best unit, first stated)."""
    material = _material_spans(prompt)
    found: list[tuple[tuple, LengthRequirement]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, unit: str, kind: Kind, low: float, high: float, phrase: str, how: str = "stated"):
        if any(a < end and start < b for a, b in taken):
            return
        taken.append((start, end))
        parts = _count_of_parts(prompt, start, end, lang)
        total = bool(_TOTAL.search(prompt[max(0, start - 25):start]) or _TOTAL.match(prompt[end:end + 25]))
        if parts and not total:
            low, high = low * parts, high * parts
            how = f"{parts} parts" + ("" if how == "stated" else f", {how}")
        elif total:
            how = "the stated total" + ("" if how == "stated" else f", {how}")
        req = LengthRequirement(kind, low, high, unit, phrase.strip(), how)
        key = (_in(material, start), 0 if total else 1, _UNIT_PRIORITY[unit], start)
        found.append((key, req))

    for m in _LABEL.finditer(prompt):
        a = _number(m.group("a"))
        b = _number(m.group("b")) if m.group("b") else None
        if a is None or a <= 0 or (m.group("b") and b is None):
            continue
        raw_unit = m.group("unit")
        unit = _unit_name(raw_unit) if raw_unit else ("chars" if lang == "zh" else "words")
        if unit not in ("words", "chars") or (not raw_unit and a < 50):
            continue
        if b is not None:
            kind: Kind = "between"
        else:
            rel = (m.group("rel") or "").strip().lower()
            kind = _relation(prompt, m.start("a"), m.end())
            if rel:
                for pattern, k in _BEFORE:
                    if pattern.search(rel):
                        kind = k
                        break
        lo, hi = (min(a, b), max(a, b)) if b is not None else (a, a)
        add(m.start("a"), m.end(), unit, kind, lo, hi, m.group(0).strip())
    for pattern in (_BETWEEN, _QUANTITY):
        for m in pattern.finditer(prompt):
            a = _number(m.group("a"))
            b = _number(m.group("b")) if m.group("b") else None
            if a is None or (m.group("b") and b is None) or a <= 0:
                continue
            unit = _unit_name(m.group("unit"))
            if unit in ("words", "chars") and re.fullmatch(f"[{_CN_CHARS}]+", m.group("a")) and a < 100:
                continue  # 十字路口, 一个字: a numeral inside a word, not a length
            lo_per, hi_per = _per_unit(unit, lang)
            if b is not None:
                kind = "between"
                low, high = min(a, b) * lo_per, max(a, b) * hi_per
            else:
                kind = "at_least" if m.group("plus") else _relation(prompt, m.start(), m.end())
                low, high = a * lo_per, a * hi_per
                if lo_per != hi_per and kind == "about":
                    kind = "between"  # paragraphs, sentences: a span of their own
            how = "stated" if unit in ("words", "chars") else \
                f"{lo_per:g}{'' if lo_per == hi_per else f'-{hi_per:g}'} a {unit.rstrip('s')}"
            add(m.start(), m.end(), unit, kind, low, high, m.group(0), how)
    for m in _MINUTES.finditer(prompt):
        s0, s1 = _sentence_bounds(prompt, m.start(), m.end())
        window = prompt[max(0, min(s0, m.start() - 40)):max(s1, m.end() + 40)]
        a = _number(m.group("a"))
        b = _number(m.group("b")) if m.group("b") else a
        if a is None or b is None or a <= 0 or not _SPOKEN.search(window) or \
                m.group("a").strip().lower() in ("a", "an"):
            continue  # "a second language", "a minute ago": no length
        seconds = m.group("unit").lower().startswith(("s", "秒"))
        rate = SPOKEN_PER_MINUTE[lang] / (60 if seconds else 1)
        kind = _relation(prompt, m.start(), m.end())
        if m.group("b"):
            kind = "between"
        add(m.start(), m.end(), "minutes", kind, min(a, b) * rate, max(a, b) * rate, m.group(0),
            f"{SPOKEN_PER_MINUTE[lang]:g} a minute spoken")
    return found


def parse_length_requirement(prompt: str, lang: str | None = None) -> LengthRequirement | None:
    """The explicit length the request asks for, in words / CJK characters, or None.

    Lengths inside quoted or pasted material count only when the request states none of its own;
    a stated total ("over 6000 words in all", 总字数) beats the parts; word and character counts
    beat converted units (pages, minutes, paragraphs, sentences, tokens); then the first stated wins.
    """
    from longwriter_zero.prompts import detect_language

    lang = lang or detect_language(prompt)
    found = _candidates(prompt, lang)
    found = [item for item in found if not item[0][0]]  # pasted/quoted material never sets the length
    if not found:
        return None
    found.sort(key=lambda item: item[0])
    return found[0][1]


# ----------------------------------------------------------------------------- rules

def _round_half_down(x: float) -> int:
    return int(math.ceil(x / STEP - 0.5)) * STEP


def _round_half_up(x: float) -> int:
    return int(math.floor(x / STEP + 0.5)) * STEP


def normalize_range(lo: float, hi: float, must_contain: float | None = None, widen: str = "up") -> tuple[int, int]:
    """Bounds to multiples of 100 in [0, 12000], at most 3000 wide and at least 100 wide
    (an empty range grows by 100 on the ``widen`` side, "up" or "down"); containing
    ``must_contain`` when it lies within the limits. [0, 0] stays [0, 0]."""
    if lo == 0 and hi == 0:
        return 0, 0
    lo, hi = (hi, lo) if lo > hi else (lo, hi)
    lo, hi = _round_half_down(max(lo, 0)), _round_half_up(max(hi, 0))
    if must_contain is not None and 0 <= must_contain <= MAX_LENGTH:
        lo = min(lo, int(must_contain // STEP) * STEP)
        hi = max(hi, int(math.ceil(must_contain / STEP)) * STEP)
    lo, hi = min(lo, MAX_LENGTH), min(hi, MAX_LENGTH)
    if hi - lo > MAX_WIDTH:
        mid = (lo + hi) / 2
        if must_contain is not None and 0 <= must_contain <= MAX_LENGTH:
            mid = min(max(mid, must_contain - MAX_WIDTH / 2), must_contain + MAX_WIDTH / 2)
        lo = max(0, min(_round_half_down(mid - MAX_WIDTH / 2), MAX_LENGTH - MAX_WIDTH))
        hi = lo + MAX_WIDTH
    if hi == lo:
        if (widen == "up" and hi < MAX_LENGTH) or lo == 0:
            hi += STEP
        else:
            lo -= STEP
    return lo, hi


def range_for(req: LengthRequirement) -> tuple[int, int]:
    """The paper's rule for an explicit requirement (see the module docstring)."""
    if (req.low if req.kind == "between" else req.stated) > MAX_LENGTH:
        return 0, 0  # asks for more than the limit allows
    if req.kind == "about":
        lo, hi = 0.9 * req.low, 1.1 * req.high
    elif req.kind == "at_least":
        lo, hi = req.low, 1.1 * req.low
    elif req.kind == "at_most":
        lo, hi = 0.9 * req.high, req.high
    else:
        lo, hi = req.low, req.high
    return normalize_range(lo, hi, must_contain=req.stated, widen="down" if req.kind == "at_most" else "up")


# ----------------------------------------------------------------------------- priors

# (kind, pattern, range); the earliest match in the request wins, the longer one on ties.
PRIORS: list[tuple[str, str, tuple[int, int]]] = [
    ("novel", r"\bnovel(?:la)?\b|长篇小说|网络小说|小说", (6000, 9000)),
    ("academic paper", r"\b(?:research|academic|scientific|term|conference)\s+paper\b|\bthesis\b|dissertation|"
                       r"\bpaper\b|论文|学术", (6000, 9000)),
    ("business plan", r"business\s+plan|商业计划书|创业计划", (3000, 5000)),
    ("research report", r"research\s+report|调研报告|调查报告|研究报告|分析报告", (3000, 5000)),
    ("literature review", r"literature\s+review|文献综述|综述", (2000, 4000)),
    ("chapter", r"\bchapter\b|章", (2000, 4000)),
    ("fan fiction", r"fan\s?fic(?:tion)?|同人", (2000, 4000)),
    ("script", r"screenplay|\bscript\b|\bplay\b|\bepisode\b|剧本|话剧|相声|小品", (1500, 3000)),
    ("short story", r"short\s+story|短篇小说|微小说", (1500, 3000)),
    ("story", r"\bstor(?:y|ies)\b|\btale\b|fable|narrative|故事|童话|寓言", (1000, 2000)),
    ("report", r"\breport\b|报告|总结|述职", (1500, 3000)),
    ("proposal or plan", r"\bproposal\b|\bplan\b|strategy|方案|计划|策划|教案|教学设计", (1500, 3000)),
    ("guide", r"\bguide\b|tutorial|handbook|manual|指南|攻略|教程|手册", (1500, 2500)),
    ("article", r"\barticle\b|blog|column|feature|op-?ed|editorial|newsletter|文章|公众号|专栏|推文", (1000, 1500)),
    ("speech", r"\bspeech\b|\btalk\b|\baddress\b|eulogy|sermon|toast|演讲|讲话|致辞|发言稿|讲稿", (800, 1200)),
    ("essay", r"\bessay\b|作文|议论文|记叙文|说明文|散文|随笔|读后感|观后感|心得|感想", (800, 1000)),
    ("review", r"\breview\b|critique|commentary|analysis|评论|影评|书评|乐评|点评|分析", (800, 1200)),
    ("biography", r"biography|memoir|autobiography|传记|回忆录", (1500, 3000)),
    ("news", r"press\s+release|news|新闻|通讯稿|通稿", (600, 1000)),
    ("cover letter", r"cover\s+letter|personal\s+statement|statement\s+of\s+purpose|求职信|自荐信|个人陈述", (400, 700)),
    ("letter", r"\bletter\b|书信|信件|家书|\b信\b|一封", (300, 600)),
    ("email", r"\be-?mail\b|邮件", (200, 400)),
    ("dialogue", r"dialogue|dialog|conversation|monologue|对话|独白", (500, 1000)),
    ("description", r"description|describe|introduction|introduce|overview|profile|简介|介绍|描述|描写", (300, 600)),
    ("poem", r"\bpoem\b|poetry|\bverse\b|\bsonnet\b|\bballad\b|\bode\b|\blyrics\b|\bsong\b|诗|词|歌词", (100, 300)),
    ("diary", r"diary|journal\s+entry|日记|周记", (300, 600)),
]
DEFAULT_PRIOR = ("other writing", (800, 1500))
_SHORT = re.compile(r"\b(?:short|brief|quick|little|concise)\s+(?:\w+\s+){0,1}$|(?:简短|简单|短|小)的?\s*$", re.I)
_LONG = re.compile(r"\b(?:long|lengthy|detailed|in-depth|comprehensive|extensive|thorough|epic)\b|"
                   r"长篇|详细|深入|全面|详尽", re.IGNORECASE)
_COMPILED_PRIORS = [(kind, re.compile(pattern, re.IGNORECASE), rng) for kind, pattern, rng in PRIORS]


def prior_range(prompt: str) -> tuple[tuple[int, int], str]:
    """A prior range by the kind of writing asked for, and the kind's name.

    "short"/"brief" right before the kind halves it (except "short story", a kind of its own);
    "long", "detailed", "comprehensive" (长篇, 详细, ...) anywhere multiply it by 1.5. The lower
    bound is at least 100.
    """
    best = None
    for kind, pattern, rng in _COMPILED_PRIORS:
        m = pattern.search(prompt)
        if m and (best is None or (m.start(), -(m.end() - m.start())) < (best[0], -best[1])):
            best = (m.start(), m.end() - m.start(), kind, rng)
    if best is None:
        kind, rng = DEFAULT_PRIOR
        start = None
    else:
        start, _, kind, rng = best
    scale = 1.0
    if start is not None and kind != "short story" and _SHORT.search(prompt[max(0, start - 20):start]):
        scale *= 0.5
    if _LONG.search(prompt):
        scale *= 1.5
    lo, hi = normalize_range(rng[0] * scale, rng[1] * scale)
    if lo == 0:  # a prior never lets an empty answer count as long enough
        lo, hi = STEP, max(hi, 2 * STEP)
    return (lo, hi), kind


# ----------------------------------------------------------------------------- judge

JUDGE_SYSTEM = (
    "You set length targets for writing requests. Read the request and decide how long a complete, "
    "high-quality answer should be, counted in English words or Chinese characters. Rules:\n"
    "- Answer with a range [lower, upper]; both bounds are multiples of 100 between 0 and 12000, "
    "and upper - lower is at most 3000.\n"
    "- If the request names a length N, use about N +-10% (N=2000 gives [1800, 2200]); for "
    "'no more than N' use [0.9N, N]; for 'at least N' use [N, 1.1N].\n"
    "- Without a stated length, judge from the kind of writing: a high-school essay is [800, 1000]; "
    "a full academic paper is about [6000, 9000]; a short poem is about [100, 300].\n"
    "- If the request cannot be fulfilled or asks for more than 12000, answer [0, 0].\n"
    'Reply with a JSON object only, for example {"range": [800, 1000]}.'
)
JUDGE_RETRY = ('Your reply could not be read. Reply with only a JSON object of the form '
               '{"range": [lower, upper]} with both bounds multiples of 100 between 0 and 12000.')


def judge_messages(prompt: str) -> list[dict]:
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": f"Request:\n{prompt}"}]


def repair_range(obj) -> tuple[int, int] | None:
    """A usable range from a judge's JSON object, repaired (rounded, clamped, width fixed); None if unusable."""
    if not isinstance(obj, dict):
        return None
    value = obj.get("range", obj.get("length_range"))
    if isinstance(value, dict):
        value = [value.get("lower", value.get("min")), value.get("upper", value.get("max"))]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    bounds = []
    for v in value:
        if isinstance(v, str):
            v = _number(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            return None
        bounds.append(float(v))
    lo, hi = sorted(bounds)
    if lo > MAX_LENGTH:
        return 0, 0
    return normalize_range(lo, hi)


def judge_ranges(prompts: Sequence[str], client, retries: int = 2, sampling: dict | None = None
                 ) -> list[tuple[tuple[int, int] | None, str]]:
    """Ask the judge for each prompt's range; returns (range or None, detail) per prompt.

    An unreadable answer is re-asked (the reply and a correction are appended to the
    conversation, which also gives it a new cache key) up to ``retries`` times.
    """
    from longwriter_zero.judge.client import extract_json

    sampling = {"temperature": 0.0, "max_tokens": 200, **(sampling or {})}
    conversations = [judge_messages(p) for p in prompts]
    results: list[tuple[tuple[int, int] | None, str]] = [(None, "")] * len(prompts)
    todo = list(range(len(prompts)))
    for attempt in range(retries + 1):
        if not todo:
            break
        replies = client.chat_many([conversations[i] for i in todo], desc=f"ranges (try {attempt + 1})", **sampling)
        still = []
        for i, reply in zip(todo, replies):
            rng = repair_range(extract_json(reply))
            if rng is None:
                conversations[i] = conversations[i] + [{"role": "assistant", "content": reply},
                                                       {"role": "user", "content": JUDGE_RETRY}]
                results[i] = (None, f"unreadable judge reply: {reply[:80]!r}")
                still.append(i)
            else:
                results[i] = (rng, "")
        todo = still
    return results


# ----------------------------------------------------------------------------- one call for all

def predict_ranges(prompts: Sequence[str], backend: str = "rules", client=None, retries: int = 2,
                   ) -> list[RangePrediction]:
    """Explicit targets by rule; the rest by the judge (``backend="llm"``) or by priors."""
    out: list[RangePrediction | None] = []
    ask = []
    for i, prompt in enumerate(prompts):
        req = parse_length_requirement(prompt)
        if req is not None:
            out.append(RangePrediction(range_for(req), "explicit", req, detail=req.describe()))
        else:
            out.append(None)
            ask.append(i)
    if backend == "llm" and ask:
        if client is None:
            raise ValueError("backend 'llm' needs a judge client")
        for i, (rng, detail) in zip(ask, judge_ranges([prompts[i] for i in ask], client, retries=retries)):
            if rng is not None:
                out[i] = RangePrediction(rng, "judge")
            else:
                prior, kind = prior_range(prompts[i])
                out[i] = RangePrediction(prior, "prior", detail=f"{kind}; {detail}")
    for i in ask:
        if out[i] is None:
            prior, kind = prior_range(prompts[i])
            out[i] = RangePrediction(prior, "prior", detail=kind)
    return out  # type: ignore[return-value]
