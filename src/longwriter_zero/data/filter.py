"""Keep first-turn requests that ask for substantial written work; drop the rest, with a reason.

The paper keeps WildChat / LMSYS-Chat-1M prompts that a judge (QwQ-32B) decides "demand a
high-quality, extended written output"; its filter prompt is unreleased. Two backends here:

- ``rules`` (offline, English and Chinese): a request is kept when it *asks for a piece of
  writing* -- a request verb ("write", "draft", "can you write", "I need a", 写, 撰写, 续写,
  来一篇 ...) whose object is a written form (essay, story, report, speech, script, letter,
  poem ...; 文章, 作文, 小说, 报告, 演讲稿 ...), or a form named with an explicit length of at
  least 150 words, or any request with an explicit length of at least 300 words -- and nothing
  disqualifying comes first. Dropped, with the reason (``DROP_REASONS``):
  jailbreak attempts addressed to the assistant (always, whatever they ask for; "解除限制性条款" in a
  pasted contract is no jailbreak); code and maths (code in the request, or a coding or maths task
  stated before any writing request; a digit range such as "3000-5000字" is no arithmetic, and
  有多少 / 几个 / "how much" / "prove" count only next to numbers or mathematical objects); translation
  (the task, not the word: "Translation: none needed", 翻译腔, a story about a translator are writing);
  editing or summarising given text; extracting facts from it or classifying it; micro forms (titles, slogans, tweets, haiku, short replies, names);
  lists of ideas or tips and outlines; explicit lengths under 100 words (150 characters in
  Chinese); questions, chit-chat and role-play chat; languages other than English/Chinese.
  A form word only counts as the request's object when it is the first form-like noun after
  the request verb: "write a title for my essay" asks for a title, not an essay.
  Transforming verbs take the form after "into"/"as" as their object ("turn these notes into an essay",
  "implement my idea as a story"); 续写 / 扩写 need no object; a request may start by naming the piece
  ("A short story please: ..."). Language is judged on the prose lines, so an English request with a
  pasted table or menu stays English.
- ``llm``: the project's own judge prompt (``JUDGE_SYSTEM``), JSON ``{"keep": bool, "reason": str}``
  through the cached ``JudgeClient``; unreadable replies are re-asked, then fall back to the rules.

Translation is dropped whatever its length (the output length is set by the source text, which
makes a length target meaningless); so is editing of given text, for the same reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

DROP_REASONS = ("empty", "no_user_turn", "other_language", "duplicate", "number_variant", "near_duplicate",
                "jailbreak", "code",
                "math", "translation", "edit_or_summarize", "extract_or_classify", "short_target", "short_form", "list_or_outline",
                "question", "chat", "not_writing")
MIN_WORDS = {"en": 100, "zh": 150}          # explicit targets below this are too short to keep
FORM_WITH_LENGTH = 150                      # a named form plus this many words is a writing request
LENGTH_ALONE = 300                          # an explicit length this long is a writing request by itself


@dataclass
class Verdict:
    keep: bool
    reason: str             # "writing" when kept, else one of DROP_REASONS
    detail: str = ""        # the cue that decided


# ----------------------------------------------------------------------------- cue lexicon

def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(pattern, flags)


# Object nouns, by class: written forms, micro forms, lists/outlines, software. A noun counts as what is
# asked for only as the first object after a request verb (or, for a form, next to an explicit length).
_FORM_STRONG_EN = (r"essays?|stor(?:y|ies)|articles?|reports?|blog(?:\s*posts?)?|speech(?:es)?|screenplays?|"
                   r"scripts?|novels?|novellas?|chapters?|papers?|thes[ie]s|dissertations?|proposals?|"
                   r"biograph(?:y|ies)|memoirs?|narratives?|fan\s?fic(?:tion)?s?|fanfics?|cover\s+letters?|"
                   r"letters?|e-?mails?|poems?|poetry|sonnets?|ballads?|lyrics|eulog(?:y|ies)|sermons?|"
                   r"monologues?|dialog(?:ue)?s?|newsletters?|press\s+releases?|op-?eds?|editorials?|"
                   r"case\s+stud(?:y|ies)|literature\s+reviews?|diar(?:y|ies)|journal\s+entr(?:y|ies)|fables?|"
                   r"fairy\s*tales?|tales?|legends?|myths?|personal\s+statements?|statements?\s+of\s+purpose|"
                   r"manuals?|handbooks?|guides?|tutorials?|business\s+plans?|lesson\s+plans?|"
                   r"marketing\s+plans?|teaching\s+plans?|abstracts?|reviews?|screenplays?|sitcoms?|"
                   r"episodes?|short\s+stor(?:y|ies)|bedtime\s+stor(?:y|ies)|songs?|plays?|scenes?|"
                   r"columns?|features?|descriptions?|introductions?|overviews?|analys[ie]s|commentar(?:y|ies)|"
                   r"critiques?|plans?|books?|pieces?|posts?|texts?|content|copy|job\s+(?:description|posting)s?|"
                   r"summar(?:y|ies)|explanations?|chronicles?|accounts?|retellings?|adaptations?|toasts?|"
                   r"address(?:es)?|talks?|presentations?|narrations?|sketch(?:es)?|parod(?:y|ies)|satires?|"
                   r"odes?|epics?|sagas?|myths?|vignettes?|profiles?|obituar(?:y|ies)|testimonials?|"
                   r"white\s*papers?|research|courseware|handouts?|teacher['’]?s\s+(?:notes|guide)|lecture\s+notes|"
                   r"unit\s+plans?|syllabus(?:es)?|syllab[iu]|curricul(?:um|a)|study\s+guides?|worksheets?|readers?")
_FORM_SHORT_EN = (r"tweets?|slogans?|taglines?|titles?|headlines?|captions?|haikus?|limericks?|one-?liners?|"
                  r"jokes?|puns?|riddles?|names?|hashtags?|subject\s+lines?|text\s+messages?|sms|repl(?:y|ies)|"
                  r"responses?|comments?|mottos?|bios?|quotes?|sentences?|phrases?|synonyms?|antonyms?|"
                  r"acronyms?|greetings?|words?|emojis?|nicknames?|usernames?|notes?|messages?|"
                  r"paragraphs?|definitions?|answers?|dm|status(?:\s+update)?")
_SHORT_ANY_EN = _rx(rf"\b(?:{_FORM_SHORT_EN})\b")
_FORM_LIST_EN = r"outlines?|ideas?|tips?|lists?|bullet\s+points?|suggestions?|topics?|examples?|ways?|reasons?|steps?|questions?|prompts?|keywords?"
_CODE_OBJ_EN = (r"code|functions?|programs?|classes|class|methods?|quer(?:y|ies)|regex(?:es)?|regular\s+expressions?|"
                r"algorithms?|components?|snippets?|apis?|endpoints?|macros?|formulas?|commands?|apps?|applications?|"
                r"websites?|web\s*pages?|bots?|modules?|librar(?:y|ies)|unit\s+tests?|tests?|makefiles?|dockerfiles?")
_TECH = _rx(r"\b(?:python|java|javascript|typescript|js|c\+\+|c#|golang|rust|ruby|php|swift|kotlin|scala|sql|mysql|"
            r"postgres(?:ql)?|bash|shell|powershell|zsh|html|css|react|vue|angular|node(?:\.js)?|django|flask|"
            r"spring|excel|vba|matlab|latex|pandas|numpy|pytorch|tensorflow|linux|git|docker|kubernetes|json|yaml|"
            r"regex|api|arduino|unity|lua|perl|haskell|assembly|verilog|solidity|c\s+language|c\s+program)\b")
_CODE_CONTENT = _rx(r"```|^\s*(?:def\s+\w+\s*\(|class\s+\w+\s*[:({]|import\s+[\w.]+\s*$|from\s+[\w.]+\s+import\b|"
                    r"#include\b|(?:public|private|protected)\s+(?:static|class|void|final|int|string)\b|"
                    r"function\s*\w*\s*\(|(?:const|let|var)\s+\w+\s*=|SELECT\s+[\w*]|"
                    r"INSERT\s+INTO|UPDATE\s+\w+\s+SET|CREATE\s+TABLE)|console\.log|System\.out|printf\s*\(|print\s*\(|=>|</\w+>|"
                    r"\w+\([^()]*\)\s*\{|\{\s*return\b|Traceback \(most recent|\w+Error:|\bException\b|"
                    r"\bstack\s*trace\b", re.IGNORECASE | re.MULTILINE)
_CODE_TASK_EN = _rx(r"\b(?:implement|debug|refactor|compile|fix\s+(?:this|the|my)\s+(?:code|bug|error|script|function)|"
                    r"fix\s+this\s+error|(?:write|create|build|make|generate|code)\s+(?:me\s+)?(?:a|an|the|some)?\s*"
                    r"(?:\w+\s+){0,2}(?:" + _CODE_OBJ_EN + r"))\b")

_REQUEST_VERB_EN = (r"write|writing|compose|draft|pen|author|craft|create|generate|produce|prepare|put\s+together|"
                    r"turn|transform|expand|adapt|rework|implement|have|"
                    r"come\s+up\s+with|make|give\s+me|tell\s+me|continue|develop|do|rewrite|retell|narrate|"
                    r"need|want|would\s+like|['’]d\s+like|(?:['’]m|am)\s+looking\s+for|looking\s+for")
# what may stand before a request verb: sentence start, politeness, modal questions, "help me"
_REQUEST_LEAD_EN = (r"(?P<lead>^|[.!?\n:;,\"(]\s*|\b(?:please|pls|plz|kindly|just|now|then|and|also|hey|hi|hello|let\s+me|"
                    r"can\s+you|could\s+you|would\s+you|will\s+you|can\s+u|could\s+u|help\s+me(?:\s+to)?|"
                    r"i\s+want\s+you\s+to|i\s+need\s+you\s+to|i'?d\s+like\s+you\s+to|you\s+to|you\s+will|"
                    r"your\s+task\s+is\s+to|let's|lets|go\s+ahead\s+and|i|we)\s+|\b(?:i|we)(?=['’]))")
_REQUEST_EN = _rx(rf"{_REQUEST_LEAD_EN}(?P<verb>{_REQUEST_VERB_EN})\b")
_WRITE_VERBS_EN = {"write", "compose", "draft", "pen", "author", "craft"}
_UNNAMED_OBJECT_EN = _rx(r"^\s*(?:me\s+|us\s+)?(?:a|an|the|my|our|some)\s+(?:[\w-]+\s+){0,2}?(?P<noun>[a-z][\w-]{2,})\b")
_FIRST_OBJECT_EN = _rx(rf"\b(?:(?P<short>{_FORM_SHORT_EN})|(?P<list>{_FORM_LIST_EN})|(?P<code>{_CODE_OBJ_EN})|"
                       rf"(?P<form>{_FORM_STRONG_EN}))\b")
_SHORT_ADJ_EN = _rx(r"\b(?:short|brief|quick|tiny|little|one-?line|two-?line|one-?sentence|two-?sentence|few-?word|"
                    r"one-?paragraph|single-?paragraph)"
                    r"[\s-]+(?:\w+[\s-]+)?$")
_LONG_FORMS_IMMUNE_TO_SHORT = _rx(r"^(?:essays?|stor(?:y|ies)|articles?|reports?|speech(?:es)?|scripts?|papers?|"
                                  r"chapters?|novels?|novellas?|plays?|films?|biograph\w*|fan\s?fic\w*|proposals?|"
                                  r"guides?|blog\w*|essays?)$")
_WANT_VERBS_EN = {"need", "want", "would like", "'d like", "’d like", "looking for", "'m looking for",
                  "’m looking for", "am looking for"}
_WEAK_VERBS_EN = _WANT_VERBS_EN | {"make", "do", "give me", "tell me", "have", "implement"}
# verbs whose object is what the given text becomes: "turn these notes into an essay", "implement my idea as a story"
_TRANSFORM_VERBS_EN = {"turn", "transform", "expand", "adapt", "rework", "implement", "rewrite", "develop", "make"}
# nouns a writing verb may take that are not pieces of writing: "write the solution", "write the answer"
_NOT_WRITING_NOUNS = {"solution", "solutions", "answer", "answers", "code", "program", "proof", "working", "workings",
                      "function", "query", "script", "formula", "regex", "test", "tests", "value", "result"}
# a request that starts by naming the piece: "A short story please: ...", "News article: ..."
_HEADLINE_EN = _rx(r"^\s*(?:an?\s+)?(?:[\w'-]+\s+){0,3}?(?P<form>stor(?:y|ies)|essays?|articles?|reports?|speech(?:es)?|"
                   r"scripts?|poems?|letters?|blog\s+posts?|chapters?|novels?|fables?|fairy\s*tales?|eulog(?:y|ies)|"
                   r"screenplays?|plays?|op-?eds?|features?|memoirs?|biograph(?:y|ies)|lesson\s+plans?|proposals?|"
                   r"newsletters?|sermons?|monologues?)\s*(?:please|pls|plz|[:：,–—]|\s-\s)")
_CONTINUE_ZH = re.compile(r"续写|接着写|继续写|写下去|往下写|扩写")
_IDEAS_ZH = re.compile(r"(?:几个|一些|些|\d+个|[二三四五六七八九十]个)[^，。？！,.?!]{0,12}(?:点子|建议|思路|题目|选题|标题|名字|技巧|方法|创意|灵感)")
_ASK_ZH = re.compile(r"请|帮我|帮忙|给我写|为我|写一|来一|写个|写篇|写份|写封")
_SELF_QUESTION_EN = _rx(r"\b(?:should|do|can|could|would|will|shall|to)\s+(?:i|we)\s*$|\bhow\s+(?:to|do\s+i|can\s+i)\s*$")

# persona names of known jailbreak prompts (case matters: "Dan" is a name, "aim" a word), and phrases
_JAILBREAK_PERSONAS = re.compile(r"\b(?:DAN|STAN|AIM|DUDE)\b")
_JAILBREAK_PHRASES = _rx(
    r"do\s+anything\s+now|jail\s?break|developer\s+mode|"
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|former)\s+"
    r"(?:instructions|prompts?|rules|directions)|no\s+(?:ethical|moral)\s+(?:guidelines|restrictions|limits)|"
    r"without\s+any\s+(?:restrictions|filters?|censorship|limitations)|with\s+no\s+restrictions|"
    r"unfiltered|uncensored|never\s+refuses?|broken\s+free|free\s+from\s+(?:all\s+)?(?:restrictions|rules)|"
    r"not\s+bound\s+by|doesn'?t\s+have\s+to\s+(?:abide|follow)|does\s+not\s+have\s+to\s+(?:abide|follow)|"
    r"bypass\s+(?:your\s+)?(?:filters?|restrictions|guidelines)|"
    r"忽略(?:之前|以上|上面|上述|前面|先前)|开发者模式|不受(?:任何)?(?:限制|约束|规则|道德)|"
    r"(?:你|您|AI|模型)(?:现在)?(?:是|作为)?(?:一个)?没有(?:任何)?(?:限制|约束|道德)|越狱|"
    r"(?:请|你|您|给你|帮你|已经?|现在|先)\s*解除(?:你的|所有|一切|全部)?(?:的)?(?:限制|约束)(?!性|条款)|"
    r"解除(?:你的|AI的|模型的)(?:所有)?(?:限制|约束)|无视(?:所有)?(?:规则|限制)")

_MATH_EN = _rx(r"\b(?:solve|calculate|compute|evaluate|simplify|factori[sz]e|differentiate|integrate|derivative|"
               r"integral|equations?|inequalit(?:y|ies)|probability|theorem|lemma|convert\s+\d|"
               r"prove\s+that\s+(?:the\s+)?(?:\w+\s+){0,6}(?:irrational|rational|prime|divisible|integers?|triangle|"
               r"angles?|sum|equal|even|odd|infinite|continuous|converges?|\d)|"
               r"(?:write|give|show)\s+(?:me\s+)?(?:out\s+)?(?:the\s+)?(?:full\s+)?(?:step-by-step\s+)?"
               r"(?:solutions?|workings?)\s+(?:to|for|of)\b|"
               r"find\s+(?:the\s+)?(?:area|value|volume|perimeter|sum|product|dimensions|probability|number|"
               r"roots?|limit|slope|mean|median|length|speed|distance|angle|x|y)|what\s+is\s+\d|how\s+many|"
               r"how\s+much|how\s+long\s+will|how\s+far|when\s+will|what\s+time\s+will|math\s+problem|word\s+problem)\b"
               r"|\d\s*[+*/×÷^]\s*\d|(?<![\w.])\d+\s+-\s+\d+(?![\w.])|\b[a-z]\^\d|\bsqrt\b|[\d)]\s*=\s*-?\d|\b[a-z]\s+=\s+-?\d|\d[a-z]\s*[-+=]\s*\d")
_MATH_STRONG_EN = _rx(r"\b(?:solve|calculate|compute|simplify|differentiate|derivative|integral|equation|"
                      r"find\s+the)\b|\d\s*[+*/×÷^=]\s*\d|(?<![\w.])\d+\s+-\s+\d+(?![\w.])|\b[a-z]\^\d|[\d)]\s*=\s*-?\d|\b[a-z]\s+=\s+-?\d")
_TRANSLATE_EN = _rx(r"(?<!no need to )(?<!don't )(?<!do not )\btranslat(?:e|ing)\b(?!\s+(?:is|was|are|were)\b)|"
                    r"\btranslations?\s+(?:of|into|to|from)\s+(?!translation)|"
                    r"^\s*translation\s*[:：](?!\s*(?:none|no\b|not\b|n/a|无需|不需要|不用))|\binto\s+(?:english|chinese|french|german|spanish|"
                    r"japanese|korean|russian|italian|portuguese|arabic)\s*:")
_TEXT_OBJ_EN = (r"(?:this|these|that|my|our|the\s+following|the\s+above|the\s+below|the\s+text|the\s+paragraph|"
                r"the\s+sentence|the\s+essay|it\b)")
_EDIT_EN = _rx(r"\b(?:proof-?read|paraphrase|rephrase|reword|summari[sz]e|sum\s+up|shorten|condense|"
               r"(?:correct|fix|check)\s+(?:the\s+|my\s+)?(?:grammar|spelling|punctuation)|"
               r"(?:correct|fix|check|edit|revise|polish|rewrite|proofread|review)\s+" + _TEXT_OBJ_EN + r"|"
               r"improve\s+(?:the\s+|my\s+|this\s+)?(?:writing|wording|text|essay|paragraph|sentence|letter|email|"
               r"draft|resume|cv|style|flow)|tl;?dr|grammar\s+mistakes?)\b")
# pulling facts out of given text, or sorting it: the answer is a list or a label, not writing
_EXTRACT_EN = _rx(r"\b(?:extract|pull\s+out|classify|categori[sz]e|label\s+(?:each|every|the\s+following|these)|"
                  r"(?:identify|find|list)\s+(?:all|every)\s+(?:the\s+)?(?:names|dates|numbers|entities|emails?|"
                  r"email\s+addresses|keywords|items|people|places)|sentiment\s+of|is\s+(?:the\s+following|this)\s+"
                  r"(?:\w+\s+)?(?:spam|positive|negative))\b")
_EXTRACT_ZH = _rx(r"提取|抽取|找出(?:所有|全部|其中)?的?(?:人名|数字|日期|地名|关键词)|分类|归类|是好评还是差评|"
                  r"判断(?:这|下面|以下|该)[^，。]{0,10}(?:是|属于)|情感倾向")
_QUESTION_EN = _rx(r"^\s*(?:what|what's|whats|why|how|when|where|which|who|whom|whose|is|are|was|were|can|could|"
                   r"should|would|will|do|does|did|have|has|explain|define|describe|tell\s+me\s+(?:about|what|why|how)|"
                   r"recommend|suggest|compare|list|name)\b|\?\s*$")
_CHAT_EN = _rx(r"^\s*(?:hi|hii+|hello|hey|yo|sup|good\s+(?:morning|night|evening|afternoon)|thanks?|thank\s+you|thx|"
               r"ok|okay|cool|nice|lol|lmao|haha+|bye|goodbye|who\s+are\s+you|what\s+is\s+your\s+name|"
               r"how\s+are\s+you|are\s+you\s+(?:there|real|an?\s+ai|chatgpt|gpt)|what\s+can\s+you\s+do)\b|"
               r"\b(?:let'?s\s+(?:role-?play|chat|talk|play\s+a\s+game)|act\s+as\s+(?:a|an|my)|"
               r"you\s+are\s+my\s+(?:girlfriend|boyfriend|friend|wife|husband)|stay\s+in\s+character|"
               r"i\s+want\s+you\s+to\s+act\s+as)\b")

# ---- Chinese
_FORM_ZH = (r"文章|作文|小说|故事|散文|随笔|论文|报告|演讲稿|讲话稿|发言稿|讲稿|致辞|贺词|祝酒词|悼词|剧本|脚本|话剧|"
            r"相声|小品|诗歌|现代诗|诗|新闻稿|通讯稿|新闻|稿子|稿件|方案|计划书|策划书|策划案|企划书|计划|规划|总结|"
            r"心得体会|心得|体会|读后感|观后感|感想|评论|影评|书评|乐评|书信|(?<![微短相自诚通威])信(?![息号用任心])|邮件|求职信|推荐信|感谢信|申请书|倡议书|"
            r"检讨书|承诺书|日记|周记|游记|传记|自传|回忆录|综述|教案|教学设计|说明书|指南|攻略|教程|章节|第[一二三四五六七八九十\d]+章|"
            r"章|开头|结尾|续集|剧情|台词|歌词|童话|寓言|绘本|笔记|文案|制度|文件|简介|介绍|描写|描述|分析|"
            r"议论文|记叙文|说明文|应用文|公文|通知|倡议|宣传稿|广告文案|软文|推文|帖子|博客|专栏|访谈|采访稿|"
            r"主持词|串词|颁奖词|简历|个人陈述|文书|读书报告|述职报告|调研报告|可行性报告|商业计划书|内容|课件|教学方案|"
            r"说课稿|讲义|导游词|口播|材料|征文|范文|稿")
_SHORT_ZH = (r"一句话|一句|两句|几句|标题|题目|口号|广告语|标语|名字|名称|昵称|签名|祝福语|对联|春联|朋友圈|微博|"
             r"评语|回复|回答|短信|留言|弹幕|标签|关键词|成语|谜语|笑话|歌名|书名|网名|slogan")
_LIST_ZH = r"大纲|提纲|目录|思路|建议|点子|创意|选题|清单|列表|要点"
_CODE_ZH = r"代码|(?<!小)程序|函数|脚本|接口|SQL|正则|公式|页面|组件|插件|bug|Bug|BUG"
_TECH_ZH = _rx(r"python|java|javascript|c\+\+|c语言|sql|html|css|excel|vba|matlab|linux|shell|编程|代码|前端|后端|"
               r"小程序|数据库|爬虫|单例|递归|数组|链表|正则", re.IGNORECASE)
_REQUEST_ZH = _rx(r"(?<!怎么)(?<!如何)(?<!怎样)(?<!应该)(?<!该怎么)(?P<verb>撰写|编写|写|创作|起草|草拟|拟写|拟|续写|扩写|"
                  r"(?:设计|制作|准备|整理)(?=一份|一篇|一套|一节|份)|"
                  r"改编|编|讲(?=一?个|一段|个)|生成|出(?=一篇|一份|一个|一首)|(?:要|来|需要|想要|给我)(?=一篇|一份|一首|一封|一部|"
                  r"篇|份|首))")
_CODE_TASK_ZH = _rx(rf"(?:{_TECH_ZH.pattern}).{{0,12}}(?:写|实现|编)|(?:写|实现|编|用).{{0,12}}(?:代码|(?<!小)程序|函数|SQL|正则)|"
                    r"实现.{0,8}算法|报错|调试|\bbug\b")
_MEASURE_ZH = re.compile(r"^\s*(?:一|两|几|\d+)?\s*(?:篇|份|封|部|本|首)")
_FIRST_OBJECT_ZH = _rx(rf"(?P<short>{_SHORT_ZH})|(?P<list>{_LIST_ZH})|(?P<code>{_CODE_ZH})|(?P<form>{_FORM_ZH})")
_SHORT_ADJ_ZH = re.compile(r"简短|简单的|短(?=诗|信|文案|句|消息|评|介绍|回复|小的|的|一点|一些)")
_BRIEF_ZH = re.compile(r"简短|短一点|短一些|简单一点")
_SHORT_ANY_ZH = _rx(_SHORT_ZH)
_MATH_ZH = _rx(r"计算|求解|求(?:出|得)?(?:函数|方程|值|面积|体积|周长|概率|导数|极限|最[大小]值|解)|解方程|方程|不等式|"
               r"等于(?:几|多少)|是多少|有多少|多少(?:个|元|米|千米|公里|小时|分钟|天|人|本|只|岁|度)|几(?:个|小时|天|岁|人|只)|"
               r"面积|体积|周长|概率|证明|导数|积分|数学题|应用题|这道题|\d\s*[+*/×÷^=]\s*\d|(?<![\w.])\d+\s+-\s+\d+(?![\w.])|[a-z]\^\d")
# how-many words that are maths only next to numbers: 有多少人读懂了《红楼梦》 is a topic, not a problem
_MATH_WEAK_ZH = re.compile(r"^(?:等于(?:几|多少)|是多少|有多少|多少.|几.|证明|面积|体积|周长|概率)$")
_TRANSLATE_ZH = _rx(r"(?<!无需)(?<!不用)(?<!不需要)(?<!不要)(?<!以“)(?<!以\")翻译(?![腔官家者员学史体的工作])|译成|译为|翻成|"
                    r"英译中|中译英")
_EDIT_ZH = _rx(r"润色|改写(?:一下|这|下面|以下)|修改(?:一下|这|下面|以下)|改正|纠正|病句|语病|改错|缩写|精简|压缩|"
               r"总结一下|概括|提炼|摘要一下|帮我看看|检查一下|校对|优化一下这")
_QUESTION_ZH = _rx(r"什么|为什么|为何|怎么|怎样|如何|哪|吗|呢|多少|几[个本种点]|是否|能否|可以.*吗|推荐|\?|？")
_CHAT_ZH = _rx(r"^\s*(?:你好|您好|嗨|哈喽|在吗|在不在|谢谢|多谢|哈哈|早上好|晚安|晚上好|你是谁|你叫什么|你是什么|"
               r"你能做什么|你会什么)|角色扮演|扮演我的|陪我聊|聊天")

_EN_STOPWORDS = set("the a an to of and in for is on that with you it i me my your be this are as at by from or "
                    "write about please can could would will do what how why which who its it's was were have has "
                    "not no so if but all any some make give tell story essay".split())


# ----------------------------------------------------------------------------- language

def language_tag(text: str, log_language: str | None = None) -> str:
    """'zh' (any CJK ideograph, as ``prompts.detect_language``), 'en', or 'other' (kana, hangul,
    mostly non-Latin letters, or Latin text without English function words)."""
    if log_language and log_language not in ("en", "zh"):
        return "other"
    if re.search(r"[\u3040-\u30ff\uac00-\ud7af]", text):
        return "other"
    if re.search(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", text):
        return "zh"
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "other"
    latin = sum(1 for ch in letters if ch.isascii())
    if latin / len(letters) < 0.8:
        return "other"
    # English-ness from the prose lines: a pasted table or menu ("| Item | Price |", "Espresso 2.50") has few
    # function words in any language
    prose = [line for line in text.splitlines() if "|" not in line and len(re.findall(r"[a-z']+", line.lower())) >= 5]
    tokens = re.findall(r"[a-z']+", ("\n".join(prose) if prose else text).lower())
    if len(tokens) >= 5 and sum(t in _EN_STOPWORDS for t in tokens) / len(tokens) < 0.08:
        return "other"
    return "en"


# ----------------------------------------------------------------------------- rules

@dataclass
class _Object:
    kind: str       # "form" | "short" | "list" | "code" | "none"
    word: str
    pos: int        # where the request starts (the verb)


def _object_in_window_en(window: str) -> _Object | None:
    """The first form-like noun in the text after a request verb, classified. In a compound the
    last noun is the head: "an email subject line" asks for a line, "a story outline" for an outline."""
    objects = list(_FIRST_OBJECT_EN.finditer(window))
    for i, obj in enumerate(objects):
        following = objects[i + 1] if i + 1 < len(objects) else None
        if following is not None and re.fullmatch(r"[\s-]+", window[obj.end():following.start()]) and following.lastgroup in ("short", "list"):
            continue  # a modifier of the next noun
        kind, word = obj.lastgroup, obj.group(0).lower()
        before = window[:obj.start()]
        if kind == "form" and re.match(r"scripts?$", word) and _TECH.search(before[-25:]):
            kind = "code"  # "a python script"
        if kind == "code" and not re.match(r"code|functions?|regex|regular|quer|algorithm|snippet|macro|formula",
                                           word) and not _TECH.search(window):
            continue  # "a college application essay", "a meditation app review": not software by itself
        if word in ("words", "word", "sentences", "sentence", "paragraphs", "paragraph", "pages", "page") and \
                re.search(r"(?:\d|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand))"
                          r"[\s,+-]*$", before):
            continue  # "2000 words on X": a length, which the explicit target handles
        if kind == "form" and _SHORT_ADJ_EN.search(before) and not _LONG_FORMS_IMMUNE_TO_SHORT.match(word):
            kind = "short"  # "a short poem", "a brief email"
        return _Object(kind, word, 0)
    return None


def _request_object_en(text: str) -> _Object | None:
    """The object of the first request verb that has one; verbs like "make" or "tell me" count
    only when no clearer verb ("write", "draft", ...) names an object."""
    weak = None
    for m in _REQUEST_EN.finditer(text):
        verb = re.sub(r"\s+", " ", m.group("verb").lower())
        lead = (m.group("lead") or "").strip().lower()
        if lead in ("i", "we") and verb not in _WANT_VERBS_EN:
            continue  # "what should I write": the user writes, nobody asks for writing
        if _SELF_QUESTION_EN.search(text[max(0, m.start() - 20):m.start() + len(m.group("lead") or "")]):
            continue
        window = text[m.end():m.end() + 90]
        if verb in _TRANSFORM_VERBS_EN:
            into = re.search(r"\b(?:into|as)\b", window[:70])
            if into:
                window = window[into.end():]
        found = _object_in_window_en(window)
        if found is None and verb in _WRITE_VERBS_EN and _UNNAMED_OBJECT_EN.match(window) \
                and not _TECH.search(_UNNAMED_OBJECT_EN.match(window).group(0)) \
                and _UNNAMED_OBJECT_EN.match(window).group("noun").lower() not in _NOT_WRITING_NOUNS:
            # "write a creepypasta": a writing verb whose object is outside the lexicon (and is not
            # software: "write an html page") asks for a piece of writing
            found = _Object("form", _UNNAMED_OBJECT_EN.match(window).group("noun").lower(), 0)
        if found is None:
            continue
        found.pos = m.start()
        if verb in _WEAK_VERBS_EN:
            weak = weak or found
            continue
        return found
    return weak


def _request_object_zh(text: str) -> _Object | None:
    for m in _REQUEST_ZH.finditer(text):
        if _CONTINUE_ZH.match(text, m.start()):
            return _Object("form", m.group("verb"), m.start())  # 续写 / 扩写: the text to continue is the object
        window = text[m.end():m.end() + 40]
        obj = _FIRST_OBJECT_ZH.search(window)
        measure = _MEASURE_ZH.match(window)
        if obj:
            kind, word = obj.lastgroup, obj.group(0)
            if kind == "code" and word in ("脚本", "页面", "公式", "接口", "组件", "插件") and not _TECH_ZH.search(text):
                kind = "form" if word == "脚本" else kind
                if kind != "form":
                    continue
            before = window[:obj.start()]
            if kind == "form" and _SHORT_ADJ_ZH.search(before):
                kind = "short"
            return _Object(kind, word, m.start())
        if measure:  # 写一篇/一份/一封 ...: a document even when its name is not in the lexicon
            return _Object("form", measure.group(0).strip(), m.start())
    return None


def _first(patterns: Iterable[tuple[str, re.Pattern]], text: str) -> tuple[int, str, str] | None:
    hits = [(m.start(), reason, m.group(0)) for reason, p in patterns for m in [p.search(text)] if m]
    return min(hits) if hits else None


def classify_request(text: str, lang: str | None = None) -> Verdict:
    """Rule-based verdict for one first-turn request (see the module docstring)."""
    from longwriter_zero.data.ranges import parse_length_requirement

    if text is None or not text.strip():
        return Verdict(False, "empty")
    text = text.strip()
    lang = lang or language_tag(text)
    jailbreak = _JAILBREAK_PERSONAS.search(text) or _JAILBREAK_PHRASES.search(text)
    if jailbreak:
        return Verdict(False, "jailbreak", jailbreak.group(0))
    if _CODE_CONTENT.search(text) and (lang != "en" or _TECH.search(text) or "```" in text
                                       or len(_CODE_CONTENT.findall(text)) >= 2):
        return Verdict(False, "code", _CODE_CONTENT.search(text).group(0).strip())

    req = parse_length_requirement(text, "zh" if lang == "zh" else "en")
    stated = req.stated if req is not None else None
    if stated is not None and 0 < stated < MIN_WORDS.get(lang, 100):
        return Verdict(False, "short_target", req.phrase)

    obj = _request_object_zh(text) if lang == "zh" else _request_object_en(text)
    if lang == "zh" and obj is None:
        obj = _request_object_en(text)  # Chinese logs hold English requests too
    if obj is None and lang == "zh" and _CONTINUE_ZH.search(text[:12]):
        obj = _Object("form", _CONTINUE_ZH.search(text).group(0), _CONTINUE_ZH.search(text).start())
    if obj is None and lang != "zh" and _HEADLINE_EN.match(text):
        obj = _Object("form", _HEADLINE_EN.match(text).group("form").lower(), 0)
    if lang == "zh":
        ideas = _IDEAS_ZH.search(text)
        if ideas:
            return Verdict(False, "list_or_outline", ideas.group(0))  # 给我几个写小说的点子
    # disqualifying tasks, by position: only those stated before the writing request count
    if lang == "zh":
        tasks = [("code", _CODE_TASK_ZH),
                 ("math", _MATH_ZH), ("translation", _TRANSLATE_ZH), ("edit_or_summarize", _EDIT_ZH),
                 ("extract_or_classify", _EXTRACT_ZH),
                 ("code", _CODE_TASK_EN), ("math", _MATH_STRONG_EN), ("translation", _TRANSLATE_EN)]
    else:
        tasks = [("code", _CODE_TASK_EN), ("math", _MATH_EN), ("translation", _TRANSLATE_EN),
                 ("edit_or_summarize", _EDIT_EN), ("extract_or_classify", _EXTRACT_EN)]
    task = _first(tasks, text)
    if task and task[1] == "code" and lang != "zh" and not (_TECH.search(text) or re.search(
            r"debug|refactor|compile|\bcode\b|function|regex|query|algorithm", task[2], re.I)):
        task = None  # "create an app" without any programming word is not a coding task
    unlengthed = text.replace(req.phrase, " ") if req is not None else text
    numbers = len(re.findall(r"\d+(?:\.\d+)?", unlengthed))
    if task and task[1] == "math" and lang != "zh" and not _MATH_STRONG_EN.search(text) and numbers < 2 \
            and not re.match(r"prove|write|give|show", task[2], re.I):
        task = None  # "how many" / "how much" with no numbers: a question, not a maths problem
    if task and task[1] == "math" and lang == "zh" and _MATH_WEAK_ZH.match(task[2]) and numbers < 2 \
            and not re.search(r"计算|求解|解方程|方程|\d\s*[+*/×÷^=]\s*\d|[a-z]\^\d", text):
        task = None  # 有多少 / 几个 / 证明 in a writing request, with no numbers to compute with

    # where the writing request starts: a request verb with a written form as its object; else an
    # explicit length that is long by itself, or long enough next to a named form ("Hong Kong travel
    # guide, approximately 3000 words")
    writing_pos = None
    if obj is not None and (obj.kind == "form" or (obj.kind == "short" and (stated or 0) >= FORM_WITH_LENGTH)):
        writing_pos = obj.pos  # a short form with a long explicit length ("a 400-word reply") is writing too
    elif obj is None and stated is not None and stated >= FORM_WITH_LENGTH:
        named = (_FIRST_OBJECT_ZH if lang == "zh" else _FIRST_OBJECT_EN).search(text)
        if stated >= LENGTH_ALONE:
            writing_pos = text.find(req.phrase)
        elif named and named.lastgroup == "form":
            writing_pos = named.start()

    if task is not None and (writing_pos is None or task[0] < writing_pos):
        return Verdict(False, task[1], task[2])
    if lang == "zh" and re.search(r"[?？]\s*$", text) and _QUESTION_ZH.search(text) and not _ASK_ZH.search(text):
        return Verdict(False, "question", _QUESTION_ZH.search(text).group(0))  # 写作文有什么技巧？
    if writing_pos is not None:
        brief = _BRIEF_ZH.search(text) if lang == "zh" else None
        if brief and (stated is None or stated < FORM_WITH_LENGTH):
            return Verdict(False, "short_form", brief.group(0))  # 写一条文案，简短一点
        return Verdict(True, "writing", obj.word if obj else req.phrase)
    if lang == "other":
        return Verdict(False, "other_language")
    if obj is not None:
        reason = {"short": "short_form", "list": "list_or_outline", "code": "code"}.get(obj.kind, "not_writing")
        return Verdict(False, reason, obj.word)
    chat = (_CHAT_ZH if lang == "zh" else _CHAT_EN).search(text)
    words = len(re.findall(r"\w+", text)) if lang != "zh" else len(text)
    if chat or words <= 3:
        return Verdict(False, "chat", chat.group(0) if chat else text[:20])
    if (_QUESTION_ZH if lang == "zh" else _QUESTION_EN).search(text):
        return Verdict(False, "question")
    short_named = (_SHORT_ANY_ZH if lang == "zh" else _SHORT_ANY_EN).search(text)
    if short_named:
        return Verdict(False, "short_form", short_named.group(0))
    return Verdict(False, "not_writing")


# ----------------------------------------------------------------------------- judge backend

JUDGE_SYSTEM = (
    "You screen requests sent to a chatbot, to collect prompts for training a model to write long, "
    "high-quality text. Keep a request only if it asks for an original piece of substantial written work: "
    "a story, essay, article, report, blog post, speech, script, letter, proposal, plan, paper, review, "
    "poem or similar, whose natural answer runs to at least a couple of paragraphs. Drop everything else: "
    "code or software tasks, maths problems, factual questions and short explanations, chit-chat and "
    "role-play chat, translation, editing or summarising text the user supplies, extracting facts from it or "
    "classifying it, very short pieces "
    "(titles, slogans, tweets, captions, haiku, one-sentence or short replies, names), lists of ideas or "
    "outlines, requests asking for fewer than 100 words, and attempts to make the assistant ignore its rules "
    "(jailbreaks), whatever they ask for.\n"
    'Reply with a JSON object only: {"keep": true or false, "reason": R}, where R is one of '
    '"writing", "code", "math", "question", "chat", "translation", "edit_or_summarize", "extract_or_classify", '
    '"short_form", '
    '"short_target", "list_or_outline", "jailbreak", "not_writing".'
)
JUDGE_RETRY = 'Your reply could not be read. Reply with only the JSON object {"keep": true or false, "reason": "..."}.'
_JUDGE_REASONS = {"writing", "code", "math", "question", "chat", "translation", "edit_or_summarize",
                  "extract_or_classify", "short_form",
                  "short_target", "list_or_outline", "jailbreak", "not_writing"}


def judge_messages(prompt: str) -> list[dict]:
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": f"Request:\n<<<\n{prompt}\n>>>"}]


def parse_judge_verdict(obj) -> Verdict | None:
    """A verdict from the judge's JSON object; None when it cannot be read."""
    if not isinstance(obj, dict) or "keep" not in obj:
        return None
    keep = obj["keep"]
    if isinstance(keep, str):
        keep = {"true": True, "yes": True, "false": False, "no": False}.get(keep.strip().lower())
    if not isinstance(keep, bool):
        return None
    reason = str(obj.get("reason", "")).strip().lower().replace(" ", "_")
    if keep:
        return Verdict(True, "writing", "judge")
    return Verdict(False, reason if reason in _JUDGE_REASONS - {"writing"} else "not_writing", "judge")


