"""Reading a citizen's query (查询理解): clean it, fix one wrong character, apply synonyms, list the terms.

Nothing the user types reaches a search engine's syntax: a query becomes a plain list of index terms (letters
and digits only), which each backend turns into its own query language.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext as _

from yiwang.search import tokenizer

MAX_QUERY_CHARS = 100
MAX_TERMS = 32
MIN_CORRECTED_CJK = 2  # a Chinese word of one character is too short to guess a typo in
MIN_CORRECTED_LATIN = 4


class Vocabulary(Protocol):
    """What the index knows about its words (词表); implemented by every backend."""

    def known_terms(self, terms: Collection[str]) -> set[str]:
        """Those of ``terms`` that some indexed document holds."""
        ...

    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        """How many documents hold each of ``terms`` (may be capped; terms held by none are left out)."""
        ...

    def terms_for_keys(self, keys: Collection[str]) -> set[str]:
        """Indexed words that have one of the one-wildcard ``keys`` (see :func:`substitution_keys`)."""
        ...


def substitution_keys(term: str) -> list[str]:
    """The term with each position in turn replaced by "?" (社保卡 → ?保卡, 社?卡, 社保?); [] if not correctable."""
    if not _correctable(term):
        return []
    return [term[:position] + "?" + term[position + 1 :] for position in range(len(term))]


def _correctable(term: str) -> bool:
    if tokenizer.is_chinese(term):
        return MIN_CORRECTED_CJK <= len(term) <= 12
    return term.isascii() and term.isalpha() and MIN_CORRECTED_LATIN <= len(term) <= 20


def core(text: str) -> str:
    """The meaningful words of a text run together (办营业执照 → 营业执照), for matching synonym phrases."""
    return "".join(tokenizer.words(text, search_mode=False))


@dataclass(frozen=True)
class SynonymRule:
    phrase: str
    expansion_terms: tuple[str, ...]


@dataclass(frozen=True)
class SynonymTable:
    """The active synonyms, prepared for matching: phrase cores, and the phrases' own words and spellings."""

    rules: tuple[SynonymRule, ...] = ()
    words: frozenset[str] = frozenset()
    chinese_by_spelling: dict[str, str] = field(default_factory=dict)  # "sbk" → "社保卡"
    words_by_key: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]]) -> SynonymTable:
        rules = []
        phrase_words: set[str] = set()
        for phrase, expansion in pairs:
            phrase_core = core(phrase)
            if not phrase_core:
                continue
            rules.append(
                SynonymRule(phrase_core, tuple(dict.fromkeys(tokenizer.words(expansion, search_mode=False))))
            )
            phrase_words.update(tokenizer.words(phrase, search_mode=False))
            phrase_words.add(phrase_core)
        by_spelling: dict[str, str] = {}
        by_key: dict[str, set[str]] = {}
        for word in sorted(phrase_words):
            for spelling in tokenizer.spellings(word):
                by_spelling.setdefault(spelling, word)
            for key in substitution_keys(word):
                by_key.setdefault(key, set()).add(word)
        return cls(
            rules=tuple(rules),
            words=frozenset(phrase_words),
            chinese_by_spelling=by_spelling,
            words_by_key={key: frozenset(found) for key, found in by_key.items()},
        )


@dataclass(frozen=True)
class AnalysedQuery:
    """The terms to look for, and what to tell the user.

    ``terms`` find documents; ``context_terms`` (lone characters of the query, 开 of 开饭店) only add to the
    score of what the terms found: a lone character holds in tens of thousands of documents, and ranking all
    of them made a selective query as slow as a common-word one.
    """

    terms: tuple[str, ...]
    did_you_mean: str = ""
    message: str = ""
    context_terms: tuple[str, ...] = ()

    @property
    def all_terms(self) -> tuple[str, ...]:
        return self.terms + self.context_terms


@dataclass(frozen=True)
class _Correction:
    start: int
    end: int
    replacement: str
    rank: tuple[int, int, int, int]


