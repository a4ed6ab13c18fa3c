"""Chinese tokenizer (中文分词) for the search index: rjieba with a government dictionary, stop words, pinyin.

Documents and queries go through the same steps: full-width → half-width and lower case (:func:`normalize`),
rjieba in search mode without HMM new-word guessing (so a document and a query split the same text the same
way), letters-and-digits runs only, stop words dropped. Every Chinese word of two or more characters is also
indexed by its pinyin and its initials, so "shebaoka" and "sbk" find 社保卡.

Single characters (单字): rjieba already keeps a character that belongs to no word (证, 卡 …) as its own token;
we do **not** also index each character of every word. Measured on the everyday, one-typo and partial-word
queries of the test suite (tests/search/test_relevance.py plus 残疾证新办, 社保挂失, 出生证, 公租, 医保凭证) over
the 698-item corpus: indexing the characters of names raised top-3 recall from 26 to 27 of 27 (公租 →
公共租赁住房) and grew the vocabulary 21 %, but made every lone character "known", so 5 of the 7 one-typo
queries (退修, 户口登计, 残疾人正, 开餐管 …) lost their correction; treating lone characters as suspect instead
produced false corrections (sbk丢了 → 社保卡掉了, 生孩子要办什么 → 种子). Words only, with synonyms and the
one-typo correction, is the better trade.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import rjieba
from pypinyin import Style, lazy_pinyin

_TOKEN_RUN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-z]+")


def _word_list(name: str) -> list[str]:
    text = resources.files("yiwang.search").joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@cache
def government_words() -> tuple[str, ...]:
    """The government user dictionary (政务词典), loaded into rjieba once per process."""
    entries = [line.split() for line in _word_list("government_words.txt")]
    for word, *frequency in entries:
        rjieba.add_word(word, int(frequency[0]) if frequency else None, None)
    return tuple(entry[0] for entry in entries)


@cache
def stop_words() -> frozenset[str]:
    """Stop words (停用词) dropped from documents and queries."""
    return frozenset(_word_list("stop_words.txt"))


def _normalize_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


def normalize(text: str) -> str:
    """Full-width → half-width, lower case; keeps the length, so offsets map back to the original text."""
    return "".join(_normalize_char(char) for char in text)


def is_chinese(token: str) -> bool:
    return bool(_CJK.search(token))


@dataclass(frozen=True)
class Token:
    """A word found in a text, with its offsets in that text."""

    text: str
    start: int
    end: int


def tokens_with_offsets(text: str, *, search_mode: bool = True) -> list[Token]:
    """The words of ``text`` (stop words included), each a run of letters or digits, with offsets."""
    government_words()
    normalized = normalize(text)
    found: list[Token] = []
    for run in _TOKEN_RUN.finditer(normalized):
        mode = "search" if search_mode else "default"
        for word, start, _end in rjieba.tokenize(run.group(), mode=mode, hmm=False):
            for piece in _TOKEN_RUN.finditer(word):
                found.append(
                    Token(
                        piece.group(), run.start() + start + piece.start(), run.start() + start + piece.end()
                    )
                )
    return found


def words(text: str, *, search_mode: bool = True) -> list[str]:
    """The meaningful words of ``text``: tokens without stop words, in order (duplicates kept)."""
    stop = stop_words()
    return [
        token.text for token in tokens_with_offsets(text, search_mode=search_mode) if token.text not in stop
    ]


@cache
def spellings(word: str) -> tuple[str, ...]:
    """Pinyin and initials of a Chinese word of two or more characters (社保卡 → shebaoka, sbk); else ()."""
    if len(word) < 2 or not is_chinese(word):
        return ()
    full = "".join(lazy_pinyin(word, errors="ignore"))
    initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore"))
    return tuple(dict.fromkeys(spelling for spelling in (full, initials) if _LATIN.fullmatch(spelling)))


def index_terms(text: str) -> list[str]:
    """What the index stores for ``text``: its words, then the pinyin and initials of its Chinese words."""
    found = words(text)
    return found + [spelling for word in found for spelling in spellings(word)]


def term_variants(word: str) -> set[str]:
    """A word and the spellings under which the index also knows it."""
    return {word, *spellings(word)}


@cache
def syllable(char: str) -> str:
    """The pinyin of one character, without tone (卡 → ka); "" for anything else."""
    return "".join(lazy_pinyin(char, errors="ignore")) if is_chinese(char) else ""