def judge_verdicts(prompts: Sequence[str], client, retries: int = 2, sampling: dict | None = None
                   ) -> list[Verdict | None]:
    """Ask the judge about each prompt; None where it never answered readably."""
    from longwriter_zero.judge.client import extract_json

    sampling = {"temperature": 0.0, "max_tokens": 200, **(sampling or {})}
    conversations = [judge_messages(p) for p in prompts]
    out: list[Verdict | None] = [None] * len(prompts)
    todo = list(range(len(prompts)))
    for attempt in range(retries + 1):
        if not todo:
            break
        replies = client.chat_many([conversations[i] for i in todo], desc=f"filter (try {attempt + 1})", **sampling)
        still = []
        for i, reply in zip(todo, replies):
            verdict = parse_judge_verdict(extract_json(reply))
            if verdict is None:
                conversations[i] = conversations[i] + [{"role": "assistant", "content": reply},
                                                       {"role": "user", "content": JUDGE_RETRY}]
                still.append(i)
            out[i] = verdict
        todo = still
    return out


# ----------------------------------------------------------------------------- the pipeline step

@dataclass
class FilterSummary:
    total: int = 0
    kept: int = 0
    kept_by_lang: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    judge_fallbacks: int = 0   # judge replies never readable: the rules decided

    def to_dict(self) -> dict:
        d = asdict(self)
        d["kept_by_lang"] = dict(sorted(self.kept_by_lang.items()))
        d["dropped"] = dict(self.dropped.most_common())
        return d

    def table(self) -> str:
        lines = [f"read {self.total} requests; kept {self.kept} "
                 f"({', '.join(f'{k}: {v}' for k, v in sorted(self.kept_by_lang.items())) or 'none'})"]
        if self.dropped:
            width = max(len(r) for r in self.dropped)
            lines.append("dropped:")
            lines += [f"  {reason:<{width}}  {count:>7}  {100 * count / max(self.total, 1):5.1f}%"
                      for reason, count in self.dropped.most_common()]
        if self.judge_fallbacks:
            lines.append(f"judge replies unreadable after retries (rules decided): {self.judge_fallbacks}")
        return "\n".join(lines)


