"""Index and query tokens for Chinese full-text search over any whitespace-token backend.

Scheme (the same for SQLite FTS5, PostgreSQL 'simple' and an Elasticsearch whitespace analyzer):

- A document is indexed under jieba's one-character words, plus every character bigram of its
  Han text, plus each Latin/digit word whole, plus the same for every synonym rewrite of it
  (synonyms.py). In a document, Han characters separated only by spaces or punctuation count
  as adjacent, so 双随机一公开 finds 双随机、一公开 and 鑫达秦皇岛 finds 鑫达（秦皇岛）.
- A query becomes the bigrams of each Han run (spaces and punctuation separate runs) and its
  Latin/digit words, all required (AND). So any 2+ character Han substring of a document finds
  it, whatever the segmenter made of either; segmenter words are never required, because the
  segmenter may cut a query and a document differently. Bigrams carry no positions: 鑫达二
  also matches a text holding 鑫达 and 达二 apart (rare in names).
- A query that is one Han character and nothing else is that character. It finds only the
  documents where the character stands alone: a jieba word of its own (对, or 鑫 of 鑫达 when
  jieba split it) or a one-character run; 司 does not find ...公司. A lone Han character next
  to other query tokens (姚安 鑫, abc科) is dropped rather than required, for the same reason;
  a query of lone characters only (市、县) is read as one run (市县).
- Latin and digit words match whole: abc finds ABC科技, ab does not.
- Tokens hold only Unicode letters and digits, so FTS5's unicode61 tokenizer, PostgreSQL's
  default parser and a whitespace analyzer all split the space-joined list at the spaces only.
"""

from __future__ import annotations

import re

from search.text.normalize import normalize
from search.text.segment import get_segmenter
from search.text.synonyms import synonym_variants

# Han ideographs: 〇, Extension A and the main block (all assigned), then the compatibility
# block and Extensions B-H, which have unassigned holes: "(?=\w)" keeps those out of tokens.
_HAN_FULL = r"\u3007\u3400-\u4dbf\u4e00-\u9fff"
_HAN_HOLEY = r"\uf900-\ufaff\U00020000-\U000323af"
_HAN = rf"(?:[{_HAN_FULL}]|(?=\w)[{_HAN_HOLEY}])"
# Group 1: a run of Han characters; group 2: a run of other letters/digits (\w less "_", Han).
# Between two matches there are only spaces, punctuation, "_" and unassigned code points.
_RUN = re.compile(rf"({_HAN}+)|([^\W_{_HAN_FULL}{_HAN_HOLEY}]+)")
_HAN_FIRST = re.compile(_HAN)


def _mixed_tokens(text: str, *, lone_only: bool) -> list[str]:
    """Tokens where a Latin/digit run touches a Han run with no gap between them.

    优e购: the Han character beside the run and the run make one token on each side (优e, e购),
    so a mixed-script name is found by what was typed; alone, 优 and 购 are lone characters,
    which a query drops, and e alone matches every name holding an E. A document has every such
    token; a query (``lone_only``) only those of a lone Han character, since a longer Han run is
    found by its bigrams and ABC科技 should still find ABC 科技.
    """
    mixed: list[str] = []
    previous: tuple[str, str] | None = None
    end = -1
    for match in _RUN.finditer(text):
        han, other = match.groups()
        # Two runs of one kind never touch (the pattern would have made them one).
        if previous is not None and match.start() == end:
            side = previous[0] if other else han
            if not lone_only or len(side) == 1:
                mixed.append(previous[0][-1] + other if other else previous[1] + han[0])
        previous = (han, other)
        end = match.end()
    return mixed


def _run_tokens(text: str, *, join: bool) -> tuple[list[str], list[str]]:
    """Return (tokens, lone Han characters) of normalised text; join Han runs over gaps if asked."""
    runs: list[str] = []  # in text order; a Han run starts with a Han character
    han_open = False  # the last run is Han and the next Han run may continue it
    for han, other in _RUN.findall(text):
        if other:
            runs.append(other)
        elif han_open and join:
            runs[-1] += han
        else:
            runs.append(han)
        han_open = not other
    tokens: list[str] = []
    singles: list[str] = []
    for run in runs:
        if not _HAN_FIRST.match(run):
            tokens.append(run)
        elif len(run) == 1:
            singles.append(run)
        else:
            tokens += map(str.__add__, run, run[1:])  # the bigrams
    return tokens, singles


def index_tokens(text: str) -> list[str]:
    """Return the tokens to index a document under: words, Han bigrams, synonyms; deduplicated."""
    norm = normalize(text)
    # isalnum() is the test _RUN applies: letters and digits only, which drops punctuation.
    # Of the segmenter's words only the one-character ones: a query is looked up by bigrams, Latin
    # words and lone characters, so longer words (二手车, 有限公司) were never asked for, and they
    # were a sixth of every document's tokens; two-character words are bigrams anyway.
    tokens = [w for w in get_segmenter().cut_for_search(norm) if len(w) == 1 and w.isalnum()]
    for variant in (norm, *synonym_variants(norm)):
        runs, singles = _run_tokens(variant, join=True)
        tokens += runs + _mixed_tokens(variant, lone_only=False)
        tokens += singles
    return list(dict.fromkeys(tokens))


def query_tokens(text: str) -> list[str]:
    """Return the tokens a document must all have to match the query; deduplicated."""
    norm = normalize(text)
    tokens, singles = _run_tokens(norm, join=False)
    tokens += _mixed_tokens(norm, lone_only=True)
    if not tokens and len(singles) > 1:
        # Only lone characters (市、县): read them as adjacent, as the document index does.
        tokens, singles = _run_tokens(norm, join=True)
    return list(dict.fromkeys(tokens or singles))


# Han runs longer than this are looked up by a character-disjoint cover of their bigrams.
COVER_FROM = 6


def match_tokens(text: str) -> list[str]:
    """query_tokens thinned for the index lookup: long runs by a cover of their characters.

    姚安县顺达建材经营部 is looked up as 姚安 县顺 达建 材经 营部, not all nine bigrams: a long run's
    cover is as selective (its rare bigrams decide) and reads half as many doclists, the common
    ones (经营, 有限, 公司) being the slow ones; 1M results: 14 ms -> 5 ms. Short runs keep every
    bigram: 公示信息检查 by its cover (公示 信息 检查) also matched 公示 … 信息技术 … 登记事项检查.
    """
    norm = normalize(text)
    tokens, _ = _run_tokens(norm, join=False)
    if not tokens:
        return query_tokens(text)
    cover: list[str] = []
    for han, other in _RUN.findall(norm):
        if other:
            cover.append(other)
        elif len(han) > COVER_FROM:
            cover += [han[i : i + 2] for i in range(0, len(han) - 1, 2)]
            if len(han) % 2:
                cover.append(han[-2:])
        elif len(han) > 1:
            cover += map(str.__add__, han, han[1:])
    return list(dict.fromkeys(cover + _mixed_tokens(norm, lone_only=True)))
