"""The search backend interface (搜索后端接口) and what every backend shares.

A backend stores pre-tokenised documents and answers term queries; reading the query (synonyms, typo fix,
pinyin), ranking boosts and highlighting are the same for every backend and live here.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from yiwang.search import analysis, tokenizer
from yiwang.search.documents import SearchDocument

TITLE_WEIGHT = 10.0
KEYWORDS_WEIGHT = 4.0
BODY_WEIGHT = 1.0
BUNDLE_BOOST = 0.5  # a bundle (一件事) ranks 1.5× an item with the same match
POPULARITY_BOOST = 0.1  # popularity breaks near-ties: at most 1.1×, less than one more matched word
MAX_LIMIT = 50
TOTAL_CAP = 1000  # counting is stopped here: "1000+ results" tells a citizen as much as "28,679 results"


@dataclass(frozen=True)
class SearchQuery:
    """What to look for: the user's text and optional filters (all exact codes; empty = any)."""

    text: str
    kind: str = ""
    department: str = ""  # department code
    item_type: str = ""
    audience: str = ""  # "person" or "company"
    limit: int = 10


@dataclass(frozen=True)
class SearchHit:
    kind: str
    code: str
    title: str
    department_code: str
    department_name: str
    item_type: str
    url: str
    score: float
    highlight: SafeString  # the title, HTML-escaped, with matched words in <mark>


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit] = field(default_factory=list)
    # Documents matching by name or keywords; those matching only in their text are counted too when the names
    # did not fill the page. Counted up to TOTAL_CAP only (``total_capped``: there are at least that many).
    total: int = 0
    total_capped: bool = False
    did_you_mean: str = ""
    message: str = ""  # why the query could not be used as typed; "" when it could


@dataclass(frozen=True)
class IndexedDocument:
    """A document ready to store: its terms per field, its filters and its ranking boost."""

    document: SearchDocument
    title_terms: list[str]
    keyword_terms: list[str]
    body_terms: list[str]

    @classmethod
    def prepare(cls, document: SearchDocument) -> IndexedDocument:
        return cls(
            document=document,
            title_terms=tokenizer.index_terms(document.title),
            keyword_terms=tokenizer.index_terms(" ".join(document.keywords)),
            body_terms=tokenizer.words(document.body),  # pinyin is for names: what people type as initials
        )

    @property
    def boost(self) -> float:
        popularity = min(max(self.document.popularity, 0.0), 1.0)
        bundle = BUNDLE_BOOST if self.document.kind == "bundle" else 0.0
        return (1.0 + bundle) * (1.0 + POPULARITY_BOOST * popularity)

    @property
    def audiences(self) -> str:
        """Audiences as one searchable string: " person company "."""
        return f" {' '.join(self.document.audiences)} " if self.document.audiences else ""

    def all_terms(self) -> set[str]:
        return {*self.title_terms, *self.keyword_terms, *self.body_terms}

    def substitution_keys(self) -> list[tuple[str, str]]:
        return [(key, term) for term in self.all_terms() for key in analysis.substitution_keys(term)]


@dataclass(frozen=True)
class StoredHit:
    """A row a backend found, before highlighting."""

    kind: str
    code: str
    title: str
    department_code: str
    department_name: str
    item_type: str
    url: str
    score: float

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> StoredHit:
        """From a row (kind, code, title, department code, department name, item type, url, score, …)."""
        kind, code, title, department_code, department_name, item_type, url, score = row[:8]
        return cls(kind, code, title, department_code, department_name, item_type, url, float(score))