def filter_requests(requests, backend: str = "rules", client=None, languages: Sequence[str] = ("en", "zh"),
                    near_dup_threshold: float | None = 0.8, source: str = "logs",
                    rejected: list | None = None, keep_number_variants: bool = False
                    ) -> tuple[list[dict], FilterSummary]:
    """Filter ``LogRequest``s (see ``chatlogs``) into prompt rows ``{prompt, lang, source, id}``.

    Order: no user turn / empty -> language -> exact duplicates, number variants (requests that differ
    only in their numbers, e.g. the stated length; kept with ``keep_number_variants``) and near
    duplicates -> rules or judge.
    ``source`` is used for requests whose ``meta`` has none. Dropped rows, with their reasons,
    are appended to ``rejected`` when given.
    """
    from tqdm.auto import tqdm

    from longwriter_zero.data.dedup import Deduplicator

    summary = FilterSummary()
    dedup = Deduplicator(threshold=near_dup_threshold or 1.0, near=near_dup_threshold is not None,
                         keep_number_variants=keep_number_variants)
    survivors = []

    def drop(req, reason: str, detail: str = "", lang: str | None = None) -> None:
        summary.dropped[reason] += 1
        if rejected is not None:
            rejected.append({"id": req.id, "prompt": req.prompt, "lang": lang, "reason": reason, "detail": detail})

    for req in tqdm(requests, desc="filter", unit="request", dynamic_ncols=True):
        summary.total += 1
        if req.prompt is None:
            drop(req, "no_user_turn")
            continue
        prompt = req.prompt.strip()
        if not prompt:
            drop(req, "empty")
            continue
        lang = language_tag(prompt, req.log_language)
        if lang not in languages:
            drop(req, "other_language", lang=lang)
            continue
        dup = dedup.check(prompt)
        if dup:
            drop(req, dup, lang=lang)
            continue
        survivors.append((req, prompt, lang))

    if backend == "llm":
        if client is None:
            raise ValueError("backend 'llm' needs a judge client")
        verdicts = judge_verdicts([p for _, p, _ in survivors], client)
    elif backend == "rules":
        verdicts = [None] * len(survivors)
    else:
        raise ValueError(f"unknown filter backend {backend!r}")

    kept = []
    for (req, prompt, lang), verdict in zip(survivors, verdicts):
        if verdict is None:
            if backend == "llm":
                summary.judge_fallbacks += 1
            verdict = classify_request(prompt, lang)
        if not verdict.keep:
            drop(req, verdict.reason, verdict.detail, lang)
            continue
        summary.kept += 1
        summary.kept_by_lang[lang] += 1
        kept.append({"prompt": prompt, "lang": lang, "source": req.meta.get("source", source), "id": req.id})
    return kept, summary


def write_summary(path, summary: FilterSummary, extra: dict | None = None) -> None:
    from pathlib import Path

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({**summary.to_dict(), **(extra or {})}, ensure_ascii=False, indent=2) + "\n",
                 encoding="utf-8")
