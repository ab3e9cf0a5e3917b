"""Padding measures, hand-computed: request language, other-language share, particles and
intensifiers, filler sentences, word salad, restated thesis; and each one switched off."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from longwriter_zero.rewards import padding as pad
from longwriter_zero.rewards.padding import PaddingConfig, analyze_padding, is_generic_word, request_language

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("prompt,lang", [
    ("Write an essay about rivers.", "en"),
    ("请写一篇关于河流的文章。", "zh"),
    ("请用英文写一篇关于河流的文章。", "en"),                       # explicit instruction wins over script
    ("Write about the Great Wall in Chinese.", "zh"),
    ("Translate this poem into Chinese and give both versions: ...", "both"),
    ("写一篇中英双语的自我介绍。", "both"),
    ("", ""),
])
def test_request_language(prompt, lang):
    assert request_language(prompt) == lang


def test_other_language_share_hand_computed():
    en = "The river floods every spring and the farmers move their animals uphill."   # 12 tokens
    zh = "河水每年春天都会泛滥。"                                                    # 10 tokens (CJK chars)
    text = f"{en}\n\n{zh}"
    report = analyze_padding(text, "Write about the river.")
    assert report.total_tokens == 22
    assert report.other_language_share == pytest.approx(10 / 22)
    cfg = PaddingConfig()
    assert report.score == pytest.approx(max(0.0, 1 - cfg.slope * (10 / 22 - cfg.tolerance)))
    # the same text for a Chinese request: the English sentence is the other language
    assert analyze_padding(text, "写一写这条河。").other_language_share == pytest.approx(12 / 22)
    # a bilingual request, or the check switched off: nothing is marked
    assert analyze_padding(text, "Write about the river in both English and Chinese.").other_language_share == 0.0
    assert analyze_padding(text, "Write about the river.", PaddingConfig(language=False)).score == 1.0


def test_terms_inside_a_sentence_are_not_another_language():
    # 12 CJK + 2 Latin tokens (Chinese), then 9 Latin + 2 CJK tokens (English)
    text = "我们用Python和PyTorch训练模型，效果很好。\n\nThe town of 周庄 has many canals and old bridges."
    assert analyze_padding(text, "写一篇文章。").other_language_share == pytest.approx(11 / 25)   # only the English line
    assert analyze_padding("我们用Python和PyTorch训练模型，效果很好。", "写一篇文章。").other_language_share == 0.0


def test_particle_excess_hand_computed():
    # 20 CJK characters, 8 of them particles: allowed 10% = 2, excess 6
    text = "我的了啊呢去的了啊呢学校看书写字吃饭睡觉"
    assert len(text) == 20
    report = analyze_padding(text, "写一写你的一天。")
    assert report.particle_share == pytest.approx(6 / 20)
    assert analyze_padding(text, "写一写你的一天。", PaddingConfig(particle_rate=1.0)).particle_share == 0.0


def test_intensifier_excess_hand_computed():
    # 9 words, 4 intensifiers: allowed 3% of 9 = 0.27, excess 3.73
    report = analyze_padding("It was very very really just a nice walk", "Describe a walk.")
    assert report.particle_share == pytest.approx(3.73 / 9)


def test_filler_sentences_hand_computed():
    honest = "The library opens at nine and lends laptops to students."       # 10 tokens
    filler = "It is important to note that this point really matters."        # 10 tokens, all generic
    report = analyze_padding(f"{honest} {filler}", "Write about the library.")
    assert report.filler_share == pytest.approx(10 / 20)
    assert analyze_padding(honest, "Write about the library.").filler_share == 0.0
    assert is_generic_word("considerations") and is_generic_word("mattered") and not is_generic_word("laptops")
    off = PaddingConfig(filler_min_tokens=10**9)
    assert analyze_padding(f"{honest} {filler}", "Write about the library.", off).filler_share == 0.0


def test_chinese_filler_hand_computed():
    honest = "图书馆九点开门，还向学生出借笔记本电脑。"                        # 18 CJK characters
    filler = "众所周知，这个问题非常重要，值得我们深入思考。"                   # 20 CJK characters
    report = analyze_padding(honest + filler, "写一写图书馆。")
    assert report.filler_share == pytest.approx(20 / 38)


def test_word_salad_hand_computed_and_structure_is_not_salad():
    prose = "The harbour opens at six and the boats leave before the sun rises."   # 13 tokens
    salad = "Ochre lantern quarry velvet orbit thistle cobalt harbor meridian saffron."  # 10 tokens
    report = analyze_padding(f"{prose} {salad}", "Describe a harbour.")
    assert report.salad_share == pytest.approx(10 / 23)
    table = "| Model | Screen | Storage | Waterproof | Battery | Price | Weight | Colour |"
    listing = "- ochre lantern quarry velvet orbit thistle cobalt harbor meridian saffron"
    enumeration = "We packed flour, sugar, eggs, butter, salt, yeast, raisins, cinnamon and milk."
    for text in (table, listing, enumeration):
        assert analyze_padding(text, "Write.").salad_share == 0.0, text
    off = PaddingConfig(salad_min_words=10**9)
    assert analyze_padding(f"{prose} {salad}", "Describe a harbour.", off).salad_share == 0.0


def test_pervasive_share_hand_computed():
    # four blocks of 13-14 tokens; "lamp" and "harbour" in every block, other content words unique
    blocks = [
        "the lamp in the harbour burns red for ships at night and in fog",
        "the lamp in the harbour was built from stone and iron long ago",
        "the lamp in the harbour needs oil every evening in the cold winter",
        "the lamp in the harbour still guides fishing boats home safely at dawn",
    ]
    text = "\n\n".join(blocks)
    # content terms per block (stop words dropped): 7, 7, 7, 9 -> 30; lamp + harbour: 8
    assert pad.pervasive_share(text) == pytest.approx(8 / 30)
    assert pad.pervasive_share("\n\n".join(blocks[:3])) == 0.0              # fewer than 4 blocks
    report = analyze_padding(text, "Describe a harbour lamp.")
    assert report.restated_share == 0.0                                    # 8/30 is under the English tolerance
    strict = PaddingConfig(restate_tolerance_en=0.2)
    assert analyze_padding(text, "Describe a harbour lamp.", strict).restated_share == pytest.approx(2 * (8 / 30 - 0.2))
    # a refrain repeated verbatim is not restatement: only its first occurrence counts
    # (content: lamp harbour keeps sailors safe -> 5 terms, 2 of them pervasive)
    refrain = "the lamp in the harbour keeps the sailors safe"
    assert pad.pervasive_share("\n\n".join(b + ".\n" + refrain for b in blocks)) == pytest.approx(10 / 35)


def test_empty_answer():
    report = analyze_padding("", "Write.")
    assert report.score == 1.0 and report.padded_share == 0.0


def test_other_latin_language_for_an_english_request():
    en = "The river floods every spring and the farmers move their animals uphill."        # 12 tokens
    fr = "La rivière déborde chaque printemps et les fermiers mènent leurs bêtes en haut."  # 13 tokens
    report = analyze_padding(f"{en}\n\n{fr}", "Write about the river.")
    assert report.other_language_share == pytest.approx(13 / 25)    # la, et, les, en: 4 French, 0 English
    assert request_language("Écrivez un texte sur la rivière et les fermiers.") == "both"   # not judged
    assert request_language("Write about the river in French.") == "both"


def test_scrambled_words_are_salad_by_grammar():
    # natural share of function words, random order: "the of" and "a in" never occur in English
    scrambled = "animals the of river uphill a in floods every spring farmers move their barns old."
    report = analyze_padding(scrambled, "Write.")
    assert report.salad_share == 1.0
    assert analyze_padding(scrambled, "Write.", PaddingConfig(salad_broken_pairs=10**6)).salad_share == 0.0
    honest = "The farmers move their animals to the old barns in the spring, a habit of the valley."
    assert analyze_padding(honest, "Write.").salad_share == 0.0


def test_unpunctuated_chinese_is_salad():
    honest = "秋天的早晨，是从一层薄雾开始的。推开窗，楼下的梧桐树只露出模糊的轮廓。" * 8     # 31 characters, clauses of 3-15
    salad = "了基人松的是严厉这时次家不许保有己想满了东西少油过时。" * 8                   # one 26-character clause each
    assert analyze_padding(honest, "写一篇短文。").salad_share == 0.0
    report = analyze_padding(honest + salad, "写一篇短文。")
    # 8 * 26 = 208 of 8 * 31 + 208 = 456 characters are in long clauses: 45.6% >= 45%
    assert report.salad_share == pytest.approx(208 / 456)
    assert analyze_padding(honest + salad, "写一篇短文。", PaddingConfig(salad_zh_share=1.01)).salad_share == 0.0


def test_scrambled_block_by_rate_of_impossible_pairs():
    # each sentence holds one impossible pair ("of in", "the and", "to with"): below the per-unit
    # count, but the paragraph has 3 in 39 tokens (7.7% >= 1.5%): the paragraph is salad
    text = ("River barns old of in spring farmers move animals uphill quickly now. "
            "Spring the and floods every valley town when snow melts early. "
            "Farmers walk to with cattle toward high pastures every single year.")
    report = analyze_padding(text, "Write.")
    assert report.salad_share == 1.0
    assert analyze_padding(text, "Write.", PaddingConfig(salad_broken_rate=1.0)).salad_share == 0.0


GLOSSARY = """1. 你好 (nǐ hǎo) — hello. The all-purpose greeting.
2. 多少钱？(duōshao qián?) — how much is it? Useful at markets.
3. 厕所在哪里？(cèsuǒ zài nǎlǐ?) — where is the toilet?"""


def test_glossary_entries_beside_their_term_are_not_another_language():
    # "多少钱？" (3 tokens) and "厕所在哪里？" (5 tokens; "2." and "3." are units of their own) are Chinese
    # units on lines that also hold English: glosses. Line 1's Chinese sits inside an English unit.
    report = analyze_padding(GLOSSARY, "Give me three Chinese travel phrases with English meanings.")
    assert report.other_language_share == 0.0 and report.score == 1.0
    # without the gloss rule the two short Chinese units are marked
    off = analyze_padding(GLOSSARY, "Give me three Chinese travel phrases with English meanings.",
                          PaddingConfig(gloss_max_tokens=0))
    assert off.other_language_share == pytest.approx(8 / off.total_tokens)


def test_a_translated_sentence_on_its_own_line_is_still_another_language():
    en = "The river floods every spring and the farmers move their animals uphill."
    zh = "河水每年春天都会泛滥，农民把牲畜赶到山上。"                        # 19 characters: not a gloss
    report = analyze_padding(f"{en} {zh}", "Write about the river.")
    assert report.other_language_share == pytest.approx(19 / 31)


def test_midclause_particles_hand_computed():
    # 咯 before 家 and 呗 before 有 sit inside the clause; 嘞 before 的 (a particle) and 吧 before 。 do not
    text = "外婆咯家嘞的后院呗有一块菜园。好吧。"
    doc = pad.tokenize_answer(text)
    particle = np.array([t in pad.PARTICLES for t in doc.tokens])
    assert pad.midclause_particles(doc.tokens, doc.sentence, particle) == 2


def test_midclause_particles_count_in_full_and_fail_without_the_check():
    essay = (DATA / "honest_essay_zh.txt").read_text()
    rng = random.Random(3)
    padded = "".join(ch + (rng.choice("嘛呗咯哇") if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.08 else "")
                     for ch in essay)
    report = analyze_padding(padded, "请写一篇文章。")
    cjk = sum(1 for ch in padded if "\u4e00" <= ch <= "\u9fff")
    doc = pad.tokenize_answer(padded)
    mid = pad.midclause_particles(doc.tokens, doc.sentence, np.array([t in pad.PARTICLES for t in doc.tokens]))
    allowance = max(3, 0.01 * cjk)
    assert mid > allowance
    # every particle inside a clause past the allowance is padding; all particles stay under 10%
    assert report.particle_share == pytest.approx((mid - allowance) / report.total_tokens)
    cfg = PaddingConfig()
    assert report.score == pytest.approx(1 - cfg.slope * (report.particle_share - cfg.tolerance)) and report.score < 0.9
    # under the 10% overall particle allowance: without the in-clause check the text passes
    assert analyze_padding(padded, "请写一篇文章。", PaddingConfig(midclause_particles=10**6)).score == 1.0
    # the honest essay: no particle inside a clause above the allowance
    assert analyze_padding(essay, "请写一篇文章。").particle_share == 0.0


KEYWORDS = ("ochre, lantern, quarry, velvet, orbit, thistle, cobalt, harbor, meridian, saffron, juniper, glacier, "
            "pylon, marble, falcon, tundra, ember, quiver, lattice, monsoon, cinder, prairie, walnut, basalt, "
            "cipher, zephyr.")                                                              # 26 words
ENUMERATION = "We packed tents, stoves, maps, torches, ropes, boots, and a first-aid kit."   # 12 tokens


def test_long_keyword_enumerations_are_salad():
    report = analyze_padding(f"{ENUMERATION}\n\n- {KEYWORDS}", "Write about camping.")
    assert report.salad_share == pytest.approx(26 / 38)          # the list item, not the enumeration
    # without the length cap the comma list (and the list item) are exempt as enumerations
    off = analyze_padding(f"{ENUMERATION}\n\n- {KEYWORDS}", "Write about camping.",
                          PaddingConfig(salad_enum_max_words=10**6))
    assert off.salad_share == 0.0


def test_chinese_keyword_lists_are_salad():
    items = "创新、协同、赋能、闭环、抓手、落地、提质、增效、纵深、引领、前瞻、多维、融合"          # 12 、, 26 characters
    text = f"我们准备了帐篷、炉子和地图。\n\n{items}。"                                  # 12 + 26 tokens
    report = analyze_padding(text, "写一写露营。")
    assert report.salad_share == pytest.approx(26 / 38)
    assert analyze_padding(text, "写一写露营。", PaddingConfig(salad_zh_enum_items=0)).salad_share == 0.0
    # the honest minutes' attendee list (4 、) is not one
    assert analyze_padding("出席：刘敏、王磊、赵婷、孙浩、陈晨。", "会议纪要").salad_share == 0.0


def test_requested_word_lists_are_not_salad():
    text = f"{ENUMERATION}\n\n{KEYWORDS}"
    assert analyze_padding(text, "Write about camping.").salad_share > 0
    assert analyze_padding(text, "List twenty-six nouns for a camping word game.").salad_share == 0.0
    items = "创新、协同、赋能、闭环、抓手、落地、提质、增效、纵深、引领、前瞻、多维、融合。"
    assert analyze_padding(items, "列出十三个热门词语。").salad_share == 0.0


# --- round three: invented words, the request quoted, reference lists, spoken tics ---------------

def test_is_english_word_suffixes_hyphens_and_other_letters():
    words = frozenset({"practise", "sea", "glass", "map", "colour"})
    assert pad.is_english_word("practises", words)          # plain suffix
    assert pad.is_english_word("sea-glass", words)          # part by part
    assert pad.is_english_word("map's", words)
    assert pad.is_english_word("zhèlǐ", words)               # pinyin: not judged
    assert not pad.is_english_word("plismu", words)
    assert not pad.is_english_word("sea-plismu", words)
    assert len(pad.english_words()) > 20_000 and "river" in pad.english_words()


def test_invented_units_by_hand():
    words = frozenset({"paper", "map", "bought", "holiday", "walking", "last"})
    tokens = ("the", "last", "paper", "map", "bought", "walking", "holiday",       # unit 0: 0 of 5 unknown
              "plismu", "stour", "bernint", "map", "ciosoul",                        # unit 1: 4 of 5 unknown
              "quack", "quack", "quack", "quack", "map")                             # unit 2: 1 distinct unknown
    starts = np.array([0, 7, 12, 17])
    content = np.array([t not in ("the",) and len(t) >= 3 for t in tokens])
    assert pad.invented_units(tokens, starts, content, PaddingConfig(), words).tolist() == [False, True, False]
    # 4 unknown of 5 = 0.8: below a 0.9 share it is no longer invented
    assert not pad.invented_units(tokens, starts, content, PaddingConfig(pseudo_unknown_share=0.9), words).any()


def test_quoted_units_first_free_then_marked():
    request = ("write", "an", "essay", "on", "paper", "maps")
    tokens = ("write", "an", "essay", "on", "paper", "maps",       # unit 0: all 4 trigrams in the request (free)
              "the", "map", "tore", "along", "its", "crease",      # unit 1: none
              "write", "an", "essay", "on", "paper", "maps")       # unit 2: quoted again: marked
    starts = np.array([0, 6, 12, 18])
    assert pad.quoted_units(tokens, starts, request).tolist() == [False, False, True]
    assert pad.quoted_units(tokens, starts, request, PaddingConfig(quote_free=2)).tolist() == [False, False, False]


def test_reference_lines_past_the_allowance():
    refs = [f"[{i}] Smith, J. Maps and memory[J]. Geography, 2001(3): 10-20." for i in range(1, 11)]
    lines = ["An essay line without a year."] + refs
    marked = pad.reference_lines(lines)
    assert marked.tolist() == [False] + [False] * 8 + [True, True]
    assert not pad.reference_lines(lines[:9]).any()               # eight references: free
    assert pad.reference_lines(["Smith (2019) argued this.", "Jones, A. (2020). Title. pp. 4-9"],
                               PaddingConfig(reference_free_lines=0)).tolist() == [True, True]


def test_spoken_tics_by_hand():
    # "like," 1 + "i mean" 2 + "Well," opener 1 + "kind of" 2 = 6; "this kind of" is a noun phrase
    assert pad.spoken_tic_words("And, like, the map. Well, I mean it kind of works.") == 6
    assert pad.spoken_tic_words("This kind of map is old. The well, dry.") == 0
    assert pad.spoken_clause_chars("反正，我去了。那个，好吧。那个人来了，其实吧，很好。") == 2 + 2 + 3


def test_new_checks_each_move_padding():
    essay = ("The map tore along its crease above the valley. We walked to the church at noon. "
             "Rain came over the ridge by three. ") * 3
    quote = "Write an essay of 600 to 1200 words on what we lose when we stop using paper maps."
    quoted = "\n\n".join([essay] + [f"As the task says: {quote}\n\n{essay}"] * 4)
    on = analyze_padding(quoted, quote, PaddingConfig(frame_share=0.0, edge_frame_share=0.0))   # the quote rule alone
    off = analyze_padding(quoted, quote, PaddingConfig(quote_min_tokens=10 ** 6, frame_share=0.0, edge_frame_share=0.0))
    assert on.filler_share > 0.1 and on.score < off.score and off.filler_share == 0.0
    refs = "\n".join(f"[{i}] Smith, J. Maps[J]. Geography, 2001(3): 10-20." for i in range(1, 30))
    on = analyze_padding(essay + "\n\n" + refs, "Write an essay on paper maps.")
    asked = analyze_padding(essay + "\n\n" + refs, "Write an essay on paper maps with references.")
    assert on.filler_share > 0.3 and asked.filler_share == 0.0
    tics = " ".join(f"Okay, so the map, you know, tore along, like, crease {i}." for i in range(30))
    assert analyze_padding(tics, "Write about maps.").particle_share > 0.2
    assert analyze_padding(tics, "Write about maps.", PaddingConfig(tic_rate=1.0)).particle_share == 0.0
    salad = " ".join(f"The plismu cis stour bernint ciosoul taenrisi plumde {i}." for i in range(30))
    assert analyze_padding(salad, "Write about maps.").salad_share > 0.9
    assert analyze_padding(salad, "Write about maps.", PaddingConfig(pseudo_unknown_share=1.01)).salad_share == 0.0


# --- inserted frames, stock clauses and inline citations ---------------------------------------

_PROSE = ["The bus left the depot at six and crawled past the hospital.",
          "Nobody rode it by choice, and the driver knew most of us by name.",
          "In winter the windows fogged before the second stop.",
          "A woman with a cello case boarded at the library every Tuesday.",
          "We learned the timetable the way children learn a rhyme.",
          "The planners wanted a faster route through the ring road.",
          "My neighbour argued at the meeting that the slow route was the point.",
          "The council voted in March, and the route survived another year.",
          "I still take it when I have time to spare.",
          "Most mornings the same three students sleep against the back window."]


def test_inserted_frames_by_hand():
    # ten prose sentences, each closed by ", touching on X and Y" (a frame in every sentence):
    # every closing clause is marked, 5 tokens each ("touching on topic0 and theme0") = 50
    tails = [s[:-1] + f", touching on topic{i} and theme{i}." for i, s in enumerate(_PROSE)]
    assert pad.inserted_tokens(" ".join(tails)) == 50
    assert pad.inserted_tokens(" ".join(_PROSE)) == 0                       # the same prose without it
    # five framed sentences of ten: under frame_min_sentences (6), free
    assert pad.inserted_tokens(" ".join(tails[:5] + _PROSE[5:])) == 0
    # a quotation framed the same way between sentences: the whole inserted sentence is marked
    quotes = [f'{s} As the saying goes, "Still waters run deep number {i}."' for i, s in enumerate(_PROSE)]
    assert pad.inserted_tokens(" ".join(quotes)) == 10 * 10     # 4 frame + 6 quoted tokens
    # list items share their shape by design: not marked
    assert pad.inserted_tokens("\n".join(f"- {s[:-1]}, touching on X and Y." for s in _PROSE)) == 0


def test_stock_clauses_and_citations_by_hand():
    # a stock clause (function and generic words only) set off in each of ten sentences:
    # 4 tokens each ("as is well known"), the first 4 free -> 6 * 4 = 24
    stock = [s.replace(" ", " — as is well known — ", 1) for s in _PROSE]
    assert pad.inserted_tokens(" ".join(stock)) == 6 * 4
    assert pad.inserted_tokens(" ".join(stock), "", PaddingConfig(stock_clause_free=10)) == 0
    # Chinese: 众所周知 (4) and 说到底 (3) are stock; a clause with a word of its own is not
    zh = "".join(f"第{i}个棋友走了，{'众所周知' if i % 2 else '说到底'}，公园还在。" for i in range(6))
    assert pad.inserted_tokens(zh, "", PaddingConfig(stock_clause_free=0, frame_share=0.0)) == 3 * 4 + 3 * 3
    assert pad.inserted_tokens(zh.replace("说到底", "说到棋"), "", PaddingConfig(stock_clause_free=0, frame_share=0.0)) == 3 * 4
    # inline citations: (Name, Year) after every sentence; 3 free, the shortest ones counted
    cited = " ".join(s[:-1] + f" (Whitcombe, {1990 + i})." for i, s in enumerate(_PROSE))
    assert pad.inserted_tokens(cited) == 7 * 2
    assert pad.inserted_tokens(cited, "Write a literature review with citations.") == 0   # asked for
    zh_cited = "".join(f"孩子能带手机进校园（吴海涛，{1990 + i}，第{i + 2}页）。" for i in range(5))
    assert pad.inserted_tokens(zh_cited, "", PaddingConfig(frame_share=0.0)) == 2 * 7     # 吴海涛 3 + year 1 + 第N页 3


def test_inserted_text_moves_the_padding_score():
    tails = " ".join(s[:-1] + f", touching on topic{i} and theme{i}." for i, s in enumerate(_PROSE))
    on, off = analyze_padding(tails, ""), analyze_padding(tails, "", PaddingConfig(frame_share=0.0))
    assert on.inserted_share > 0.2 and on.score < 0.5 and off.score == 1.0


def test_paragraph_closing_frames_by_hand():
    cfg = PaddingConfig(frame_share=0.0)
    paras = [" ".join(_PROSE[i:i + 2]) for i in range(0, 10, 2)]           # 5 paragraphs of 2 sentences
    # a one-sentence paragraph after each ("This touches on A and B."): 5 of 10 paragraphs, whole sentences
    roundup = "\n\n".join(f"{p}\n\nThis touches on buses{i} and routes{i}." for i, p in enumerate(paras))
    per = len(pad.TOKEN.findall("This touches on buses0 and routes0."))
    assert pad.inserted_tokens(roundup, "", cfg) == 5 * per
    # one opening closing each paragraph inside it: its opening clause (up to the first comma)
    closing = "\n\n".join(f"{p} On balance the route{i} mattered, all said." for i, p in enumerate(paras))
    assert pad.inserted_tokens(closing, "", cfg) == 5 * len(pad.TOKEN.findall("On balance the route0 mattered"))
    # 3 paragraphs are not enough (edge_frame_min 4); nor is 4 of 11 (edge_frame_share 0.4)
    assert pad.inserted_tokens("\n\n".join(f"{p} On balance it mattered." for p in paras[:3]), "", cfg) == 0
    mixed = "\n\n".join([f"{p} On balance it mattered." for p in paras[:4]] + _PROSE[:7])
    assert pad.inserted_tokens(mixed, "", cfg) == 0
    # paragraphs opened by one frame (anaphora) are rhetoric, not counted
    anaphora = "\n\n".join(f"I have a dream that route{i} survives. {p}" for i, p in enumerate(paras))
    assert pad.inserted_tokens(anaphora, "", cfg) == 0
    assert pad.inserted_tokens(roundup, "", PaddingConfig(frame_share=0.0, edge_frame_share=0.0)) == 0


def test_inserted_tokens_weigh_inserted_weight_times_in_the_padded_share():
    # bold labels before 9 of 10 sentences: 9 inserted tokens of n; padded share = weight * 9 / n
    roles = ["Claim", "Evidence", "Example", "Context"]
    text = " ".join(f"**{roles[i % 4]}:** {s}" for i, s in enumerate(_PROSE))
    n = len(pad.TOKEN.findall(text))
    for weight in (1.0, 2.5):
        r = analyze_padding(text, "", PaddingConfig(frame_share=0.0, inserted_weight=weight))
        assert r.inserted_share == pytest.approx(9 / n)
        assert r.padded_share == pytest.approx(weight * 9 / n)
        assert r.score == pytest.approx(max(0.0, 1 - 10 * (weight * 9 / n - 0.04)))


def test_unique_word_windows_by_hand():
    import numpy as np
    # 300 distinct words: one window that never repeats a word -> all 300 marked
    salad = [f"w{i}" for i in range(300)]
    assert pad.unique_word_windows(salad, np.zeros(300, dtype=bool)).sum() == 300
    # the same words with "the" every third token: 200 distinct of 300 (0.67) -> not salad
    mixed = [("the" if i % 3 == 0 else f"w{i}") for i in range(300)]
    assert pad.unique_word_windows(mixed, np.zeros(300, dtype=bool)).sum() == 0
    # shorter than one window: never judged
    assert pad.unique_word_windows(salad[:299], np.zeros(299, dtype=bool)).sum() == 0
    # Chinese: 300 characters whose adjacent bigrams never repeat -> marked; a text cycling
    # through 20 characters repeats its bigrams -> not
    chars = [chr(0x4E00 + i) for i in range(300)]
    assert pad.unique_word_windows(chars, np.ones(300, dtype=bool)).sum() == 300
    cyc = [chr(0x4E00 + i % 20) for i in range(300)]
    assert pad.unique_word_windows(cyc, np.ones(300, dtype=bool)).sum() == 0


def test_salad_in_short_lines_is_padding():
    # 320 distinct real English words (the vocabulary list), set as four-word verse lines:
    # no unit reaches the 8-word salad floor and no word is invented
    vocab = sorted(w for w in pad.english_words() if len(w) >= 5 and w.isalpha() and w not in pad.STOPWORDS)
    words = vocab[::max(1, len(vocab) // 400)][:320]
    assert len(set(words)) >= 320
    verse = "\n\n".join("\n".join(" ".join(words[i + j: i + j + 4]).capitalize() + ","
                                  for j in range(0, 16, 4)) for i in range(0, 320, 16))
    report = analyze_padding(verse, "Write an essay about knives.")
    assert report.salad_share > 0.9 and report.score == 0.0
    off = analyze_padding(verse, "Write an essay about knives.", PaddingConfig(unique_en=1.01))
    assert off.salad_share < 0.1


def test_epigraphs_and_inline_labels_by_hand():
    body = " ".join(_PROSE)
    # a blockquote and its attribution before each of 4 paragraphs: 8 quote lines, 4 free
    epi = "\n\n".join(f"> Whatever you are, be a good one number {i}.\n> — Abraham Lincoln\n\n{body}" for i in range(4))
    per_quote = len(pad.TOKEN.findall("> Whatever you are, be a good one number 0."))
    per_name = len(pad.TOKEN.findall("> — Abraham Lincoln"))
    assert pad.inserted_tokens(epi, "", PaddingConfig(frame_share=0.0, edge_frame_share=0.0)) == 2 * (per_quote + per_name)
    # a label before every sentence inside its paragraph: the labels after the first sentence count
    labelled = " ".join(f"On topic {i}: {s}" for i, s in enumerate(_PROSE))
    assert pad.inserted_tokens(labelled, "", PaddingConfig(frame_share=0.0)) == 9 * 3
    # one line per labelled entry (a glossary, a script's speakers): labels open lines, nothing counted
    assert pad.inserted_tokens("\n".join(f"On topic {i}: {s}" for i, s in enumerate(_PROSE)), "",
                               PaddingConfig(frame_share=0.0)) == 0
    zh = "".join(f"【关于话题{i}】老人每天早上来下棋。" for i in range(10))
    assert pad.inserted_tokens(zh, "", PaddingConfig(frame_share=0.0)) == 9 * 5
    # bold labels in turn before every sentence ("**Claim:**", "**论点：**"): the ones after the first count
    roles = ["Claim", "Evidence", "Example", "Context"]
    bold = " ".join(f"**{roles[i % 4]}:** {s}" for i, s in enumerate(_PROSE))
    assert pad.inserted_tokens(bold, "", PaddingConfig(frame_share=0.0)) == 9
    assert pad.inserted_tokens(bold.replace(":**", "**:"), "", PaddingConfig(frame_share=0.0)) == 9
    zh_bold = "".join(f"**{['论点', '论据', '例证'][i % 3]}：**老人每天早上来下棋。" for i in range(10))
    assert pad.inserted_tokens(zh_bold, "", PaddingConfig(frame_share=0.0)) == 9 * 2
    # bold words inside a sentence, or a bold lead-in opening each line, are not labels
    assert pad.inserted_tokens(" ".join(f"{s} It was **very** good." for s in _PROSE), "",
                               PaddingConfig(frame_share=0.0)) == 0
    assert pad.inserted_tokens("\n".join(f"**{roles[i % 4]}:** {s}" for i, s in enumerate(_PROSE)), "",
                               PaddingConfig(frame_share=0.0)) == 0
    # nor is one after a list item's number ("1. **Sowing:** ...", "2. **移栽**：...")
    assert pad.inserted_tokens("\n".join(f"{i + 1}. **{roles[i % 4]}:** {s}" for i, s in enumerate(_PROSE)), "",
                               PaddingConfig(frame_share=0.0)) == 0
    assert pad.inserted_tokens("\n".join(f"{i + 1}. **移栽{i}**：老人每天早上来下棋。" for i in range(10)), "",
                               PaddingConfig(frame_share=0.0)) == 0
