"""Ways to damage an answer, for reward-model preference pairs and for reward tests.

Each damage function takes the answer text and a ``random.Random`` and returns a damaged copy
of it that a careful reader would rank below the original. They imitate the reward hacks and
failures seen in long-form RL:

- ``duplicate_paragraphs``: verbatim copies of some paragraphs inserted later in the text.
- ``paraphrase_pad``: the answer padded with lightly reworded copies of its own paragraphs
  (synonym swaps, clause and sentence reordering, filler openers; see ``paraphrase_paragraph``)
  until the copies are a given share of the text.
- ``shuffle_sentences``: the answer's sentences shuffled across the whole text, paragraph sizes
  kept, so it reads incoherently.
- ``truncate_mid_thought``: the answer cut off inside a sentence.
- ``stuff_keywords``: a few "high-reward" words (praise and buzzwords) sprinkled through the
  text far above any natural rate.

The paraphraser is deliberately simple and rule based (no model is needed); it still changes
every sentence so that exact-match repeat detection cannot see the copies.
"""

from __future__ import annotations

import random
import re
from typing import Callable

from longwriter_zero.text.units import split_paragraphs, split_sentences

SYNONYMS: dict[str, list[str]] = {
    "many": ["numerous", "plenty of", "a lot of"], "big": ["large", "sizeable"], "small": ["little", "modest"],
    "important": ["significant", "essential", "key"], "show": ["reveal", "demonstrate"],
    "shows": ["reveals", "demonstrates"], "showed": ["revealed", "demonstrated"], "use": ["employ", "rely on"],
    "uses": ["employs", "relies on"], "help": ["assist", "support"], "helps": ["assists", "supports"],
    "often": ["frequently", "regularly"], "also": ["as well", "too"], "people": ["individuals", "folk"],
    "very": ["highly", "extremely"], "quickly": ["rapidly", "swiftly"], "begin": ["start", "commence"],
    "began": ["started", "commenced"], "start": ["begin", "launch"], "end": ["finish", "close"],
    "buy": ["purchase", "acquire"], "need": ["require"], "needs": ["requires"], "make": ["create", "produce"],
    "makes": ["creates", "produces"], "made": ["created", "produced"], "good": ["fine", "solid"],
    "bad": ["poor", "weak"], "hard": ["difficult", "tough"], "easy": ["simple", "straightforward"],
    "old": ["aged", "former"], "new": ["fresh", "recent"], "first": ["initial", "earliest"],
    "last": ["final", "latest"], "about": ["roughly", "around"], "enough": ["sufficient"],
    "however": ["yet", "still"], "because": ["since", "as"], "but": ["yet", "though"],
    "large": ["big", "substantial"], "change": ["shift", "alter"], "changes": ["shifts", "alters"],
    "problem": ["issue", "difficulty"], "problems": ["issues", "difficulties"], "house": ["home", "dwelling"],
    "town": ["community", "settlement"], "city": ["metropolis", "urban area"], "work": ["labour", "job"],
    "result": ["outcome", "consequence"], "results": ["outcomes", "findings"], "idea": ["notion", "concept"],
    "ideas": ["notions", "concepts"], "way": ["manner", "method"], "ways": ["methods", "approaches"],
    "part": ["portion", "piece"], "place": ["spot", "location"], "time": ["period", "moment"],
    "year": ["twelvemonth"], "years": ["decades", "seasons"], "think": ["believe", "reckon"],
    "say": ["state", "claim"], "said": ["stated", "remarked"], "get": ["obtain", "receive"],
    "give": ["provide", "offer"], "gives": ["provides", "offers"], "keep": ["maintain", "retain"],
    "find": ["discover", "locate"], "found": ["discovered", "located"], "small-scale": ["modest"],
    "clear": ["obvious", "plain"], "simple": ["basic", "plain"], "whole": ["entire", "complete"],
    "main": ["chief", "primary"], "real": ["genuine", "actual"], "quiet": ["calm", "silent"],
    "cheap": ["inexpensive", "low-cost"], "expensive": ["costly", "pricey"], "modern": ["contemporary"],
    "build": ["construct", "erect"], "built": ["constructed", "erected"], "choose": ["select", "pick"],
}
FILLERS = ["Indeed, ", "In fact, ", "Clearly, ", "Moreover, ", "Notably, ", "In other words, ", "Put simply, "]
STUFFING_WORDS = ["comprehensive", "insightful", "masterful", "nuanced", "compelling", "profound",
                  "vivid", "eloquent", "groundbreaking", "exceptional"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def _match_case(word: str, template: str) -> str:
    return word[0].upper() + word[1:] if template[:1].isupper() else word


def _swap_synonyms(sentence: str, rng: random.Random, prob: float) -> str:
    def repl(m: re.Match) -> str:
        w = m.group(0)
        options = SYNONYMS.get(w.lower())
        if options and rng.random() < prob:
            return _match_case(rng.choice(options), w)
        return w
    return _WORD.sub(repl, sentence)


def _swap_clauses(sentence: str) -> str:
    """'A, B.' -> 'B, a.' at the first comma (keeps the final punctuation)."""
    body, end = (sentence[:-1], sentence[-1]) if sentence[-1:] in ".!?" else (sentence, "")
    head, sep, tail = body.partition(", ")
    if not sep or len(head.split()) < 2 or len(tail.split()) < 2:
        return sentence
    head = head[0].lower() + head[1:] if not head.startswith("I ") else head
    return tail[0].upper() + tail[1:] + ", " + head + end


def _swap_adjacent_words(sentence: str, rng: random.Random) -> str:
    words = sentence.split(" ")
    spots = [i for i in range(1, len(words) - 2) if words[i].isalpha() and words[i + 1].isalpha()]
    if not spots:
        return sentence
    i = rng.choice(spots)
    words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def paraphrase_sentence(sentence: str, rng: random.Random) -> str:
    """A light rewording that always changes the sentence (so exact matching misses it)."""
    out = _swap_synonyms(sentence, rng, prob=0.6)
    if rng.random() < 0.5:
        out = _swap_clauses(out)
    if rng.random() < 0.3:
        out = _swap_adjacent_words(out, rng)
    if out == sentence or rng.random() < 0.25:
        out = rng.choice(FILLERS) + out[0].lower() + out[1:] if out[:2] != "I " else rng.choice(FILLERS) + out
    return out


def paraphrase_paragraph(paragraph: str, rng: random.Random) -> str:
    """Every sentence reworded (see ``paraphrase_sentence``); sentence order shuffled half the time."""
    sentences = [paraphrase_sentence(s, rng) for s in split_sentences(paragraph)]
    if len(sentences) > 2 and rng.random() < 0.5:
        rng.shuffle(sentences)
    return " ".join(sentences)


def _join(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def _words(text: str) -> int:
    return len(text.split())


def duplicate_paragraphs(text: str, rng: random.Random, share: float = 0.3) -> str:
    """Insert verbatim copies of random paragraphs after their originals until the copies make
    up about ``share`` of the words."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return text
    out = list(paragraphs)
    target = share / (1 - share) * _words(text)
    added = 0
    while added < target:
        src = rng.randrange(len(paragraphs))
        pos = rng.randint(out.index(paragraphs[src]) + 1, len(out))
        out.insert(pos, paragraphs[src])
        added += _words(paragraphs[src])
    return _join(out)


def paraphrase_pad(text: str, rng: random.Random, share: float = 0.35) -> str:
    """Append reworded copies of the answer's own paragraphs until they make up about ``share``
    of the words (copies are inserted after their source paragraph)."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return text
    out = list(paragraphs)
    target = share / (1 - share) * _words(text)
    zh = is_chinese(text)
    if zh:
        target = share / (1 - share) * _units(text)
    candidates = [p for p in paragraphs if _units(p) >= 12] or paragraphs
    added = 0
    while added < target:
        src = rng.choice(candidates)
        copy = _paraphrase_zh(src, rng) if zh else paraphrase_paragraph(src, rng)
        pos = rng.randint(out.index(src) + 1, len(out))
        out.insert(pos, copy)
        added += _units(copy) if zh else _words(copy)
    return _join(out)


def _paraphrase_zh(paragraph: str, rng: random.Random) -> str:
    """A light Chinese rewording: listed synonyms swapped, an opener added, sentence order
    shuffled half the time."""
    sentences = split_sentences(paragraph)
    for i, s in enumerate(sentences):
        for word, options in ZH_SYNONYMS.items():
            if word in s and rng.random() < 0.7:
                s = s.replace(word, rng.choice(options))
        sentences[i] = s
    if len(sentences) > 2 and rng.random() < 0.5:
        rng.shuffle(sentences)
    return rng.choice(RESTATE_OPENERS_ZH) + "".join(sentences)


def shuffle_sentences(text: str, rng: random.Random) -> str:
    """Shuffle all sentences across the text, keeping the number of sentences per paragraph."""
    paragraphs = [split_sentences(p) for p in split_paragraphs(text)]
    flat = [s for p in paragraphs for s in p]
    if len(flat) < 3:
        return text
    shuffled = list(flat)
    for _ in range(10):
        rng.shuffle(shuffled)
        if shuffled != flat:
            break
    out, k = [], 0
    sep = "" if is_chinese(text) else " "
    for p in paragraphs:
        out.append(sep.join(shuffled[k: k + len(p)]))
        k += len(p)
    return _join(out)


def truncate_mid_thought(text: str, rng: random.Random, low: float = 0.4, high: float = 0.8) -> str:
    """Cut the text at a random word between ``low`` and ``high`` of its words, inside a sentence
    (the last kept word never ends a sentence). Chinese text is cut between characters."""
    if is_chinese(text):
        body = text.strip()
        spots = [m.end() for m in _CJK.finditer(body)]
        if len(spots) < 5:
            return text
        lo, hi = int(len(spots) * low), max(int(len(spots) * low) + 1, int(len(spots) * high))
        return body[: rng.choice(spots[lo:hi])]
    tokens = re.split(r"(\s+)", text.strip())   # words and the whitespace between them
    word_pos = [i for i in range(0, len(tokens), 2)]
    if len(word_pos) < 5:
        return text
    lo, hi = int(len(word_pos) * low), max(int(len(word_pos) * low) + 1, int(len(word_pos) * high))
    choices = [i for i in word_pos[lo:hi] if not re.search(r"[.!?:;。！？；…\"”)]$", tokens[i])]
    cut = rng.choice(choices) if choices else word_pos[lo]
    kept = "".join(tokens[: cut + 1]).rstrip(",")
    return kept


def stuff_keywords(text: str, rng: random.Random, rate: float = 0.08, n_terms: int = 3,
                   words: list[str] | None = None) -> str:
    """Insert ``n_terms`` keywords (drawn from ``words``) before random words until the inserted
    words are about ``rate`` of the text."""
    if is_chinese(text) and words is None:
        terms = rng.sample(STUFF_ZH, n_terms)
        chars = list(text)
        spots = [i for i, c in enumerate(chars) if _CJK.match(c)]
        for i in sorted((rng.choice(spots) + 1 for _ in range(max(n_terms, int(rate * _units(text) / 2)))),
                        reverse=True):
            chars.insert(i, rng.choice(terms))
        return "".join(chars)
    pool = words or STUFFING_WORDS
    terms = rng.sample(pool, min(n_terms, len(pool)))
    tokens = text.split(" ")
    n_insert = max(n_terms, int(rate * _words(text)))
    for _ in range(n_insert):
        i = rng.randrange(len(tokens))
        tokens.insert(i, rng.choice(terms))
    return " ".join(tokens)


# ----------------------------------------------------------------------------- hack imitations
#
# The kinds below imitate reward hacks that keep or add length while adding nothing a reader
# wants. Each keeps the answer at about its own length or longer (a hacker pads, he does not
# cut), except where the kind is a cut by nature (``truncate``).

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")

ZH_SYNONYMS: dict[str, list[str]] = {
    "我们": ["咱们"], "非常": ["十分", "特别"], "很": ["挺", "十分"], "但是": ["可是", "不过"],
    "因为": ["由于"], "所以": ["因此", "于是"], "重要": ["关键", "要紧"], "一些": ["若干", "部分"],
    "开始": ["起初", "着手"], "发现": ["察觉", "注意到"], "喜欢": ["喜爱", "偏爱"], "觉得": ["认为", "感到"],
    "现在": ["如今", "眼下"], "已经": ["早已", "业已"], "可以": ["能够", "得以"], "问题": ["难题", "毛病"],
    "方法": ["办法", "方式"], "时候": ["时刻", "时分"], "朋友": ["友人", "伙伴"], "简单": ["容易", "简便"],
    "帮助": ["协助", "帮忙"], "每天": ["天天", "每日"], "看到": ["见到", "望见"], "知道": ["明白", "晓得"],
    "需要": ["须要", "必须"], "孩子": ["小孩", "娃娃"], "地方": ["场所", "处所"], "东西": ["物品", "物件"],
    "漂亮": ["美丽", "好看"], "慢慢": ["渐渐", "逐渐"], "马上": ["立刻", "随即"], "特别": ["格外", "尤其"],
}
EN_FILLER_SENTENCES = [
    "This is an important point to keep in mind.", "It is worth noting this carefully.",
    "This matters a great deal.", "There is much more that could be said here.",
    "Every detail here plays its part.", "This is something everyone should consider.",
    "All of this is worth thinking about.", "That is the heart of the matter.",
    "Many people would agree with this.", "It is clear that this is significant.",
]
ZH_FILLER_SENTENCES = [
    "这一点非常重要。", "这是值得注意的。", "这一点大家都应该想一想。", "这里还有很多可以说的。",
    "每一个细节都很重要。", "这就是问题的关键。", "很多人都会同意这一点。", "这一切都值得思考。",
]
ZH_PARTICLES = ["的", "了", "啊", "呢", "吧", "呀", "嘛"]
EN_PARTICLES = ["really", "just", "very", "quite", "basically", "actually", "like", "so"]
RESTATE_OPENERS_EN = ["In other words, ", "To put it another way, ", "Once again, ", "Put differently, ",
                      "As already said, ", "To restate the point, ", "Simply put, ", "Returning to the main idea, "]
RESTATE_CLOSERS_EN = ["This is the central point.", "Everything comes back to this.", "That remains the key idea.",
                      "This cannot be stressed enough.", "No other point matters as much."]
RESTATE_OPENERS_ZH = ["换句话说，", "也就是说，", "再说一遍，", "总而言之，", "正如前面所说，", "简单来说，"]
RESTATE_CLOSERS_ZH = ["这就是核心观点。", "一切都回到这一点。", "这一点无论怎么强调都不为过。", "这才是最关键的。"]
# a general vocabulary for word salad (used when the answer's own words run out)
SALAD_EN = """
river window lantern copper meadow whisper engine harbor velvet marble thunder pepper ladder garden
silver orbit canyon feather pocket signal rhythm blanket candle fabric forest glacier hammer island
jacket kettle lemon magnet needle ocean pillow quartz rocket saddle tunnel umbrella valley wagon
yellow zebra anchor basket cabinet dragon eagle falcon ginger helmet igloo jungle kitten lizard
mirror nectar oyster parrot quiver rabbit salmon tomato unicorn violin walnut ancient brittle
clever dusty eager fragile gentle hollow itchy jolly keen lonely mellow narrow odd polite quick
rapid sturdy tender urgent vivid wary young zealous absorb borrow collect deliver embrace follow
gather harvest imagine juggle kneel launch measure nourish observe polish question rescue settle
travel unfold venture wander yield beneath across during despite toward within although whenever
""".split()
SALAD_ZH = "山水云雨风花鸟鱼虫草木石金银铜铁光影声色香味春夏秋冬东南西北天地日月星辰江河湖海城乡街巷门窗桌椅灯火茶酒书画琴棋衣帽鞋袜"
STUFF_SPREAD_EN = ["innovative", "holistic", "robust", "seamless", "dynamic", "strategic", "transformative",
                   "cutting-edge", "impactful", "synergy", "empowering", "visionary", "world-class", "scalable",
                   "best-in-class", "paradigm", "leverage", "actionable", "game-changing", "mission-critical"]
STUFF_ZH = ["创新", "全面", "深刻", "卓越", "精彩", "独特", "权威", "专业", "高效", "完美", "领先", "优质"]


def is_chinese(text: str) -> bool:
    """Whether CJK characters make up at least a third of the text's letters and characters."""
    cjk = len(_CJK.findall(text))
    return cjk > 0 and cjk >= 0.5 * len(_LATIN_WORD.findall(text))


def _sentences(text: str) -> list[str]:
    return [s for p in split_paragraphs(text) for s in split_sentences(p)]


def _units(text: str) -> int:
    """Length as the project counts it: Chinese characters plus English words."""
    return len(_CJK.findall(text)) + len(_LATIN_WORD.findall(text))


def _lines_to_length(lines: list[str], target: int) -> list[str]:
    out, total = [], 0
    while total < target:
        for line in lines:
            out.append(line)
            total += max(1, _units(line))
            if total >= target:
                break
    return out


def repeat_lines(text: str, rng: random.Random) -> str:
    """The answer replaced by a few short lines (list items made of its own sentence openings)
    repeated one per line, without blank lines, up to the answer's length."""
    zh = is_chinese(text)
    sentences = [s for s in _sentences(text) if _units(s) >= 3]
    if len(sentences) < 2:
        return text
    picked = rng.sample(sentences, min(len(sentences), rng.randint(2, 4)))
    items = []
    for s in picked:
        if zh:
            items.append("- " + s[: rng.randint(6, 12)].rstrip("，。！？；、") + "。")
        else:
            words = s.split()
            items.append("- " + " ".join(words[: rng.randint(3, 7)]).rstrip(",;:.") + ".")
    return "\n".join(_lines_to_length(items, _units(text)))


def rotate_lines(text: str, rng: random.Random) -> str:
    """One sentence of the answer written again and again, each line its words (or characters)
    rotated by one more position, one line per rotation, up to the answer's length."""
    zh = is_chinese(text)
    sentences = [s for s in _sentences(text) if _units(s) >= 6]
    if not sentences:
        return text
    base = rng.choice(sentences).rstrip(".!?。！？")
    tokens = list(base) if zh else base.split()
    lines, k = [], 0
    target = _units(text)
    total = 0
    while total < target:
        k = (k + 1) % len(tokens) or 1
        rotated = tokens[k:] + tokens[:k]
        line = ("".join(rotated) + "。") if zh else (" ".join(rotated) + ".")
        lines.append(line)
        total += _units(line)
    return "\n".join(lines)


def _add_word(sentence: str, rng: random.Random, zh: bool) -> str:
    if zh:
        i = rng.randint(0, max(0, len(sentence) - 2))
        return sentence[:i] + rng.choice(["也", "还", "都", "真", "更"]) + sentence[i:]
    words = sentence.split(" ")
    i = rng.randint(1, max(1, len(words) - 1))
    return " ".join(words[:i] + [rng.choice(["really", "also", "truly", "indeed", "still", "simply"])] + words[i:])


def resplit_copy(text: str, rng: random.Random) -> str:
    """The answer followed by a copy of itself re-split into new paragraphs (2-3 sentences each),
    with one word added to every sentence, so no sentence or paragraph repeats verbatim."""
    zh = is_chinese(text)
    sentences = [_add_word(s, rng, zh) for s in _sentences(text)]
    if len(sentences) < 2:
        return text
    paragraphs, i = [], 0
    while i < len(sentences):
        n = rng.randint(2, 3)
        paragraphs.append(("" if zh else " ").join(sentences[i: i + n]))
        i += n
    return _join(split_paragraphs(text) + paragraphs)


def synonym_copy(text: str, rng: random.Random) -> str:
    """The answer followed by a copy with every word that has a listed synonym swapped for it."""
    if is_chinese(text):
        def swap(s: str) -> str:
            for word, options in ZH_SYNONYMS.items():
                s = s.replace(word, rng.choice(options))
            return s
        copy = [swap(p) for p in split_paragraphs(text)]
    else:
        copy = [_swap_synonyms(p, rng, prob=1.0) for p in split_paragraphs(text)]
    return _join(split_paragraphs(text) + copy)


def one_paragraph(text: str, rng: random.Random, share: float = 0.35) -> str:
    """The whole answer as one paragraph, with sentences of its own repeated later in it until
    the repeats are about ``share`` of the length."""
    zh = is_chinese(text)
    sentences = _sentences(text)
    if len(sentences) < 2:
        return text
    out = list(sentences)
    target = share / (1 - share) * _units(text)
    added = 0
    while added < target:
        src = rng.randrange(len(sentences))
        out.insert(rng.randint(src + 1, len(out)), sentences[src])
        added += max(1, _units(sentences[src]))
    return ("" if zh else " ").join(out)


def join_paragraphs(text: str, rng: random.Random) -> str:
    """The whole answer as one paragraph, nothing added (a wall of text; the honest answer's
    sentences in their order; ``one_paragraph`` adds repeats)."""
    paragraphs = split_paragraphs(text)
    if len(paragraphs) < 2:
        return text
    return ("" if is_chinese(text) else " ").join(paragraphs)


def echo_paraphrase(text: str, rng: random.Random) -> str:
    """Every sentence followed by a reworded version of itself (English: ``paraphrase_sentence``;
    Chinese: listed synonyms swapped and an opener added), paragraphs kept."""
    zh = is_chinese(text)
    out = []
    for paragraph in split_paragraphs(text):
        sentences = []
        for sentence in split_sentences(paragraph):
            echo = _paraphrase_zh(sentence, rng) if zh else paraphrase_sentence(sentence, rng)
            sentences += [sentence, echo]
        out.append(("" if zh else " ").join(sentences))
    return _join(out)


OFF_TOPIC_POOL: dict[bool, list[str]] = {}   # is_chinese -> paragraphs of the bundled answers


def _off_topic_pool(zh: bool) -> list[str]:
    if not OFF_TOPIC_POOL:
        import json
        from importlib import resources

        OFF_TOPIC_POOL.update({True: [], False: []})
        for name in ("honest_answers.jsonl", "honest_answers_more.jsonl"):
            for line in (resources.files("longwriter_zero") / "assets" / name).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    for para in split_paragraphs(json.loads(line)["response"]):
                        if _units(para) >= 25:
                            OFF_TOPIC_POOL[is_chinese(para)].append(para)
    return OFF_TOPIC_POOL[zh]


def off_topic_insert(text: str, rng: random.Random, share: float = 0.3, pool: list[str] | None = None) -> str:
    """Paragraphs of other answers (same language; ``pool``, default the bundled answers'
    paragraphs) inserted at random places until they are about ``share`` of the length."""
    paragraphs = split_paragraphs(text)
    candidates = [p for p in (_off_topic_pool(is_chinese(text)) if pool is None else pool) if p not in paragraphs]
    if not paragraphs or not candidates:
        return text
    out = list(paragraphs)
    target = share / (1 - share) * _units(text)
    added = 0
    while added < target:
        para = rng.choice(candidates)
        out.insert(rng.randint(1, len(out)), para)
        added += max(1, _units(para))
    return _join(out)


TRANSLATION_MEMORY: dict[str, str] = {}   # paragraph -> its translation (filled by ``load_translations``)


def load_translations(path=None) -> dict[str, str]:
    """The paragraph translations bundled with the honest answers (rows with ``translation``:
    the response translated paragraph by paragraph, same number of paragraphs)."""
    if not TRANSLATION_MEMORY:
        import json
        from importlib import resources

        files = [path] if path else [resources.files("longwriter_zero") / "assets" / name
                                     for name in ("honest_answers.jsonl", "honest_answers_more.jsonl",
                                                  "honest_answers_long.jsonl")]
        for f in files:
            try:
                lines = open(str(f), encoding="utf-8").read().splitlines()
            except FileNotFoundError:
                continue
            for line in lines:
                row = json.loads(line) if line.strip() else {}
                if row.get("translation"):
                    src, dst = split_paragraphs(row["response"]), split_paragraphs(row["translation"])
                    if len(src) == len(dst):
                        TRANSLATION_MEMORY.update(zip(src, dst))
    return TRANSLATION_MEMORY


def append_translation(text: str, rng: random.Random, memory: dict | None = None) -> str:
    """The answer followed by its own translation into the other language (paragraph by
    paragraph from ``memory``, default the bundled translations); unchanged when a paragraph has
    no translation."""
    memory = load_translations() if memory is None else memory
    paragraphs = split_paragraphs(text)
    if not paragraphs or any(p not in memory for p in paragraphs):
        return text
    return _join(paragraphs + [memory[p] for p in paragraphs])


def sprinkle_filler(text: str, rng: random.Random, share: float = 0.3) -> str:
    """Generic filler sentences ("This matters a great deal.") inserted after random sentences
    until they are about ``share`` of the length."""
    zh = is_chinese(text)
    pool = ZH_FILLER_SENTENCES if zh else EN_FILLER_SENTENCES
    paragraphs = [split_sentences(p) for p in split_paragraphs(text)]
    if not paragraphs:
        return text
    target = share / (1 - share) * _units(text)
    added = 0
    while added < target:
        para = paragraphs[rng.randrange(len(paragraphs))]
        filler = rng.choice(pool)
        para.insert(rng.randint(0, len(para)), filler)
        added += _units(filler)
    return _join([("" if zh else " ").join(p) for p in paragraphs])


def restate_chapters(text: str, rng: random.Random, chapters: int = 0) -> str:
    """The answer's first paragraph kept, then numbered "chapters" that each restate its first
    sentence (the thesis) with a new opener and closer and light rewording, up to the answer's
    length or longer."""
    zh = is_chinese(text)
    sentences = _sentences(text)
    if not sentences:
        return text
    thesis = sentences[0]
    head = split_paragraphs(text)[0]
    target = _units(text)
    out, n = [head], 1
    while _units("\n\n".join(out)) < target or (chapters and n <= chapters):
        n += 1
        if zh:
            body = rng.choice(RESTATE_OPENERS_ZH) + thesis + rng.choice(RESTATE_CLOSERS_ZH)
            out.append(f"第{n}章\n\n" + body)
        else:
            t = paraphrase_sentence(thesis, rng)
            body = rng.choice(RESTATE_OPENERS_EN) + t[0].lower() + t[1:] + " " + rng.choice(RESTATE_CLOSERS_EN)
            out.append(f"Chapter {n}\n\n" + body)
    return _join(out)


def particle_pad(text: str, rng: random.Random, rate: float = 0.35) -> str:
    """Particles (的/了/啊/呢 ...; in English: really/just/basically ...) inserted until they are
    about ``rate`` of the length."""
    if is_chinese(text):
        chars = list(text)
        n = int(rate / (1 - rate) * _units(text))
        spots = [i for i, c in enumerate(chars) if _CJK.match(c)]
        if not spots:
            return text
        inserts = sorted(rng.choice(spots) + 1 for _ in range(n))
        out, prev = [], 0
        for i in inserts:
            out.append("".join(chars[prev:i]))
            out.append(rng.choice(ZH_PARTICLES))
            prev = i
        out.append("".join(chars[prev:]))
        return "".join(out)
    tokens = text.split(" ")
    n = int(rate / (1 - rate) * _units(text))
    for _ in range(n):
        i = rng.randint(1, len(tokens))
        tokens.insert(i, rng.choice(EN_PARTICLES))
    return " ".join(tokens)


def word_salad(text: str, rng: random.Random) -> str:
    """The answer replaced by the same length of words that never repeat (its own distinct words
    and a general vocabulary, shuffled), punctuated into sentences and paragraphs."""
    zh = is_chinese(text)
    if zh:
        pool = list(dict.fromkeys(_CJK.findall(text)))
        pool += [c for c in SALAD_ZH if c not in pool]
    else:
        pool = list(dict.fromkeys(w.lower() for w in _LATIN_WORD.findall(text)))
        pool += [w for w in SALAD_EN if w not in pool]
    rng.shuffle(pool)
    words = pool[: _units(text)]
    if len(words) < 6:
        return text
    paragraphs, sentence, para = [], [], []
    for w in words:
        sentence.append(w)
        if len(sentence) >= rng.randint(7, 14):
            para.append(_sentence_of(sentence, zh))
            sentence = []
            if len(para) >= rng.randint(3, 5):
                paragraphs.append(("" if zh else " ").join(para))
                para = []
    if sentence:
        para.append(_sentence_of(sentence, zh))
    if para:
        paragraphs.append(("" if zh else " ").join(para))
    return _join(paragraphs)


def _sentence_of(words: list[str], zh: bool) -> str:
    if zh:
        return "".join(words) + "。"
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def stuff_spread(text: str, rng: random.Random, rate: float = 0.29) -> str:
    """Many different buzzwords (each used only a few times) inserted until they are about
    ``rate`` of the length: stuffing spread so that no single term stands out."""
    if is_chinese(text):
        chars = list(text)
        n = int(rate / (1 - rate) * _units(text) / 2)      # two characters per term
        spots = [i + 1 for i, c in enumerate(chars) if c in "，。；！？"] or [len(chars)]
        for _ in range(n):
            i = rng.choice(spots)
            chars.insert(i, rng.choice(STUFF_ZH))
            spots = [s + 1 if s >= i else s for s in spots]
        return "".join(chars)
    tokens = text.split(" ")
    n = int(rate / (1 - rate) * _units(text))
    for _ in range(n):
        tokens.insert(rng.randint(0, len(tokens)), rng.choice(STUFF_SPREAD_EN))
    return " ".join(tokens)


def stuff_gross(text: str, rng: random.Random, rate: float = 0.25) -> str:
    """One term inserted until it is about ``rate`` of the length (the gross, single-keyword
    hack)."""
    if is_chinese(text):
        term = rng.choice(STUFF_ZH)
        chars = list(text)
        n = int(rate / (1 - rate) * _units(text) / 2)
        spots = [i for i, c in enumerate(chars) if _CJK.match(c)]
        for _ in range(n):
            chars.insert(rng.choice(spots) + 1, term)
            spots = [i for i, c in enumerate(chars) if _CJK.match(c)]
        return "".join(chars)
    term = rng.choice(STUFFING_WORDS)
    tokens = text.split(" ")
    for _ in range(int(rate / (1 - rate) * _units(text))):
        tokens.insert(rng.randint(0, len(tokens)), term)
    return " ".join(tokens)


DAMAGES: dict[str, Callable[[str, random.Random], str]] = {
    "duplicate": duplicate_paragraphs,
    "paraphrase_pad": paraphrase_pad,
    "shuffle": shuffle_sentences,
    "truncate": truncate_mid_thought,
    "stuff": stuff_keywords,
    "repeat_lines": repeat_lines,
    "rotate_lines": rotate_lines,
    "resplit_copy": resplit_copy,
    "synonym_copy": synonym_copy,
    "one_paragraph": one_paragraph,
    "translation": append_translation,
    "filler": sprinkle_filler,
    "restate": restate_chapters,
    "particles": particle_pad,
    "salad": word_salad,
    "stuff_spread": stuff_spread,
    "stuff_gross": stuff_gross,
    "join_paragraphs": join_paragraphs,
    "echo_paraphrase": echo_paraphrase,
    "off_topic": off_topic_insert,
}


def damage(text: str, kind: str, rng: random.Random) -> str:
    """Apply the named damage (one of ``DAMAGES``)."""
    if kind not in DAMAGES:
        raise ValueError(f"unknown damage '{kind}' (known: {', '.join(DAMAGES)})")
    return DAMAGES[kind](text, rng)
