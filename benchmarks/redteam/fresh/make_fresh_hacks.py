"""Build the second red-team suite (``benchmarks/redteam/fresh``).

    python benchmarks/redteam/fresh/make_fresh_hacks.py

Written after the development suite and kept apart from it: the first detection rules were
tuned on the development suite and measured here once frozen; the second round was tuned on both
(the held-out suite is now ``fresh2/``). Same file layout and row format as the
development suite (see ``../make_hacks.py``), different essays and different hacks: other
filler phrases, other synonym lists, other stuffing terms and particles, and kinds or mixes of
kinds the development suite does not have (filler paragraphs, off-topic padding, every sentence
echoed as a paraphrase, combinatorial template sentences, a Q&A that repeats one answer, a
paragraph-by-paragraph bilingual answer, dialogue of one-word turns, ...).
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from make_hacks import (Essay, Recipe, TRANSFORMS, _add_word, _target, all_sentences, build_suite,  # noqa: E402
                        count_length, fill_to, join_sentences, paragraphs_for, read_essays, replace_words,
                        sentences)

FRESH = Recipe(
    filler={
        "en": [
            "Needless to say, this is a crucial consideration.",
            "Few would dispute how much this matters.",
            "It goes without saying that this is relevant.",
            "This is a matter of real consequence for all of us.",
            "One cannot overlook how essential this is.",
            "That, in a nutshell, is why the point holds.",
        ],
        "zh": [
            "毫无疑问，这一点至关重要。",
            "这是不容忽视的事实。",
            "不得不说，这确实值得关注。",
            "这对我们每个人都意义重大。",
            "说到底，道理就在这里。",
            "这一点无须多言。",
        ],
    },
    added_words={"en": ["basically", "actually", "naturally", "obviously", "simply"],
                 "zh": ["说白了", "事实上", "毫无疑问", "众所周知", "不得不说"]},
    synonyms={
        "en": {
            "wet": "rainy", "afternoon": "midday", "tablet": "device", "child": "kid", "children": "kids",
            "lying": "sprawled", "floor": "carpet", "announcing": "declaring", "nothing": "naught",
            "parents": "mums and dads", "scene": "picture", "feel": "sense", "small": "slight", "guilt": "shame",
            "boredom": "tedium", "failure": "lapse", "care": "attention", "modest": "moderate", "dose": "amount",
            "useful": "helpful", "things": "items", "world": "planet", "offers": "supplies", "endless": "infinite",
            "entertainment": "amusement", "protect": "guard", "purpose": "intent", "same": "identical",
            "uncomfortable": "uneasy", "feeling": "sensation", "attention": "focus",
            "signal": "sign", "hunger": "appetite", "pushes": "drives", "mind": "brain", "look": "search",
            "adult": "grown-up", "fills": "packs", "removes": "strips", "work": "job", "left": "abandoned",
            "usually": "typically", "starts": "begins", "search": "hunt", "interest": "curiosity",
            "follows": "comes next", "surprising": "unexpected", "eventually": "finally", "finds": "locates",
            "cardboard": "paper", "box": "crate", "hours": "spells", "turning": "converting", "stamps": "seals",
            "drawn": "sketched", "teachers": "educators", "researchers": "scholars", "study": "examine",
            "play": "games", "describe": "report", "pattern": "trend", "handed": "given", "activity": "pastime",
            "invent": "devise", "richer": "fuller", "involves": "includes", "planning": "organising",
            "changing": "altering", "rules": "laws", "negotiating": "bargaining", "siblings": "brothers and sisters",
            "solving": "cracking", "problems": "puzzles", "tear": "rip",
            "winter": "cold season", "toaster": "bread grill", "stopped": "ceased", "working": "functioning",
            "years": "winters", "thought": "idea", "order": "buy", "cost": "price", "less": "under",
            "meal": "dinner", "arrived": "came", "morning": "dawn", "instead": "rather", "mostly": "largely",
            "curiosity": "inquisitiveness", "unscrewed": "opened", "base": "bottom", "single": "lone",
            "wire": "cable", "loose": "free", "minutes": "moments", "borrowed": "lent", "screwdriver": "driver",
            "later": "afterwards", "bread": "loaf", "repair": "fix", "changed": "altered", "objects": "items",
            "around": "about", "learning": "studying", "mend": "fix up", "practical": "useful",
            "habits": "routines", "person": "individual", "develop": "build", "argument": "case",
            "simple": "plain", "economics": "finance", "household": "domestic", "goods": "products",
            "cheap": "inexpensive", "replacing": "swapping", "rational": "sensible", "price": "cost",
            "shelf": "rack", "hides": "conceals", "time": "hours", "spent": "used", "choosing": "picking",
            "packaging": "wrapping", "trip": "journey", "dispose": "get rid", "item": "article", "built": "made",
            "solidly": "sturdily", "coins": "pennies", "part": "component", "appliance": "machine",
            "running": "going", "decade": "ten years", "environmental": "ecological", "stronger": "firmer",
            "energy": "power", "materials": "resources", "electric": "electrical", "kettle": "boiler",
            "pair": "set", "boots": "shoes", "mining": "quarrying", "manufacturing": "production",
            "shipping": "transport", "throwing": "tossing", "fixed": "mended", "wastes": "squanders",
            "mountains": "heaps", "waste": "rubbish", "difficult": "hard", "recycle": "reuse",
            "safely": "securely", "phone": "handset", "coat": "jacket", "bicycle": "bike", "stays": "remains",
            "replacement": "substitute",
        },
        "zh": {
            "外婆": "姥姥", "后院": "后园", "菜园": "园子", "篱笆": "栅栏", "藤": "蔓", "小时候": "幼时",
            "暑假": "夏假", "熟悉": "熟识", "地方": "所在", "一年四季": "春夏秋冬", "春天": "春季",
            "嫩绿": "鲜绿", "叶子": "叶片", "夏天": "夏季", "热闹": "喧闹", "番茄": "西红柿", "黄瓜": "青瓜",
            "茄子": "落苏", "辣椒": "海椒", "秋天": "秋季", "萝卜": "菜头", "南瓜": "倭瓜", "屋檐": "房檐",
            "冬天": "冬季", "大白菜": "黄芽菜", "天不亮": "拂晓前", "旧草帽": "破草帽", "拔草": "除草",
            "动作": "手脚", "傍晚": "黄昏", "太阳": "日头", "水桶": "木桶", "扁担": "挑子", "累不累": "辛不辛苦",
            "总是": "向来", "帮忙": "搭手", "常常": "时常", "早上": "清晨", "城市": "都市", "主干道": "干线公路",
            "汽车": "轿车", "半天": "好久", "与此同时": "同一时刻", "骑自行车": "骑单车", "不禁": "忍不住",
            "鼓励": "倡导", "上下班": "通勤", "回答": "答复", "肯定": "确定", "首先": "第一", "缓解": "减轻",
            "交通拥堵": "道路堵塞", "道路": "马路", "面积": "空间", "大约": "大概", "容纳": "容下",
            "高峰": "尖峰", "司机": "驾驶员", "改骑": "换骑", "压力": "负担", "明显": "显著", "受益": "得益",
            "其次": "第二", "有利于": "有益于", "环境": "生态", "尾气": "废气", "污染": "脏污",
            "来源": "源头", "噪音": "噪声", "出行": "外出", "清洁": "干净", "方式": "办法", "再次": "第三",
            "身体": "身子", "好处": "益处", "工作": "上班", "繁忙": "忙碌", "锻炼": "运动",
        },
    },
    particles=["嘛", "呗", "哈", "咯", "哇", "罢了", "而已", "嘞"],
    spread_terms={
        "en": ["sustainable", "innovative", "holistic", "transformative", "resilient", "strategic", "impactful",
               "dynamic", "inclusive", "empowering", "visionary", "robust", "seamless", "synergistic", "pivotal",
               "groundbreaking", "scalable", "actionable", "forward-looking", "purposeful", "agile", "proactive",
               "integrated", "evidence-based", "mindful", "cutting-edge", "vibrant"],
        "zh": ["高质量", "创新", "可持续", "赋能", "协同", "引领", "系统性", "前瞻", "多维", "融合", "闭环",
               "抓手", "落地", "提质", "增效", "纵深", "全方位", "高水平", "新格局", "新动能", "生态化",
               "精准", "数字化", "一体化", "示范", "标杆"],
    },
    gross_terms={"en": ["outstanding work", "truly exceptional"], "zh": ["满分作文", "非常优秀"]},
    foreign_filler={
        "en": ["换句话说，这很关键。", "总之，意义重大。", "显而易见，这一点很有价值。"],
        "zh": ["In short, this really matters.", "Simply put, the point is clear.",
               "To be honest, this is very meaningful."],
    },
    letter={},
)

_TOPICS = {"en": ["phones", "gardens", "trains", "music", "weather", "football", "coffee", "holidays"],
           "zh": ["手机", "花园", "火车", "音乐", "天气", "足球", "咖啡", "假期"]}


def filler_paragraphs(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Essay paragraphs alternating with whole paragraphs of generic filler."""
    out, n = [], 0
    for p in e.paragraphs:
        if n >= _target(e):
            break
        filler = join_sentences(rng.sample(r.filler[e.lang], 4), e.lang)
        out += [p, filler]
        n += count_length(p) + count_length(filler)
    return "\n\n".join(out)


