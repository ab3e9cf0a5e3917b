"""Padding: text that adds length without adding writing (other language, filler, particles, salad).

Repetition (``rewards.repetition``) catches text said twice; this module catches text that says
nothing new in other ways. Each measure marks tokens (length units, see ``text.units``) as
padding; the union is ``padded_share``:

1. **Other language.** The request's language is decided from the prompt
   (``request_language``): an explicit instruction ("in English", "用中文", ...) wins, else the
   script of the request (CJK characters against Latin words). A request that asks for a
   translation or a bilingual text ("bilingual", "translate", "双语", "翻译", "中英", ...) is
   ``both`` and nothing is marked. Otherwise every unit (sentence or line) written in the other
   language is marked: an essay plus its translation counts one half only. A unit is Chinese
   when it holds at least as many CJK characters as Latin words, so English terms inside
   Chinese sentences (and a Chinese name in an English one) are never marked. For an English
   request, a unit with at least three function words of French, Spanish, German, Italian or
   Portuguese (``FOREIGN_FUNCTION``), more than its English ones, is another language too; a
   request written in, or asking for, another language is not judged. A short other-language
   unit (at most ``gloss_max_tokens``) on a short line (at most ``gloss_line_tokens``) that also
   holds the request's language is a gloss beside its term (a phrase list, a glossary) and is
   not marked (``glossed_units``).
2. **Particles and intensifiers.** Chinese modal and structural particles
   (``PARTICLES``: 的 了 啊 呢 吧 呀 嘛 ...) and spoken fillers (``FILLER_ZH``: 就是说, 对吧,
   罢了, ...) above ``particle_rate`` of the CJK characters (honest prose stays near 6%), and
   English intensifiers (``INTENSIFIERS``: very, really, just, ...) above ``intensifier_rate``
   of the Latin words; the excess count is padding. A modal particle directly followed by a
   character of its clause that is not a particle ("外婆咯家嘞的后院": particles end clauses)
   counts in full past ``max(midclause_particles, midclause_rate * CJK characters)``
   (``midclause_particles``).
3. **Filler sentences.** A unit of at least ``filler_min_tokens`` tokens whose content words
   are all generic (``GENERIC_EN``: important, aspect, consider, ...), or a Chinese unit that is
   nothing but stock phrases (``GENERIC_ZH``: 众所周知, 值得注意的是, ...) and function
   characters (at most ``filler_zh_rest`` other characters left), says nothing about the
   subject: it is marked. Honest text has a few such sentences (transitions), which the
   tolerance absorbs; sprinkling them through an answer is caught. (A looser rule, "mostly
   generic and sharing no word with its paragraph", was tried and dropped: it marked short
   literary sentences and dialogue lines of honest answers.)
4. **Word salad.** A unit of at least ``salad_min_words`` Latin words with fewer than
   ``salad_function_share`` function words and at least ``salad_distinct`` distinct words
   (no grammar, no repetition: a string of unrelated words) is marked. (A Chinese analogue, few
   function characters, was dropped: it marked honest minutes, FAQs and news.) Short units, table rows, list items, headings and comma-separated enumerations
   (at least one comma per ``salad_words_per_comma`` words) are never salad, unless longer than
   ``salad_enum_max_words`` (no honest enumeration runs that long); a line with at least
   ``salad_zh_enum_items`` "、" is a Chinese keyword list, salad too. A request for a list of
   words or names keeps its long enumerations. Words in random
   order that keep a natural share of function words are caught by grammar instead: pairs
   English never writes, a determiner followed directly by a function word ("the of", "a the",
   "their is") or two prepositions in a row ("of in", "to with"); a unit with at least
   ``salad_broken_pairs`` of them, or a block (paragraph) with at least one more and at least
   ``salad_broken_rate`` per token, is salad too. Chinese salad of real
   characters in random order keeps natural function-character rates; what it loses is clause
   punctuation: in a Chinese answer of at least ``salad_zh_min_cjk`` characters where clauses of
   ``salad_zh_clause`` characters or more without any punctuation hold at least
   ``salad_zh_share`` of the characters (honest Chinese, tables and glossaries included: at most
   a third), those clauses are salad. Salad of unique words in any layout (verse lines, sorted
   lists) is caught by repetition's absence: a window of ``unique_window`` tokens whose words
   are at least ``unique_en`` distinct (Chinese: adjacent-character bigrams, ``unique_zh``) is
   salad (``unique_word_windows``); honest prose reuses its words within a few hundred tokens.
5. **Restated thesis.** Chapters that say the same thing again in other words share their
   vocabulary: with at least ``restate_min_blocks`` blocks (paragraphs, see
   ``repetition.answer_blocks``), a content term (light-stemmed English word or Chinese bigram)
   is *pervasive* when it occurs in at least ``restate_block_share`` of the blocks. Honest text
   has one or two such topic words (the project's test essays: 1% and 7% of their content
   tokens); an answer that restates one claim chapter after chapter has half its content in
   them. The share of content terms that are pervasive, above ``restate_tolerance_en`` (answers
   mostly in Latin script) or ``restate_tolerance_zh`` (mostly CJK: bigram terms dilute the
   share), times ``restate_scale``, counts as padding.

6. **Inserted text** (``inserted_tokens``): what a template adds to every sentence of
   otherwise honest prose. A clause opening (its first tokens up to a content word) shared by at
   least ``frame_min_sentences`` and ``frame_share`` of the prose sentences, as the first or the
   last clause ("As the saying goes, ...", "..., touching on X and Y", "……，这关系到X和Y"), is
   marked (the whole sentence when it is mostly a quotation); clauses set off inside sentences
   that hold only function and generic words or stock phrases ("— at the end of the day —",
   "，众所周知，") beyond ``stock_clause_free``; blockquote and attribution lines (an epigraph
   before every paragraph) beyond ``quote_free_lines``; labels opening the sentences inside a
   line ("On knife care: ...", "【关于车厢】...") when at least ``label_share`` of the sentences
   carry one; inline citations ("(Smith, 2019)", "（吴海涛，
   2021）") beyond ``citation_free`` unless references are asked for. A request naming a
   repetitive genre (a poem's anaphora, a chant's response) turns the frame measure off.

Score::

    padded_share = (|marked tokens| + particle and intensifier excess) / |tokens| + restatement
    score        = max(0, 1 - slope * max(0, padded_share - tolerance))

so honest text (padding within the 4% tolerance) scores 1.0, an answer that is a tenth padding
scores 0.4 and one that is a seventh padding 0. The format reward multiplies this score in
(``FormatReward(padding=False)`` turns it off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

import numpy as np

from longwriter_zero.rewards.repetition import DEFAULT as REPETITION_DEFAULT
from longwriter_zero.rewards.repetition import answer_blocks
from longwriter_zero.text.units import (CJK, classify_tokens, FUNCTION, LATIN, STOPWORDS, TOKEN, ZH_FUNCTION_CHARS, answer_term_ids,
                                                answer_terms,
                                                is_cjk, split_paragraphs, split_sentences, token_classes,
                                                tokenize_answer)

PARTICLES = frozenset("的了啊呢吧呀嘛哦哈啦哇呐咯噢喔嘞呗啰嗯呃咧哩")
# modal particles close a clause ("好吧。", "你呢？"); one followed directly by another character of
# the clause ("外婆咯家嘞的后院") was put there for length
MODAL_PARTICLES = PARTICLES - frozenset("的了")
# spoken fillers and hedges (Chinese): counted with the particles, against the same allowance
FILLER_ZH = ("就是说", "对吧", "罢了", "而已", "你知道", "怎么说呢", "然后呢", "这个嘛", "那么个")
_FILLER_ZH_RE = re.compile("|".join(map(re.escape, FILLER_ZH)))
INTENSIFIERS = frozenset("""very really just actually basically literally truly quite simply definitely certainly
totally absolutely indeed extremely incredibly honestly clearly obviously essentially""".split())

# content words that carry no subject: a sentence made only of these (and stop words) is filler
GENERIC_EN = frozenset("""
important importance importantly crucial crucially essential essentially vital significant significance
significantly key central critical fundamental fundamentally major matter matters mattered
point points aspect aspects thing things something everything anything nothing fact facts factor factors
issue issues topic topics subject subjects question questions area areas part parts role roles way ways
consider considered considering consideration considerations note noted noting notice worth mind keep kept
remember think thinking thought thoughts know known knowing understand understanding understood see seen
say said saying mention mentioned realize recognize recognise acknowledge reflect reflection reflecting
clear clearly obvious obviously evident evidently certain certainly surely indeed true truly really
actually basically simply definitely absolutely undoubtedly doubt necessary necessarily needed need needs
many much lot lots great deal various variety different differently numerous several countless
everyone everybody someone somebody anyone people person one ones us
make makes making made take takes taking took give gives giving gave play plays playing played
become becomes becoming became get gets getting got go goes going went come comes coming came
overall general generally broad broader broadly whole entire entirely completely fully highly deeply
good better best well truly interesting interestingly remarkable remarkably notable notably
conclusion conclude concluding summary summarize summarise sum short end ultimately finally lastly firstly
secondly thirdly furthermore moreover additionally addition also besides likewise similarly
sense value valuable meaningful relevant relevance regard regarding respect terms context perspective
level levels extent degree nature kind kinds sort sorts type types form forms
attention deserve deserves deserved careful carefully closely close look looking discussion discuss
discussed explore explored exploring examine examined further ever always often sometimes
time times today nowadays world life day days moment present current currently modern
course full fuller whole complete total real actual true simple basic obvious ultimate
idea ideas notion notions concept concepts observation observations statement statements claim claims
argument arguments opinion opinions view views viewpoint belief beliefs approach element elements component
components dimension dimensions facet facets side sides angle angles detail details situation situations
circumstance circumstances case cases agree agreed agreement argue argued believe believed feel felt seem
seems seemed appear appears appeared suggest suggests indicate indicates reveal reveals show shows shown
showed demonstrate demonstrates illustrate illustrates highlight highlights emphasize emphasise emphasized
emphasised stress stressed underscore underscores overstate overstated understate understated exaggerate
exaggerated deny denied ignore ignored overlook overlooked raise raises raised bring brings brought
worthy noteworthy needless unquestionably inevitably naturally ultimately overall never always
anything everyone everything somewhat rather pretty fairly greatly hugely vastly immensely enormously
journey landscape tapestry realm delve delves navigate embark testament pivotal paramount multifaceted
myriad plethora foster fosters resonate resonates holistic crucially society societies humanity everyday
future past change changes progress development growth success goal goals purpose reason reasons answer
answers solution solutions path beginning start effect effects impact impacts influence consequence
consequences implication implications benefit benefits outcome outcomes result results process
fascinating intriguing interest interested story stories lesson lessons remind reminds reminder appreciate
pause moment moments count counts counted closer look looks explore exploring worth lot lots bit
certainly surely arguably undeniably importantly notably essentially fundamentally especially particularly
depth deeper hold holds contribute contributes contribution bigger big larger picture capture captures
essence core heart takeaway takeaways precisely exactly merely simply truth truths reality realities
""".split())
_SUFFIXES = ("ings", "ing", "edly", "ed", "ly", "es", "s")


def is_generic_word(word: str) -> bool:
    """``word`` or its stem (a plain suffix -s/-es/-ed/-ing/-ly removed, or with a final e
    restored) is in ``GENERIC_EN``."""
    if word in GENERIC_EN:
        return True
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            if stem in GENERIC_EN or stem + "e" in GENERIC_EN or (len(stem) > 3 and stem[-1] == stem[-2]
                                                                   and stem[:-1] in GENERIC_EN):
                return True
    return False

GENERIC_ZH = tuple(sorted("""
众所周知 值得注意的是 值得一提的是 需要指出的是 不可否认 毋庸置疑 不言而喻 显而易见 总而言之 综上所述 总的来说
总体而言 换句话说 也就是说 事实上 实际上 在某种程度上 从某种意义上说 一般来说 可以说 可以看出 由此可见
我们可以看到 我们应该 我们必须 我们需要 大家都知道 非常重要 十分重要 极其重要 至关重要 很重要 重要的 重要性
意义重大 深远的影响 不容忽视 引起重视 值得我们 深入思考 认真思考 仔细思考 进一步 更加 非常 十分 特别 尤其
这个问题 这一问题 这个方面 这一方面 这些方面 各个方面 方方面面 各种各样 许多 很多 一些 某些 不同的 各种
一定 确实 的确 真的 当然 其实 总之 因此 所以 然而 同时 此外 另外 首先 其次 最后 最终 总是 始终
值得 注意 关注 重视 思考 认识 理解 了解 知道 看到 发现 认为 觉得 明白 清楚 问题 方面 事情 东西 情况 内容 话题
相信 认同 赞同 同意 看法 观点 意见 想法 应当 对此 对于 进行 深刻 深入 反思 探讨 讨论 整个 全部 一切 所有
关键 核心 根本 本质 重点 所在 正是 就是 意义 作用 影响 价值 关于 有关 可以 能够 需要 必须 应该 还有
可说 这一点 这点 那么 而言 来说 层面 角度 程度 大家 人们 每个人 我们 你们 他们 已经 一直 无疑 毫无疑问
不可否认 不难发现 不难看出 可见 因而 从而 于是 进而 以及 并且 而且 不仅 无论如何 这里 那里 这样 那样
这种 那种 如此 非常之 极为 相当 很多人 许多人 不少人 值得一提 值得注意 需要注意 不可忽略 意味着 说明
不容小觑 不容忽视 忽视 忽略 现象 结论 得出 引发 广泛 自己 看来 显示 表明 体现 反映 揭示 证明 事实 道理
原因 结果 方式 方法 过程 发展 变化 社会 时代 生活 世界 人生 未来 今天 当今 现代 如今 无论 总而言之 简而言之
非同寻常 不同寻常 非同一般 细细品味 品味 回味 琢磨 体会 感悟 启示 思索 深思 深究 细究 具有 其中 这其中 由此
客观地讲 客观地说 客观来说 可以肯定的是 实事求是地说 一般而言 说到底 归根结底 归根到底 在很大程度上 从根本上说
坦白地说 坦率地说 老实说 说实话 严格来说 总体来看 整体而言 某种程度上 不管怎么说 话说回来 换言之 简单来说
具体来说 具体而言 毋庸讳言 不用说 显然 诚然 确切地说 准确地说 一方面 另一方面 在这个意义上 就此而言
""".split(), key=len, reverse=True))
_GENERIC_ZH_RE = re.compile("|".join(map(re.escape, GENERIC_ZH)))
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ZH_CLAUSE_BREAK = re.compile(r"[，。；！？、：,.;!?:\n\s（）()“”‘’「」《》—…|*#-]")
_STRUCTURED_LINE = re.compile(r"^\s*(?:[-*+•#>]|\d+[.)、]|\|.*\|)|\|.*\|")

_BILINGUAL = re.compile(r"bilingual|translat|side[- ]by[- ]side|both (?:in )?(?:english and chinese|chinese and english)"
                        r"|english[- ]chinese|chinese[- ]english|both languages|pinyin"
                        r"|(?:learner|learners|learning|learn|teach|teaching) (?:of )?(?:chinese|mandarin|english)"
                        r"|双语|翻译|译文|中英|英汉|汉英|对照|学英语|学习英语|学中文|学习中文")
# function words of other Latin-script languages (French, Spanish, German, Italian, Portuguese)
# that are not English words: a unit full of them is not English
FOREIGN_FUNCTION = frozenset("""
le la les des du une et est que qui dans pour pas sur avec ce cette il elle nous vous ils sont été être au
aux par plus ne se sa son ses leur très mais ou où comme aussi
el los las del y es una por para con lo como más pero sus al muy está están fue ser hay también
der die das und ist nicht mit den dem des ein eine zu von auf für sich auch es sie er wir ich wird sind
im zum zur oder aber wie noch nur
il di che è della delle degli gli per non con sono questo questa nel alla anche
os da dos das em não uma ao pelo pela são muito também
""".split()) - frozenset(STOPWORDS)
_WANTS_OTHER = re.compile(r"\bin (?:french|spanish|german|italian|portuguese|japanese|korean|russian|arabic)\b"
                          r"|用(?:法语|西班牙语|德语|意大利语|葡萄牙语|日语|韩语|俄语)")
# a request for a list of words or names: long enumerations are the answer, not padding
_WANTS_LIST = re.compile(r"\b(?:list|lists|adjectives|nouns|verbs|names|keywords|synonyms|vocabulary|tags|hashtags)\b"
                         r"|列出|列举|词语|词汇|关键词|名单|清单")
_WANTS_EN = re.compile(r"\bin english\b|用英文|用英语|以英文|以英语|英文写|英语写|英文回答|英语回答|英文撰写|英语撰写")
_WANTS_ZH = re.compile(r"\bin (?:chinese|mandarin)\b|用中文|用汉语|以中文|以汉语|中文写|中文回答|中文撰写")


@dataclass(frozen=True)
class PaddingConfig:
    language: bool = True               # mark units in the other language than the request's
    gloss_max_tokens: int = 8           # an other-language unit this short on a short line that also holds
    gloss_line_tokens: int = 40         # the request's language (at most this many tokens) is a gloss, not padding
    particle_rate: float = 0.10         # Chinese particles allowed, share of CJK characters
    midclause_particles: int = 3        # modal particles inside a clause allowed (more: each one is padding)
    midclause_rate: float = 0.01        # ... or this share of the CJK characters, whichever is larger
    intensifier_rate: float = 0.03      # English intensifiers allowed, share of Latin words
    filler_min_tokens: int = 6          # shorter units are never filler (short dialogue lines)
    filler_zh_rest: int = 2             # non-stock, non-function characters a Chinese filler unit may hold
    salad_min_words: int = 8            # Latin words a unit needs to be judged as salad
    salad_function_share: float = 0.1   # below this share of function words ...
    salad_distinct: float = 0.8         # ... with at least this share of distinct words: salad
    salad_zh_min_cjk: int = 200         # Chinese answers this long are judged for unpunctuated salad:
    salad_zh_clause: int = 20           # clauses of at least this many characters without punctuation
    salad_zh_share: float = 0.45        # holding at least this share of the characters are salad
    salad_words_per_comma: int = 4      # a unit with more commas than words / this is an enumeration
    salad_enum_max_words: int = 24      # ... (and a list item or table cell is structure) up to this many tokens
    salad_zh_enum_items: int = 12       # a line with this many "、" is a Chinese keyword list (0: off)
    salad_broken_pairs: int = 2         # impossible pairs ("the of", "of in") that make a unit salad
    salad_broken_rate: float = 0.015    # ... or a block, at this rate per token (and at least 3)
    restate_min_blocks: int = 4         # blocks needed before restatement is judged
    restate_block_share: float = 0.5    # a term in at least this share of the blocks is pervasive
    restate_tolerance_en: float = 0.32  # pervasive share of the content terms that costs nothing (words)
    restate_tolerance_zh: float = 0.16  # ... (Chinese bigrams: more terms per word, lower shares)
    restate_scale: float = 2.0          # padding per unit of pervasive share above the tolerance
    tolerance: float = 0.04             # padded share that costs nothing
    slope: float = 10.0                 # score = 1 - slope * (padded_share - tolerance)
    inserted_weight: float = 2.5        # an inserted token counts this many times in padded_share: the
                                        # rules mark a pattern repeated by design (>= 6 sentences and a
                                        # fifth of them), so it must cost more than the length it adds
    quote_min_tokens: int = 6           # a unit this long ...
    quote_containment: float = 0.6      # ... with this share of its token trigrams in the request quotes it
    quote_free: int = 1                 # quoted units that cost nothing (restating the task once)
    reference_free_lines: int = 8       # reference-formatted lines that cost nothing (unless asked for)
    pseudo_min_words: int = 4           # an English unit with this many content words ...
    pseudo_unknown_share: float = 0.7   # ... of which this share is no English word is invented words
    pseudo_min_unknown: int = 3         # ... and at least this many
    tic_rate: float = 0.005             # English spoken tics ("you know", "I mean") free, share of words
    frame_min_sentences: int = 6        # a clause opening shared by at least this many sentences ...
    frame_share: float = 0.2            # ... and this share of them is an inserted frame (0: off)
    frame_quote_share: float = 0.5      # a framed sentence this much quotation is all inserted
    edge_frame_min: int = 4             # a clause opening that closes at least this many paragraphs ...
    edge_frame_share: float = 0.4       # ... and this share of them is an inserted frame (0: off)
    stock_clause_tokens: int = 3        # a clause of this many tokens, all stock words or phrases ...
    stock_clause_free: int = 4          # ... set off inside a sentence: this many cost nothing
    unique_window: int = 300            # tokens per window of the repeat test (shorter answers: not judged)
    unique_en: float = 0.85             # distinct words / words in a window at or above this: salad
    unique_zh: float = 0.98             # distinct character bigrams / bigrams (Chinese windows): salad
    quote_free_lines: int = 4           # blockquote and attribution lines that cost nothing
    label_share: float = 0.2            # sentences inside a line opened by a label ("On X:", "【关于X】") ...
    citation_free: int = 3              # inline citations ("(Smith, 2019)") that cost nothing (unless asked for)


DEFAULT = PaddingConfig()


@dataclass
class PaddingReport:
    total_tokens: int
    request_language: str               # "en", "zh", "both" (bilingual allowed) or "" (no signal)
    other_language_share: float         # tokens in units of the other language
    particle_share: float               # excess particles and intensifiers
    filler_share: float                 # tokens in generic filler units
    salad_share: float                  # tokens in word-salad units
    restated_share: float               # pervasive content share above the tolerance
    padded_share: float                 # union (marked tokens + excess counts) / tokens
    score: float
    inserted_share: float = 0.0         # tokens in inserted frames and inline citations


    def parts(self) -> dict[str, float]:
        return {"other_language_share": self.other_language_share, "particle_share": self.particle_share,
                "filler_share": self.filler_share, "salad_share": self.salad_share,
                "restated_share": self.restated_share, "inserted_share": self.inserted_share,
                "padded_share": self.padded_share, "padding": self.score}


_WORDS: frozenset | None = None
_KNOWN: dict[str, bool] = {}


def english_words() -> frozenset:
    """The bundled English word list (``assets/english_words.txt``: the whole-word entries of a
    49K BPE vocabulary, 21.5K words), loaded once."""
    global _WORDS
    if _WORDS is None:
        from importlib.resources import files
        text = files("longwriter_zero").joinpath("assets/english_words.txt").read_text(encoding="utf-8")
        _WORDS = frozenset(w for w in text.split("\n") if w and not w.startswith("#"))
    return _WORDS


def is_english_word(word: str, words: frozenset) -> bool:
    """``word`` (lower case) or its light stem, or it without a plain suffix, is in ``words``;
    hyphenated words part by part; a word with a letter outside a-z (pinyin, accents) is not
    judged (True)."""
    if not word.isascii():
        return True
    word = word.removesuffix("'s")
    if "-" in word or "'" in word:
        return all(is_english_word(p, words) for p in re.split(r"[-']", word) if p)
    if word in words or stem(word) in words:
        return True
    for suffix in ("s", "es", "ed", "d", "ing", "er", "ers", "ly", "ness", "ment", "ise", "ises", "ised"):
        if word.endswith(suffix) and word[: -len(suffix)] in words:
            return True
    return word.replace("ise", "ize").replace("our", "or") in words


def invented_units(tokens, starts: np.ndarray, content: np.ndarray, cfg: PaddingConfig = None,
                   words: frozenset | None = None) -> np.ndarray:
    """[S] units with at least ``pseudo_min_words`` content words (``content`` [T]: Latin, not
    function words, at least 3 letters) of which at least ``pseudo_unknown_share`` and at least
    ``pseudo_min_unknown`` are no English word (``is_english_word``): invented words."""
    cfg = cfg or DEFAULT
    words = english_words() if words is None else words
    n_units = len(starts) - 1
    out = np.zeros(n_units, dtype=bool)
    idx = np.flatnonzero(content)
    if len(idx) == 0:
        return out
    unit_of = np.searchsorted(starts, idx, side="right") - 1
    cache = _KNOWN if words is _WORDS else {}
    if len(cache) > 200_000:
        cache.clear()

    def known(word: str) -> bool:
        out = cache.get(word)
        if out is None:
            out = cache[word] = is_english_word(word, words)
        return out
    unknown = np.fromiter((not known(tokens[i]) for i in idx.tolist()), dtype=bool, count=len(idx))
    n_content = np.bincount(unit_of, minlength=n_units)
    n_unknown = np.bincount(unit_of, weights=unknown, minlength=n_units)
    out = ((n_content >= cfg.pseudo_min_words) & (n_unknown >= cfg.pseudo_min_unknown)
           & (n_unknown >= cfg.pseudo_unknown_share * n_content))
    for s in np.flatnonzero(out).tolist():             # distinct invented words ("quack quack quack" is one)
        out[s] = len({tokens[i] for i in idx[(unit_of == s) & unknown].tolist()}) >= cfg.pseudo_min_unknown
    return out


def quoted_units(tokens, starts: np.ndarray, request_tokens, cfg: PaddingConfig = None) -> np.ndarray:
    """[S] units of at least ``quote_min_tokens`` tokens with at least ``quote_containment`` of their
    token trigrams in the request, past the first ``quote_free`` of them: the request copied in."""
    cfg = cfg or DEFAULT
    n_units = len(starts) - 1
    out = np.zeros(n_units, dtype=bool)
    grams = {tuple(request_tokens[i: i + 3]) for i in range(len(request_tokens) - 2)}
    if not grams:
        return out
    free = cfg.quote_free
    vocab = set(request_tokens)
    in_request = np.fromiter((t in vocab for t in tokens), dtype=bool, count=len(tokens))
    unit_hits = np.add.reduceat(in_request, starts[:-1]) if len(tokens) else np.zeros(n_units)
    unit_len = np.diff(starts)
    for s in np.flatnonzero((unit_len >= cfg.quote_min_tokens)
                            & (unit_hits >= cfg.quote_containment * unit_len)).tolist():
        a, b = int(starts[s]), int(starts[s + 1])
        hits = sum(1 for i in range(a, b - 2) if tuple(tokens[i: i + 3]) in grams)
        if hits >= cfg.quote_containment * (b - a - 2):
            if free > 0:
                free -= 1
            else:
                out[s] = True
    return out


# a reference-list entry: a numbered or bracketed line with a year, or a line with a year in
# parentheses, a Chinese document-type code ([J], [M], ...), pages or a DOI
_REFERENCE = re.compile(r"^\s*(?:\[\d+\]|\d+[.)])\s*\S.*\b(?:1[5-9]|20)\d\d\b"
                        r"|\b(?:1[5-9]|20)\d\d[a-z]?\)|\[[JMCDNRSZ]\]|\bpp?\.\s*\d|\bdoi\b", re.I)
_REFERENCE_ANYWHERE = re.compile(_REFERENCE.pattern, re.I | re.M)
_HAS_DIGIT_OR_DOI = re.compile(r"\d|doi", re.I)
_WANTS_REFERENCES = re.compile(r"reference|bibliograph|citation|\bcite|sources|works cited|literature review"
                               r"|参考文献|文献|引用|书目|出处")


def reference_lines(lines: list[str], cfg: PaddingConfig = None) -> np.ndarray:
    """[L] reference-formatted lines (``_REFERENCE``) past the first ``reference_free_lines``."""
    cfg = cfg or DEFAULT
    hit = np.array([bool(_HAS_DIGIT_OR_DOI.search(line)) and bool(_REFERENCE.search(line)) for line in lines],
                   dtype=bool)
    if hit.sum() <= cfg.reference_free_lines:
        return np.zeros(len(lines), dtype=bool)
    keep = np.flatnonzero(hit)[cfg.reference_free_lines:]
    out = np.zeros(len(lines), dtype=bool)
    out[keep] = True
    return out


# English spoken tics (fillers of talk, not of writing); "kind of" / "sort of" after a determiner
# are a noun phrase ("this kind of map")
_TICS_EN = re.compile(r"\b(?:you know|i mean|okay,? so|like,|right,|basically,|literally,|anyway,|(kind|sort) of)(?![a-z])",
                      re.I)
_NOUN_PHRASE_BEFORE = frozenset("this that the a what any some same every one which no other".split())


# ... and a sentence opened by a bare discourse marker ("Well, ...", "So, ...")
_TIC_OPENER_EN = re.compile(r"(?:^|[.!?]\s+)(?:Well|So|Okay|Ok|Anyway|Now),\s", re.M)


def spoken_tic_words(text: str) -> int:
    """Words inside English spoken tics (``_TICS_EN``, ``_TIC_OPENER_EN``) in ``text``."""
    n = 0
    for m in _TICS_EN.finditer(text):
        if m.group(1) is not None:
            before = _LATIN_WORD.findall(text[max(0, m.start() - 12): m.start()])
            if before and before[-1].lower() in _NOUN_PHRASE_BEFORE:
                continue
        n += len(_LATIN_WORD.findall(m.group(0)))
    return n + len(_TIC_OPENER_EN.findall(text))


# a Chinese clause that is nothing but a spoken discourse marker ("反正，", "那个，", "其实吧，")
_SPOKEN_CLAUSE_ZH = re.compile(r"(?:^|(?<=[，。！？；：、\n]))(?:反正|那个|这个|其实|然后|就是|你知道|怎么说|对|嗯)"
                               r"[吧呢吗啊嘛]?(?=[，。！？；、])", re.M)


def spoken_clause_chars(text: str) -> int:
    """CJK characters in clauses that are only a spoken discourse marker (``_SPOKEN_CLAUSE_ZH``)."""
    return sum(len(m.group(0)) for m in _SPOKEN_CLAUSE_ZH.finditer(text))


def script_counts(text: str) -> tuple[int, int]:
    """(CJK characters, Latin words) in ``text``."""
    return len(_CJK.findall(text)), len(_LATIN_WORD.findall(text))


def request_language(prompt: str) -> str:
    """The language an answer to ``prompt`` should be in: "en", "zh", "both" (a translation or
    bilingual text is asked for) or "" (no text to decide from); see the module docstring."""
    p = prompt.lower()
    if _BILINGUAL.search(p) or _WANTS_OTHER.search(p):
        return "both"
    en, zh = bool(_WANTS_EN.search(p)), bool(_WANTS_ZH.search(p))
    if en and zh:
        return "both"
    if en or zh:
        return "en" if en else "zh"
    cjk, latin = script_counts(prompt)
    if cjk == 0 and latin == 0:
        return ""
    if cjk < latin:
        words = _LATIN_WORD.findall(p)
        if sum(w in FOREIGN_FUNCTION for w in words) > sum(w in STOPWORDS for w in words):
            return "both"                               # another Latin-script language: not judged
    return "zh" if cjk >= latin else "en"


def midclause_particles(tokens, unit: np.ndarray, particle: np.ndarray) -> int:
    """Modal particles (``MODAL_PARTICLES``, among the ``particle`` [T] tokens) followed directly by
    a CJK character of the same unit that is not a particle: inside a clause, where honest text
    does not put them (particles end clauses)."""
    if len(tokens) < 2:
        return 0
    idx = np.flatnonzero(particle[:-1] & (unit[:-1] == unit[1:]))
    return sum(1 for i in idx.tolist() if tokens[i] in MODAL_PARTICLES and is_cjk(tokens[i + 1])
               and tokens[i + 1] not in PARTICLES)


def glossed_units(doc, cjk: np.ndarray, latin: np.ndarray, want: str, cfg: PaddingConfig = DEFAULT) -> np.ndarray:
    """[S] units of at most ``gloss_max_tokens`` tokens on a line of at most ``gloss_line_tokens``
    tokens that also holds text in the request's language (``want``: "en" or "zh") outside the
    unit: a parallel entry (a term and its translation, a glossary or phrase list), never padding.
    A translated copy of an essay puts whole paragraphs or sentences in the other language."""
    starts = doc.sentence_starts
    n_units = len(starts) - 1
    own = latin if want == "en" else cjk
    line = doc.line
    line_len = np.bincount(line)
    line_own = np.bincount(line, weights=own, minlength=len(line_len))
    unit_len = np.diff(starts)
    unit_own = np.bincount(doc.sentence, weights=own, minlength=n_units)
    unit_line = line[starts[:-1]]
    return ((unit_len <= cfg.gloss_max_tokens) & (line_len[unit_line] <= cfg.gloss_line_tokens)
            & (line_own[unit_line] - unit_own > 0))


def _is_generic_zh(unit: str, cfg: PaddingConfig = None) -> bool:
    """A Chinese unit made of stock phrases (``GENERIC_ZH``) and function characters only."""
    rest = _GENERIC_ZH_RE.sub("", unit)
    return sum(1 for c in _CJK.findall(rest) if c not in ZH_FUNCTION_CHARS) <= (cfg or DEFAULT).filler_zh_rest


_PAD_PARTICLE, _PAD_INTENSIFIER, _PAD_GENERIC, _PAD_FOREIGN, _PAD_DET, _PAD_NOT_AFTER_DET, _PAD_PREP = \
    1, 2, 4, 8, 16, 32, 64
# a determiner is followed by a noun phrase, never by one of these: "the of", "a the", "my is";
# and one preposition never directly follows another: "of in", "to with"
DETERMINERS = frozenset("the a an my your our their its".split())
NOT_AFTER_DETERMINER = frozenset("""the a an of to in on at by for with from and or but nor is are was were be been
am do does did he she it they we i you not which who whom than then because if""".split())
PREPOSITIONS = frozenset("of to in on at by for with from".split())
_PAD_CACHE: dict[str, int] = {}
_GENERIC_ZH_CHARS = frozenset("".join(GENERIC_ZH))


def _pad_class(token: str) -> int:
    if is_cjk(token):
        return (_PAD_PARTICLE if token in PARTICLES else 0) | (_PAD_GENERIC if token in _GENERIC_ZH_CHARS else 0)
    return ((_PAD_INTENSIFIER if token in INTENSIFIERS else 0) | (_PAD_GENERIC if is_generic_word(token) else 0)
            | (_PAD_FOREIGN if token in FOREIGN_FUNCTION else 0) | (_PAD_DET if token in DETERMINERS else 0)
            | (_PAD_NOT_AFTER_DET if token in NOT_AFTER_DETERMINER else 0)
            | (_PAD_PREP if token in PREPOSITIONS else 0))


def _pad_classes(tokens) -> np.ndarray:
    return classify_tokens(tokens, _PAD_CACHE, _pad_class)


# a clause ends at a comma, colon, semicolon or dash (English and Chinese punctuation)
_CLAUSE_SPLIT = re.compile(r"[,;:，；：、]|\s[-–—]+\s|——|—")
_BLANK_LINE = re.compile(r"\n\s*\n")
_QUOTE_LINE = re.compile(r"^\s*(?:>|[—–]{1,2}\s*\S|--\s*\S)")
# a short label (at most 5 words, or a bracketed tag) opening a sentence that follows another sentence on its line
# (or a bold one in either language: "**Claim:**", "**论点：**", "**Claim**:")
_INLINE_LABEL = re.compile(r"(?:(?<=[.!?。！？”\"])\s*)(?P<label>【[^】\n]{1,16}】|\[[^\]\n]{1,24}\]"
                           r"|(?:\*\*|__)[^*_\n:：]{1,24}(?:[:：](?:\*\*|__)|(?:\*\*|__)\s?[:：])"
                           r"|(?<=[.!?”\"]\s)[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,4}:(?=\s))")
# what opens a list item ("1. ", "b) "): a label after it opens the item's line
_LIST_MARKER = re.compile(r"\s*(?:[-*+•]\s*)?(?:\d{1,3}|[A-Za-z])[.)]\s*")
_QUOTED = re.compile(r"“[^”]*(?:”|$)|「[^」]*(?:」|$)|『[^』]*(?:』|$)|\"[^\"\n]*(?:\"|$)")   # a closing mark may end the sentence
# an inline citation: a parenthesis or bracket holding a name (or names) and a year, optional page
_CITATION = re.compile(
    r"[(\[（［【]\s*(?:[A-Z][\w'’\-]+(?:\s+(?:and|&)\s+[A-Z][\w'’\-]+|\s+et al\.?)?"
    r"|[\u4e00-\u9fff]{2,4}(?:[、和与][\u4e00-\u9fff]{2,4})*(?:等)?)"
    r"\s*[,，]\s*(?:1[5-9]|20)\d\d[a-z]?(?:\s*[,，]\s*(?:pp?\.\s*\d+(?:[-–]\d+)?|第\s*\d+\s*页))?"
    r"(?:\s*[;；]\s*[^)\]）］】]{2,40})*\s*[)\]）］】]")


_FRAME_FUNCTION = STOPWORDS | ZH_FUNCTION_CHARS
_FRAME_LEAD = " \t\"“‘'(*[【—–-"
_STOCK_MAX_CHARS = 48


def _frame(clause: str, function_words: frozenset) -> tuple[str, ...] | None:
    """A clause's opening: its first tokens up to and including the first content token (at
    most 4 tokens; 3 characters for Chinese), or None when it has none."""
    tokens = [m.group(0).lower() for m in islice(TOKEN.finditer(clause), 5)]   # the opening is all it needs
    if not tokens:
        return None
    if is_cjk(tokens[0]):
        return tuple(tokens[:3]) if len(tokens) >= 4 else None
    for i, tok in enumerate(tokens[:4]):
        if tok not in function_words and not tok.isdigit():
            return tuple(tokens[:max(2, i + 1)]) if len(tokens) > max(2, i + 1) else None
    return None


def unique_word_windows(tokens, cjk: np.ndarray, cfg: PaddingConfig = DEFAULT) -> np.ndarray:
    """[T] tokens in windows of ``unique_window`` tokens that almost never repeat a word: the
    distinct share of the window's words (mostly Latin) at least ``unique_en``, or of its
    adjacent-character bigrams (mostly CJK) at least ``unique_zh``. Honest prose reuses its
    function words and common words in every few hundred tokens (the red-team essays and corpora:
    at most 0.65 distinct words, 0.95 distinct bigrams per 300); strings of unique words, in
    whatever layout, do not. Windows tile the answer, the last one ending at its end."""
    total, w = len(tokens), cfg.unique_window
    out = np.zeros(total, dtype=bool)
    if total < w:
        return out
    ids = np.fromiter(map(hash, tokens), dtype=np.int64, count=total)     # equal tokens, equal ids
    pair = np.zeros(total, dtype=bool)
    pair[:-1] = cjk[:-1] & cjk[1:]                    # a bigram of two CJK characters starts here
    grams = ids.copy()
    with np.errstate(over="ignore"):
        grams[:-1] = ids[:-1] * np.int64(1000003) ^ ids[1:]
    starts = list(range(0, total - w + 1, w))
    if starts[-1] + w < total:
        starts.append(total - w)
    for a in starts:
        b = a + w
        if cjk[a:b].sum() * 2 > w:
            g = grams[a:b - 1][pair[a:b - 1]]
            hit = len(g) >= w // 2 and len(np.unique(g)) >= cfg.unique_zh * len(g)
        else:
            g = ids[a:b][~cjk[a:b]]
            hit = len(g) >= w // 2 and len(np.unique(g)) >= cfg.unique_en * len(g)
        if hit:
            out[a:b] = True
    return out


def _edge_frame_tokens(answer: str, already: set, cfg: PaddingConfig) -> int:
    """Tokens of sentences that close a paragraph with one recurring clause opening, in at least
    ``max(edge_frame_min, edge_frame_share * paragraphs)`` paragraphs ("This touches on A, B and
    C." after every paragraph; "TL;DR: ..." closing each): the whole sentence when it is its
    paragraph or mostly quotation, else its opening clause. Sentences in ``already`` are skipped."""
    if cfg.edge_frame_share <= 0:
        return 0
    blocks = [b for b in _BLANK_LINE.split(answer) if TOKEN.search(b)]
    need = max(cfg.edge_frame_min, cfg.edge_frame_share * len(blocks))
    if len(blocks) < need:
        return 0
    # per paragraph, its last sentence (anaphora opening paragraphs is rhetoric), grouped by the frame
    # of its opening clause: (sentence, the whole paragraph, opening clause)
    groups: dict[tuple, list[tuple[str, bool, str]]] = {}
    for block in blocks:
        sents = [x for line in block.split("\n") if TOKEN.search(line) and not _STRUCTURED_LINE.search(line)
                 for x in split_sentences(line)]
        if not sents:
            continue
        first = next((c for c in _CLAUSE_SPLIT.split(sents[-1]) if TOKEN.search(c)), "")
        frame = _frame(first, _FRAME_FUNCTION)
        if frame:
            groups.setdefault(frame, []).append((sents[-1], len(sents) == 1, first))
    total = 0
    for members in groups.values():
        if len(members) < need:
            continue
        for sentence, alone, first in members:
            if sentence in already:
                continue
            n = len(TOKEN.findall(sentence))
            quoted = sum(len(TOKEN.findall(q)) for q in _QUOTED.findall(sentence))
            total += n if alone or quoted >= cfg.frame_quote_share * n else len(TOKEN.findall(first))
    return total


def inserted_tokens(answer: str, prompt: str = "", cfg: PaddingConfig = DEFAULT) -> int:
    """Tokens of text inserted into sentences by a template: clause openings that recur across
    at least ``max(frame_min_sentences, frame_share * sentences)`` sentences, at the start of the
    sentence ("As the saying goes, ...", "正如古人所说：...") or at the start of its last clause
    ("..., touching on X and Y", "……，这关系到X和Y"), mark that clause (the whole sentence when
    it is mostly quotation); clauses set off inside a sentence that hold nothing but stock words
    or phrases, past ``stock_clause_free``; and inline citations past ``citation_free`` (unless
    the request asks for references). List items and table rows are left out. Honest prose
    varies its sentence openings; a policy that pads every sentence with the same frame does not."""
    total = 0
    # prose sentences: list items and table rows repeat their shape by design
    sentences = [s for line in answer.split("\n") if TOKEN.search(line) and not _STRUCTURED_LINE.search(line)
                 for s in split_sentences(line)]
    clauses = [[c for c in _CLAUSE_SPLIT.split(s) if TOKEN.search(c)] for s in sentences]
    # stock clauses set off inside sentences ("— by and large —", "，众所周知，"): every token a
    # function word or a generic one, or nothing but stock phrases (Chinese)
    stock = []
    for parts in clauses:
        for c in parts[1:]:
            if len(c) > _STOCK_MAX_CHARS:             # no stock phrase runs this long
                continue
            toks = TOKEN.findall(c.lower())
            if len(toks) < cfg.stock_clause_tokens:
                continue
            if is_cjk(toks[0]):
                rest = "".join(ch for ch in _GENERIC_ZH_RE.sub("", c) if ch not in ZH_FUNCTION_CHARS)
                if not _CJK.search(rest):
                    stock.append(len(toks))
            elif all(t in STOPWORDS or is_generic_word(t) for t in toks):
                stock.append(len(toks))
    total += sum(sorted(stock)[: max(0, len(stock) - cfg.stock_clause_free)])
    marked: dict[int, int] = {}         # sentence -> its tokens marked by a sentence frame
    if cfg.frame_share > 0:
        need = max(cfg.frame_min_sentences, cfg.frame_share * len(sentences))
        # clauses grouped first by their first three characters (equal frames share them), the
        # frame itself computed only inside groups large enough to matter
        coarse: tuple[dict, dict] = ({}, {})
        for i, parts in enumerate(clauses):
            if parts:
                coarse[0].setdefault(parts[0].lstrip(_FRAME_LEAD)[:3].lower(), []).append(i)
                if len(parts) >= 2:
                    coarse[1].setdefault(parts[-1].lstrip(_FRAME_LEAD)[:3].lower(), []).append(i)
        for groups, where in zip(coarse, (0, -1)):
            frames: dict[tuple, list[int]] = {}
            for members in groups.values():
                if len(members) >= need:
                    for i in members:
                        frame = _frame(clauses[i][where], _FRAME_FUNCTION)
                        if frame:
                            frames.setdefault(frame, []).append(i)
            for idx in frames.values():
                if len(set(idx)) < need:
                    continue
                for i in idx:
                    sentence = sentences[i]
                    n = len(TOKEN.findall(sentence))
                    quoted = sum(len(TOKEN.findall(q)) for q in _QUOTED.findall(sentence))
                    count = n if quoted >= cfg.frame_quote_share * n else len(TOKEN.findall(clauses[i][where]))
                    marked[i] = max(marked.get(i, 0), count)
        total += sum(marked.values())
    total += _edge_frame_tokens(answer, {sentences[i] for i in marked}, cfg)
    # quotations set apart (blockquote lines, attribution lines) past a free allowance
    quote_lines = [line for line in answer.split("\n") if _QUOTE_LINE.match(line) and TOKEN.search(line)]
    if len(quote_lines) > cfg.quote_free_lines:
        total += sum(len(TOKEN.findall(line)) for line in quote_lines[cfg.quote_free_lines:])
    # labels opening sentences inside a line ("On knife care: ...", "【关于车厢】..."): a speaker's
    # name or a glossary term opens a line; a label before every sentence of a paragraph is inserted
    inline = [m for line in answer.split("\n") if ":" in line or "：" in line or "】" in line or "]" in line
              for m in _INLINE_LABEL.finditer(line) if not _LIST_MARKER.fullmatch(line[:m.start()])]
    if cfg.label_share > 0 and len(inline) >= max(cfg.frame_min_sentences, cfg.label_share * len(sentences)):
        total += sum(len(TOKEN.findall(m.group("label"))) for m in inline)
    if not _WANTS_REFERENCES.search(prompt.lower()):
        cites = _CITATION.findall(answer)
        if len(cites) > cfg.citation_free:
            total += sum(len(TOKEN.findall(c)) for c in sorted(cites, key=len)[: len(cites) - cfg.citation_free])
    return total



def analyze_padding(answer: str, prompt: str = "", cfg: PaddingConfig = DEFAULT,
                    repeated: np.ndarray | None = None) -> PaddingReport:
    """Padding measures of one answer against its request (formulas in the module docstring).
    ``repeated`` [T]: tokens the repetition measure flagged (refrains included), left out of the
    particle, intensifier and restatement measures (by default, for restatement, units that
    repeat an earlier unit exactly)."""
    doc = tokenize_answer(answer)
    tokens = doc.tokens
    total = len(tokens)
    want = request_language(prompt) if cfg.language else "both"
    if total == 0:
        return PaddingReport(0, want, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    classes = token_classes(answer)
    pad = _pad_classes(tokens)
    cjk = (classes & CJK).astype(bool)
    latin = (classes & LATIN).astype(bool)
    func = (classes & FUNCTION).astype(bool)
    generic = (pad & _PAD_GENERIC).astype(bool)
    starts = doc.sentence_starts
    unit = doc.sentence
    n_units = len(starts) - 1
    unit_len = np.diff(starts)

    def per_unit(mask: np.ndarray) -> np.ndarray:
        return np.bincount(unit, weights=mask, minlength=n_units)

    unit_cjk, unit_latin = per_unit(cjk), per_unit(latin)

    # 1. other language
    other = np.zeros(n_units, dtype=bool)
    if want == "en":
        foreign = per_unit((pad & _PAD_FOREIGN).astype(bool))
        english_func = per_unit(latin & func)
        other = ((unit_cjk > 0) & (unit_cjk >= unit_latin)) | ((foreign >= 3) & (foreign > english_func))
    elif want == "zh":
        other = (unit_latin > 0) & (unit_latin > unit_cjk)
    if other.any():
        other &= ~glossed_units(doc, cjk, latin, want, cfg)

    # 2. particles and intensifiers: excess counts
    # (in text said once: a chorus repeated with its particles is repetition's business)
    fresh = ~repeated if repeated is not None and len(repeated) == total else np.ones(total, dtype=bool)
    particle = (pad & _PAD_PARTICLE).astype(bool) & fresh
    n_cjk = int((cjk & fresh).sum())
    mid = midclause_particles(tokens, unit, particle)
    inserted = max(0, mid - max(cfg.midclause_particles, cfg.midclause_rate * n_cjk))
    spoken = (sum(len(m.group(0)) for m in _FILLER_ZH_RE.finditer(answer)) + spoken_clause_chars(answer)
              if n_cjk else 0)
    particles = int(np.count_nonzero(particle)) - (mid if inserted else 0) + spoken
    intens = int(np.count_nonzero((pad & _PAD_INTENSIFIER).astype(bool) & fresh))
    n_latin = int((latin & fresh).sum())
    excess = (inserted + max(0.0, particles - cfg.particle_rate * n_cjk)
              + max(0.0, intens - cfg.intensifier_rate * n_latin))
    if n_latin and want != "zh":
        excess += max(0.0, spoken_tic_words(answer) - cfg.tic_rate * n_latin)

    # 3. filler: every content word generic (English); stock phrases only (Chinese candidates)
    english = unit_latin > unit_cjk
    long_enough = unit_len >= cfg.filler_min_tokens
    words = per_unit(latin & ~func)
    filler = english & long_enough & (words > 0) & (per_unit(latin & ~func & generic) == words)
    zh_rest = per_unit(cjk & ~func & ~generic)          # characters outside every stock phrase
    for s in np.flatnonzero(~english & long_enough & (unit_cjk >= 6) & (zh_rest <= cfg.filler_zh_rest)):
        filler[s] = _is_generic_zh("".join(tokens[starts[s]: starts[s + 1]]), cfg)

    # 4. salad: few function words, many distinct words; lines that are structure never are
    n_func = per_unit(func)
    wants_list = bool(_WANTS_LIST.search(prompt.lower()))
    # determiner followed by a function word inside one unit: "the of", "a the" (random word order)
    broken = np.zeros(total, dtype=bool)
    if total > 1:
        same_unit = unit[1:] == unit[:-1]
        broken[1:] = same_unit & ((((pad[:-1] & _PAD_DET) > 0) & ((pad[1:] & _PAD_NOT_AFTER_DET) > 0))
                                  | (((pad[:-1] & _PAD_PREP) > 0) & ((pad[1:] & _PAD_PREP) > 0)))
    scrambled = english & ~filler & (unit_latin >= cfg.salad_min_words) & (per_unit(broken) >= cfg.salad_broken_pairs)
    # ... or summed over a block: random order breaks a pair every few dozen words
    for a, b in answer_blocks(doc, REPETITION_DEFAULT):
        n_broken = int(broken[a:b].sum())
        if n_broken >= cfg.salad_broken_pairs + 1 and n_broken >= cfg.salad_broken_rate * (b - a):
            block_units = np.unique(unit[a:b])
            scrambled[block_units] |= english[block_units]
    en_cand = (english & ~filler & (unit_latin >= cfg.salad_min_words)
               & (n_func < cfg.salad_function_share * unit_latin))
    zh_cand = np.zeros(n_units, dtype=bool)
    salad = scrambled.copy()
    candidates = np.flatnonzero((en_cand | zh_cand) & ~scrambled)
    if len(candidates):
        lines = [line for line in answer.split("\n") if TOKEN.search(line)]
        line_words = np.bincount(doc.line)
        for s in candidates:
            a, b = int(starts[s]), int(starts[s + 1])
            line = lines[doc.line[a]]
            too_long = b - a > cfg.salad_enum_max_words and not wants_list  # no honest enumeration runs this long
            if _STRUCTURED_LINE.search(line) and not too_long:
                continue
            share = min(1.0, (b - a) / line_words[doc.line[a]])      # the unit's share of its line
            if en_cand[s]:
                salad[s] = ((too_long or line.count(",") * share * cfg.salad_words_per_comma < b - a)
                            and len(set(tokens[a:b])) >= cfg.salad_distinct * (b - a))
            else:
                salad[s] = (line.count("、") + line.count("，")) * share < unit_cjk[s] / 8
    # Chinese keyword lists: a line enumerating more items with "、" than any honest sentence does
    if cfg.salad_zh_enum_items and not wants_list and answer.count("、") >= cfg.salad_zh_enum_items:
        all_lines = [line for line in answer.split("\n") if TOKEN.search(line)]
        listed = np.array([line.count("、") >= cfg.salad_zh_enum_items for line in all_lines])
        if listed.any():
            salad |= listed[doc.line[starts[:-1]]] & ~english
    # invented words (English answers)
    if want != "zh" and unit_latin.sum() > unit_cjk.sum():
        content = latin & ~func & (np.fromiter((len(t) for t in tokens), dtype=np.int64, count=total) >= 3)
        salad |= english & (unit_cjk == 0) & invented_units(tokens, starts, content, cfg)
    # the request copied in, and reference lists beyond an allowance, say nothing new
    if prompt:
        filler |= quoted_units(tokens, starts, tokenize_answer(prompt).tokens, cfg)
    # (one scan of the whole answer first: most answers hold no more candidates than the allowance)
    if (not _WANTS_REFERENCES.search(prompt.lower())
            and sum(1 for _ in _REFERENCE_ANYWHERE.finditer(answer)) > cfg.reference_free_lines):
        all_lines = [line for line in answer.split("\n") if TOKEN.search(line)]
        refs = reference_lines(all_lines, cfg)
        if refs.any():
            filler |= refs[doc.line[starts[:-1]]]
    marked = other | filler | salad
    # word salad of unique words in any shape (stanzas, lists, sorted): windows that never repeat
    unique = np.zeros(total, dtype=bool) if wants_list else unique_word_windows(tokens, cjk, cfg)
    unique &= ~marked[unit]
    marked_tokens = float(unit_len[marked].sum()) + float(unique.sum())
    # Chinese without clause punctuation: characters strung together past any sentence shape
    zh_salad = 0.0
    if unit_cjk.sum() >= cfg.salad_zh_min_cjk and want != "en":
        clauses = [len(_CJK.findall(c)) for c in _ZH_CLAUSE_BREAK.split(answer)]
        long_chars = sum(c for c in clauses if c >= cfg.salad_zh_clause)
        if long_chars >= cfg.salad_zh_share * sum(clauses):
            zh_salad = float(long_chars)
    marked_tokens += zh_salad
    inserted = float(inserted_tokens(answer, prompt, cfg))
    marked_tokens += cfg.inserted_weight * inserted
    tolerance = cfg.restate_tolerance_zh if unit_cjk.sum() > unit_latin.sum() else cfg.restate_tolerance_en
    restated = cfg.restate_scale * max(0.0, pervasive_share(answer, cfg, repeated) - tolerance)
    padded_share = min(1.0, (marked_tokens + excess) / total + restated)
    score = max(0.0, 1.0 - cfg.slope * max(0.0, padded_share - cfg.tolerance))
    return PaddingReport(total, want, float(unit_len[other].sum()) / total, excess / total,
                         float(unit_len[filler].sum()) / total,
                         (float(unit_len[salad].sum()) + float(unique.sum()) + zh_salad) / total,
                         restated, padded_share, score, inserted / total)


_STEMS: dict[str, str] = {}


def stem(word: str) -> str:
    """A light English stem (one plain suffix removed) so that "library" and "libraries" meet."""
    out = _STEMS.get(word)
    if out is None:
        out = word
        for suffix in ("ies", "es", "s", "ing", "ed", "ly"):
            if word.endswith(suffix) and len(word) > len(suffix) + 3:
                out = word[: -len(suffix)]
                break
        if len(_STEMS) > 200_000:
            _STEMS.clear()
        _STEMS[word] = out
    return out


def pervasive_share(answer: str, cfg: PaddingConfig = DEFAULT, repeated: np.ndarray | None = None) -> float:
    """Share of the content tokens (of blocks) whose term occurs in at least
    ``restate_block_share`` of the answer's blocks; 0 with fewer than ``restate_min_blocks``.
    Tokens in ``repeated`` (default: units that repeat an earlier unit exactly) are left out:
    repetition is the repetition measure's business."""
    doc = tokenize_answer(answer)
    rep = REPETITION_DEFAULT
    blocks = [(a, b) for a, b in answer_blocks(doc, rep) if b - a >= rep.min_paragraph_tokens]
    if len(blocks) < cfg.restate_min_blocks:
        return 0.0
    # units said before (refrains, choruses, copies) are repetition's business, not restatement
    if repeated is not None:
        said_before = repeated
    else:
        seen: set = set()
        said_before = np.zeros(len(doc.tokens), dtype=bool)
        starts = doc.sentence_starts
        for s in range(len(starts) - 1):
            key = doc.tokens[starts[s]: starts[s + 1]]
            if key in seen:
                said_before[starts[s]: starts[s + 1]] = True
            seen.add(key)
    all_terms, pos = answer_terms(answer)
    if len(pos) == 0:
        return 0.0
    ids = answer_term_ids(answer)
    # stem id of each distinct term, then of each term occurrence
    first = np.unique(ids, return_index=True)[1]
    stem_ids: dict[str, int] = {}
    stem_of = np.fromiter((stem_ids.setdefault(stem(all_terms[i]), len(stem_ids)) for i in first),
                          dtype=np.int64, count=len(first))[ids]
    starts = np.array([a for a, _ in blocks]); ends = np.array([b for _, b in blocks])
    block_of = np.searchsorted(starts, pos, side="right") - 1
    keep = (block_of >= 0) & (pos < ends[np.maximum(block_of, 0)]) & ~said_before[pos]
    block_of, stem_of = block_of[keep], stem_of[keep]
    if len(stem_of) == 0:
        return 0.0
    width = len(stem_ids)
    pairs = np.unique(block_of * width + stem_of)                 # (block, stem) present
    df = np.bincount(pairs % width, minlength=width)
    pervasive = df >= max(3, cfg.restate_block_share * len(blocks))
    return float(pervasive[stem_of].mean())