def analyse(text: str, vocabulary: Vocabulary, synonyms: SynonymTable) -> AnalysedQuery:
    """Turn what the user typed into index terms. Never raises; explains an unusable query in ``message``."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return AnalysedQuery((), message=_("Type what you are looking for, e.g. 社保卡 or 开饭店."))
    message = ""
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        message = _("Your query was long; only its first %(count)d characters were used.") % {
            "count": MAX_QUERY_CHARS
        }
    normalized = tokenizer.normalize(cleaned)
    query_tokens = [
        token
        for token in tokenizer.tokens_with_offsets(normalized, search_mode=False)
        if token.text not in tokenizer.stop_words()
    ]
    if not query_tokens:
        return AnalysedQuery((), message=_("No searchable words found; try naming the service, e.g. 社保卡."))

    latin = [token.text for token in query_tokens if token.text.isascii() and token.text.isalpha()]
    joined_latin = "".join(latin) if len(latin) > 1 else ""  # "she bao ka" as well as "shebaoka"
    restored = _restore_chinese(normalized, query_tokens, synonyms)
    if joined_latin in synonyms.chinese_by_spelling:
        restored += " " + synonyms.chinese_by_spelling[joined_latin]
    corrected = _correct_one_typo(restored, vocabulary, synonyms)
    final = corrected or restored
    # Whole words only (社会保障卡, not also 社会 保障): the index holds the parts too, and fewer terms rank faster.
    terms: list[str] = [
        *tokenizer.words(normalized, search_mode=False),
        *tokenizer.words(final, search_mode=False),
    ]
    if joined_latin:
        terms.append(joined_latin)
    cores = (core(restored), core(final))
    for rule in synonyms.rules:
        if any(rule.phrase in query_core for query_core in cores):
            terms.extend(rule.expansion_terms)
    unique_terms = tuple(dict.fromkeys(terms))[:MAX_TERMS]
    words = tuple(term for term in unique_terms if len(term) > 1)
    lone_characters = tuple(term for term in unique_terms if len(term) == 1)
    if not words:  # 证 alone: the lone characters are all there is to find by
        return AnalysedQuery(lone_characters, did_you_mean=corrected, message=message)
    return AnalysedQuery(words, did_you_mean=corrected, message=message, context_terms=lone_characters)


def _restore_chinese(normalized: str, tokens: list[tokenizer.Token], synonyms: SynonymTable) -> str:
    """Write pinyin the synonym phrases know back in Chinese (sbk丢了 → 社保卡丢了), so the phrases match."""
    restored = normalized
    for token in reversed(tokens):
        chinese = synonyms.chinese_by_spelling.get(token.text)
        if chinese:
            restored = restored[: token.start] + chinese + restored[token.end :]
    return restored


def _correct_one_typo(text: str, vocabulary: Vocabulary, synonyms: SynonymTable) -> str:
    """The query with one wrong character fixed, or "" when every word is known or no fix is found.

    For each unknown word, every stretch of the query holding it is compared with the indexed words (and the
    synonym phrases and their words) of the same length differing in one character; the longest stretch wins,
    then a character sounding the same (pinyin input), then a synonym phrase, then the most frequent word.
    """
    tokens = [
        token
        for token in tokenizer.tokens_with_offsets(text, search_mode=False)
        if token.text not in tokenizer.stop_words()
    ]
    known = vocabulary.known_terms([token.text for token in tokens]) | synonyms.words
    unknown = [token for token in tokens if token.text not in known]
    if not unknown:
        return ""
    windows: dict[str, list[tuple[int, int, int]]] = {}  # key → (window start, window end, wildcard position)
    for token in unknown:
        for start, end in _windows_around(text, token):
            for position in range(start, end):
                key = text[start:position] + "?" + text[position + 1 : end]
                windows.setdefault(key, []).append((start, end, position))
    candidates_by_key: dict[str, set[str]] = {key: set() for key in windows}
    for term in vocabulary.terms_for_keys(list(windows)):
        for key in substitution_keys(term):
            if key in candidates_by_key:
                candidates_by_key[key].add(term)
    for key in windows:
        candidates_by_key[key] |= synonyms.words_by_key.get(key, frozenset())
    all_candidates = {term for found in candidates_by_key.values() for term in found}
    if not all_candidates:
        return ""
    frequencies = vocabulary.document_frequencies(all_candidates)
    best: _Correction | None = None
    for key, found in candidates_by_key.items():
        for term in sorted(found):
            frequency = frequencies.get(term, 0)
            in_synonyms = term in synonyms.words
            if frequency == 0 and not in_synonyms:
                continue  # a word of documents since removed
            for start, end, position in windows[key]:
                sounds_alike = _same_sound(text[position], term[position - start])  # typed by pinyin input
                rank = (end - start, int(sounds_alike), int(in_synonyms), frequency)
                if best is None or rank > best.rank:
                    best = _Correction(start, end, term, rank)
    if best is None or text[best.start : best.end] == best.replacement:
        return (
            ""  # no fix, or the best match is what the query already says (a synonym phrase around the word)
        )
    return text[: best.start] + best.replacement + text[best.end :]


def _same_sound(typed: str, meant: str) -> bool:
    return tokenizer.syllable(typed) != "" and tokenizer.syllable(typed) == tokenizer.syllable(meant)


def _windows_around(text: str, token: tokenizer.Token) -> list[tuple[int, int]]:
    """Chinese stretches of ``text`` (2–8 characters) that hold all of ``token``."""
    if not tokenizer.is_chinese(token.text):
        return [(token.start, token.end)] if _correctable(token.text) else []
    run_start, run_end = token.start, token.end
    while run_start > 0 and tokenizer.is_chinese(text[run_start - 1]):
        run_start -= 1
    while run_end < len(text) and tokenizer.is_chinese(text[run_end]):
        run_end += 1
    spans = []
    for length in range(MIN_CORRECTED_CJK, min(8, run_end - run_start) + 1):
        for start in range(max(run_start, token.end - length), min(token.start, run_end - length) + 1):
            spans.append((start, start + length))
    return spans