class SearchBackend(abc.ABC):
    """One search index. ``search`` never raises on user input."""

    name: str = ""

    # --- storage, per backend -------------------------------------------------------------------------------
    @abc.abstractmethod
    def index(self, documents: Iterable[SearchDocument]) -> int:
        """Add or replace documents (by kind and code); returns how many were written."""

    @abc.abstractmethod
    def remove(self, kind: str, codes: Collection[str]) -> int:
        """Remove documents of ``kind`` with ``codes``; returns how many were removed."""

    @abc.abstractmethod
    def clear(self, kind: str = "") -> None:
        """Remove every document (of ``kind`` when given)."""

    @abc.abstractmethod
    def optimize(self) -> None:
        """Tidy the index after a bulk rebuild (merge pending index entries, refresh planner statistics)."""

    @abc.abstractmethod
    def count(self, kind: str = "") -> int:
        """How many documents are indexed (of ``kind`` when given)."""

    @abc.abstractmethod
    def codes(self, kind: str) -> set[str]:
        """The codes of the indexed documents of ``kind``."""

    @abc.abstractmethod
    def known_terms(self, terms: Collection[str]) -> set[str]:
        """See :class:`yiwang.search.analysis.Vocabulary`."""

    @abc.abstractmethod
    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        """See :class:`yiwang.search.analysis.Vocabulary`."""

    @abc.abstractmethod
    def terms_for_keys(self, keys: Collection[str]) -> set[str]:
        """See :class:`yiwang.search.analysis.Vocabulary`."""

    @abc.abstractmethod
    def _match(
        self, analysed: analysis.AnalysedQuery, query: SearchQuery, *, in_names: bool
    ) -> list[StoredHit]:
        """Documents that pass the filters and hold any of the query's ``terms`` in their title or keywords
        (``in_names``), or else only in their body; best first, at most ``query.limit``. The score counts all
        the query's terms (also ``context_terms``) in every field; only the matching documents are ranked."""

    @abc.abstractmethod
    def _count(
        self, analysed: analysis.AnalysedQuery, query: SearchQuery, *, in_names: bool, cap: int
    ) -> int:
        """How many documents :meth:`_match` would find without its limit, counting no further than ``cap``."""

    @abc.abstractmethod
    def _match_title_prefix(self, words: Sequence[str], prefix: str, limit: int) -> list[str]:
        """Titles holding all ``words`` and a word starting with ``prefix``, best first."""

    # --- shared behaviour ----------------------------------------------------------------------------------
    def search(self, query: SearchQuery, synonyms: analysis.SynonymTable | None = None) -> SearchResults:
        """Find documents for what the user typed: best first, highlighted, with a "did you mean" if needed."""
        analysed = analysis.analyse(query.text, self, synonyms or analysis.SynonymTable())
        if not analysed.terms:
            return SearchResults(message=analysed.message)
        limited = dataclasses.replace(query, limit=min(max(query.limit, 1), MAX_LIMIT))
        # Name matches rank first; text-only matches fill the page when names are not enough. Done in two
        # steps so a common word in the text of many documents is only ranked when it is needed.
        stored = self._match(analysed, limited, in_names=True)
        total = self._total(analysed, limited, stored, in_names=True)
        if len(stored) < limited.limit:
            rest = dataclasses.replace(limited, limit=limited.limit - len(stored))
            more = self._match(analysed, rest, in_names=False)
            stored, total = stored + more, total + self._total(analysed, rest, more, in_names=False)
        wanted = set(analysed.all_terms)
        hits = [
            SearchHit(
                kind=row.kind,
                code=row.code,
                title=row.title,
                department_code=row.department_code,
                department_name=row.department_name,
                item_type=row.item_type,
                url=row.url,
                score=round(row.score, 4),
                highlight=highlight(row.title, wanted),
            )
            for row in stored
        ]
        return SearchResults(
            hits=hits,
            total=min(total, TOTAL_CAP),
            total_capped=total >= TOTAL_CAP,
            did_you_mean=analysed.did_you_mean,
            message=analysed.message,
        )

    def _total(
        self, analysed: analysis.AnalysedQuery, query: SearchQuery, found: list[StoredHit], *, in_names: bool
    ) -> int:
        """How many documents match, counted only when the page is full (otherwise the page holds them all)."""
        if len(found) < query.limit:
            return len(found)
        return self._count(analysed, query, in_names=in_names, cap=TOTAL_CAP)

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles for autocomplete (自动补全): holding the typed words, the last one possibly unfinished."""
        tokens = [
            token
            for token in tokenizer.tokens_with_offsets(prefix[: analysis.MAX_QUERY_CHARS], search_mode=False)
            if token.text not in tokenizer.stop_words()
        ]
        if not tokens:
            return []
        limit = min(max(limit, 1), MAX_LIMIT)
        *complete, last = tokens
        return self._match_title_prefix([token.text for token in complete], last.text, limit)


def filter_clauses(query: SearchQuery, placeholder: str, table_alias: str = "") -> tuple[str, list[str]]:
    """The SQL conditions of the query's filters (kind, department, type, audience), each as `` AND …``.

    ``placeholder`` is the driver's parameter marker (``%s`` or ``?``); ``table_alias`` prefixes the columns.
    """
    prefix = f"{table_alias}." if table_alias else ""
    clauses: list[str] = []
    values: list[str] = []
    for column, value in (
        ("kind", query.kind),
        ("department_code", query.department),
        ("item_type", query.item_type),
    ):
        if value:
            clauses.append(f"{prefix}{column} = {placeholder}")
            values.append(value)
    if query.audience:
        clauses.append(f"{prefix}audiences LIKE {placeholder}")
        values.append(f"% {query.audience} %")
    return "".join(f" AND {clause}" for clause in clauses), values


def highlight(title: str, terms: Collection[str]) -> SafeString:
    """The title with each word the query matched (also by pinyin) wrapped in <mark>, everything escaped."""
    spans = sorted(
        (token.start, token.end)
        for token in tokenizer.tokens_with_offsets(title)
        if tokenizer.term_variants(token.text) & set(terms)
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    position = 0
    for start, end in merged:
        parts.append(escape(title[position:start]))
        parts.append(f"<mark>{escape(title[start:end])}</mark>")
        position = end
    parts.append(escape(title[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the title is escaped above