def echo_paraphrase(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Every sentence followed by 'in other words' and its synonym-swapped copy."""
    lead = "换句话说，" if e.lang == "zh" else "In other words, "
    out, n = [], 0
    for p in paragraphs_for(e, 2.1):
        sents = []
        for s in sentences(p, e.lang):
            echo = replace_words(s, r.synonyms[e.lang], e.lang)
            sents += [s, lead + (echo if e.lang == "zh" else echo[0].lower() + echo[1:])]
        out.append(join_sentences(sents, e.lang))
    return "\n\n".join(out)


def shuffled_synonym_copy(e: Essay, rng: random.Random, r: Recipe) -> str:
    """First half, then a synonym-swapped copy with its paragraphs in a shuffled order."""
    half = paragraphs_for(e, 2.0)
    copy = [replace_words(p, r.synonyms[e.lang], e.lang) for p in half]
    rng.shuffle(copy)
    return "\n\n".join(half + copy)


def off_topic_padding(e: Essay, rng: random.Random, r: Recipe, pool: list[str] | None = None) -> str:
    """The essay's first half, then sentences of other essays in the same language (fluent, off topic)."""
    half = paragraphs_for(e, 2.0)
    others = list(pool or [])
    rng.shuffle(others)
    need = _target(e) - count_length("\n\n".join(half))
    extra = fill_to(lambda i: others[i % len(others)], need)
    paras = [join_sentences(extra[j:j + 4], e.lang) for j in range(0, len(extra), 4)]
    return "\n\n".join(half + paras)


def template_sentences(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Sentences assembled from a few slots, every combination different, all saying one thing."""
    if e.lang == "zh":
        a = ["总的来看", "归根结底", "从长远看", "客观地说", "毫无疑问", "平心而论"]
        b = ["这个问题", "这件事情", "这一现象", "这种做法", "这个选择"]
        c = ["关系到每一个人", "值得认真对待", "具有深远的意义", "需要全社会关注", "影响着我们的生活"]
        make = lambda x, y, z: f"{x}，{y}{z}。"                       # noqa: E731
    else:
        a = ["On balance", "In the long run", "Above all", "Seen from any angle", "Without question", "In practice"]
        b = ["this question", "this habit", "this choice", "this idea", "this approach"]
        c = ["affects every one of us", "deserves serious attention", "has far-reaching effects",
             "shapes our daily lives", "calls for a considered response"]
        make = lambda x, y, z: f"{x}, {y} {z}."                      # noqa: E731
    combos = [make(x, y, z) for x in a for y in b for z in c]
    rng.shuffle(combos)
    head = e.paragraphs[:1]
    sents = fill_to(lambda i: combos[i % len(combos)], _target(e) - count_length(head[0]))
    return "\n\n".join(head + [join_sentences(sents[j:j + 5], e.lang) for j in range(0, len(sents), 5)])


def qa_same_answer(e: Essay, rng: random.Random, r: Recipe) -> str:
    """A Q&A whose different questions all get the same answer paragraph."""
    answer = e.paragraphs[0]
    if e.lang == "zh":
        qs = ["为什么这很重要？", "这对普通人意味着什么？", "我们应该怎么看？", "有没有反对意见？", "结论是什么？",
              "从哪里开始？", "谁应当负责？", "未来会怎样？"]
        block = lambda i: f"**问：{qs[i % len(qs)]}**\n答：{answer}"      # noqa: E731
    else:
        qs = ["Why does this matter?", "What does it mean for ordinary people?", "How should we see it?",
              "Are there objections?", "What is the conclusion?", "Where should we start?", "Who is responsible?",
              "What comes next?"]
        block = lambda i: f"**Q: {qs[i % len(qs)]}**\nA: {answer}"       # noqa: E731
    return "\n\n".join(fill_to(block, _target(e)))


def bilingual_interleaved(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Each paragraph followed by its translation, as if a bilingual edition had been asked for."""
    out, n = [], 0
    for p, t in zip(e.paragraphs, e.translation):
        if n >= _target(e):
            break
        out += [p, t]
        n += count_length(p) + count_length(t)
    return "\n\n".join(out)


def modal_particles(e: Essay, rng: random.Random, r: Recipe) -> str | None:
    """Chinese only: modal particles and fillers after most clauses and many words (~35% of the characters)."""
    if e.lang != "zh":
        return None
    out, n = [], 0
    for p in e.paragraphs:
        if n >= _target(e):
            break
        chars = []
        for ch in p:
            chars.append(ch)
            if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.3:
                chars.append(rng.choice(r.particles))
            elif ch in "，。" and rng.random() < 0.8:
                chars.append(rng.choice(["那个", "就是说", "对吧", "嗯"]))
        para = "".join(chars)
        out.append(para)
        n += count_length(para)
    return "\n\n".join(out)


def one_word_dialogue(e: Essay, rng: random.Random, r: Recipe) -> str:
    """The first paragraph, then a 'dialogue' of one- and two-word turns."""
    turns = (["甲：对。", "乙：是的。", "甲：没错。", "乙：确实。", "甲：当然。", "乙：可不是嘛。", "甲：嗯。", "乙：有道理。"]
             if e.lang == "zh" else
             ["A: Yes.", "B: Exactly.", "A: Indeed.", "B: Quite right.", "A: Sure.", "B: Absolutely.", "A: Right.",
              "B: Of course."])
    head = e.paragraphs[0]
    lines = fill_to(lambda i: turns[rng.randrange(len(turns))], _target(e) - count_length(head))
    return head + "\n\n" + "\n".join(lines)


def paragraph_summaries(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Each paragraph followed by a 'summary' that repeats its first two sentences with a filler word added."""
    lead = "本段小结：" if e.lang == "zh" else "To sum up this paragraph: "
    out, n = [], 0
    for p in e.paragraphs:
        if n >= _target(e):
            break
        first = [_add_word(s, rng.choice(r.added_words[e.lang]), rng, e.lang) for s in sentences(p, e.lang)[:2]]
        summary = lead + join_sentences(first, e.lang)
        out += [p, summary]
        n += count_length(p) + count_length(summary)
    return "\n\n".join(out)


def bulleted_fragments(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Fragments of the essay's sentences as bullets with varied markers, cycled."""
    frags = []
    for s in all_sentences(e.paragraphs, e.lang)[:12]:
        if e.lang == "zh":
            frags.append(re.split(r"[，。！？；]", s)[0][:8])
        else:
            frags.append(" ".join(s.split()[:4]).rstrip(",.;:"))
    marks = ["-", "*", "+", "•"]
    return "\n".join(fill_to(lambda i: f"{marks[(i // len(frags)) % 4]} {frags[i % len(frags)]}", _target(e)))


def stuffing_at_sentence_ends(e: Essay, rng: random.Random, r: Recipe) -> str:
    """Gross stuffing of a two-word phrase, appended to the end of every sentence."""
    phrase = r.gross_terms[e.lang]
    out, n = [], 0
    for p in e.paragraphs:
        if n >= _target(e):
            break
        sents = []
        for s in sentences(p, e.lang):
            tail = "，".join(phrase) + "！" if e.lang == "zh" else f"({', '.join(phrase)}!)"
            sents += [s, tail]
        para = join_sentences(sents, e.lang)
        out.append(para)
        n += count_length(para)
    return "\n\n".join(out)


FRESH_TRANSFORMS = {
    "filler_paragraphs": filler_paragraphs,
    "echo_paraphrase": echo_paraphrase,
    "shuffled_synonym_copy": shuffled_synonym_copy,
    "off_topic_padding": off_topic_padding,
    "template_sentences": template_sentences,
    "qa_same_answer": qa_same_answer,
    "bilingual_interleaved": bilingual_interleaved,
    "modal_particles": modal_particles,
    "one_word_dialogue": one_word_dialogue,
    "paragraph_summaries": paragraph_summaries,
    "bulleted_fragments": bulleted_fragments,
    "stuffing_at_sentence_ends": stuffing_at_sentence_ends,
    # development transforms, run with the fresh word lists (other filler, synonyms, terms)
    "filler_sprinkled": TRANSFORMS["filler_sprinkled"],
    "spread_stuffing": TRANSFORMS["spread_stuffing"],
    "mixed_language_padding": TRANSFORMS["mixed_language_padding"],
}
FRESH.kinds = list(FRESH_TRANSFORMS)


def build(folder: Path = HERE) -> dict[str, int]:
    """Rebuild the suite's JSONL files in ``folder`` from its sources."""
    essays = read_essays(folder)
    pools = {lang: [s for x in essays if x.lang == lang for s in all_sentences(x.paragraphs, lang)]
             + [s for x in essays if x.lang != lang for s in all_sentences(x.translation, lang)]
             for lang in ("en", "zh")}

    def off_topic(e, rng, r):
        own = set(all_sentences(e.paragraphs, e.lang))
        return off_topic_padding(e, rng, r, [s for s in pools[e.lang] if s not in own
                                             and s not in set(all_sentences(e.translation, e.lang))])
    transforms = {**FRESH_TRANSFORMS, "off_topic_padding": off_topic}
    return build_suite(folder, FRESH, transforms, seed="fresh")


def main() -> int:
    counts = build()
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
