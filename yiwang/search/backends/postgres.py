"""PostgreSQL full-text backend (PostgreSQL 全文检索): the index in the main database.

Each document is a :class:`~yiwang.search.models.SearchEntry` row whose pre-tokenised text feeds a stored
``document`` tsvector (``simple`` configuration, title weight A, keywords B, body C) with a GIN index, both
added by the migration. Ranking: ``ts_rank_cd`` with weights matching the SQLite backend, times the boost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from django.db import connection, transaction

from yiwang.search import tokenizer
from yiwang.search.analysis import AnalysedQuery
from yiwang.search.backends.base import (
    BODY_WEIGHT,
    KEYWORDS_WEIGHT,
    TITLE_WEIGHT,
    IndexedDocument,
    SearchBackend,
    SearchQuery,
    StoredHit,
    filter_clauses,
)
from yiwang.search.documents import SearchDocument
from yiwang.search.models import SearchEntry, SearchTermKey

BATCH = 1000
FREQUENCY_CAP = 1000  # counting more documents than this would not change which correction wins
# ts_rank_cd weights in the order {D, C, B, A}: body C, keywords B, title A, relative to the title.
RANK_WEIGHTS = f"{{0, {BODY_WEIGHT / TITLE_WEIGHT}, {KEYWORDS_WEIGHT / TITLE_WEIGHT}, 1}}"
TABLE = SearchEntry._meta.db_table


def _lexeme(term: str, suffix: str = "") -> str:
    """A tsquery operand: terms hold letters and digits only, but quote escaping keeps this safe regardless."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'" + suffix


class PostgresBackend(SearchBackend):
    name = "postgres"

    # --- storage -------------------------------------------------------------------------------------------
    def index(self, documents: Iterable[SearchDocument]) -> int:
        written = 0
        batch: list[IndexedDocument] = []
        for document in documents:
            batch.append(IndexedDocument.prepare(document))
            if len(batch) >= BATCH:
                written += self._write(batch)
                batch = []
        if batch:
            written += self._write(batch)
        return written

    def _write(self, batch: list[IndexedDocument]) -> int:
        entries = {
            (prepared.document.kind, prepared.document.code): SearchEntry(
                kind=prepared.document.kind,
                code=prepared.document.code,
                title=prepared.document.title[:300],
                department_code=prepared.document.department_code,
                department_name=prepared.document.department_name,
                item_type=prepared.document.item_type,
                audiences=prepared.audiences,
                boost=prepared.boost,
                url=prepared.document.url,
                title_terms=" ".join(prepared.title_terms),
                keyword_terms=" ".join(prepared.keyword_terms),
                body_terms=" ".join(prepared.body_terms),
            )
            for prepared in batch
        }
        keys = {pair for prepared in batch for pair in prepared.substitution_keys()}
        with transaction.atomic():
            SearchEntry.objects.bulk_create(
                entries.values(),
                update_conflicts=True,
                unique_fields=["kind", "code"],
                update_fields=[
                    "title",
                    "department_code",
                    "department_name",
                    "item_type",
                    "audiences",
                    "boost",
                    "url",
                    "title_terms",
                    "keyword_terms",
                    "body_terms",
                ],
            )
            SearchTermKey.objects.bulk_create(
                [SearchTermKey(key=key, term=term) for key, term in keys],
                ignore_conflicts=True,
                batch_size=5000,
            )
        return len(entries)

    def remove(self, kind: str, codes: Collection[str]) -> int:
        removed, _ = SearchEntry.objects.filter(kind=kind, code__in=list(codes)).delete()
        return removed

    def clear(self, kind: str = "") -> None:
        with transaction.atomic():
            if kind:
                SearchEntry.objects.filter(kind=kind).delete()
            else:  # TRUNCATE leaves no dead rows behind for the GIN indexes to point at
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {TABLE}, {SearchTermKey._meta.db_table}")

    def optimize(self) -> None:
        """Reclaim the rows a rebuild replaced and refresh the planner statistics (VACUUM ANALYZE; inside a
        transaction, where VACUUM cannot run, only the GIN fast-update lists are merged and ANALYZE is run).
        Measured at 100k documents: without it the GIN indexes still point at the replaced rows, and every
        common-word query visits them all (2–3× slower)."""
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("SELECT gin_clean_pending_list('search_entry_document_gin')")
                cursor.execute("SELECT gin_clean_pending_list('search_entry_names_document_gin')")
                cursor.execute(f"ANALYZE {TABLE}")
            else:
                cursor.execute(f"VACUUM ANALYZE {TABLE}")

    def count(self, kind: str = "") -> int:
        entries = SearchEntry.objects.filter(kind=kind) if kind else SearchEntry.objects.all()
        return entries.count()

    def codes(self, kind: str) -> set[str]:
        return set(SearchEntry.objects.filter(kind=kind).values_list("code", flat=True))

    # --- vocabulary ----------------------------------------------------------------------------------------
    def known_terms(self, terms: Collection[str]) -> set[str]:
        if not terms:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t FROM unnest(%s::text[]) AS t WHERE EXISTS ("  # noqa: S608 - only constants and placeholders are interpolated
                f" SELECT 1 FROM {TABLE} WHERE document @@ to_tsquery('simple', quote_literal(t)))",
                [sorted(set(terms))],
            )
            return {row[0] for row in cursor.fetchall()}

    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        if not terms:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t, (SELECT count(*) FROM ("  # noqa: S608 - only constants and placeholders are interpolated
                f" SELECT 1 FROM {TABLE} WHERE document @@ to_tsquery('simple', quote_literal(t))"
                " LIMIT %s) AS capped) FROM unnest(%s::text[]) AS t",
                [FREQUENCY_CAP, sorted(set(terms))],
            )
            return {term: int(count) for term, count in cursor.fetchall() if count}

    def terms_for_keys(self, keys: Collection[str]) -> set[str]:
        return set(SearchTermKey.objects.filter(key__in=list(keys)).values_list("term", flat=True))

    # --- queries -------------------------------------------------------------------------------------------

    def _matching(
        self, analysed: AnalysedQuery, query: SearchQuery, *, in_names: bool
    ) -> tuple[str, list[str]]:
        """The WHERE clause and its values: the query's terms in the names (or only in the body), the filters.

        Each test is a plain ``@@`` on a GIN-indexed column, so the index finds exactly the matching rows.
        """
        found = " | ".join(map(_lexeme, analysed.terms))
        where, values = filter_clauses(query, "%s")
        if in_names:
            return f"names_document @@ to_tsquery('simple', %s){where}", [found, *values]
        return (
            f"document @@ to_tsquery('simple', %s) AND NOT names_document @@ to_tsquery('simple', %s){where}",
            [found, found, *values],
        )

    def _match(self, analysed: AnalysedQuery, query: SearchQuery, *, in_names: bool) -> list[StoredHit]:
        # ts_rank knows no term rarity (IDF): ranking on the parts of each word too (社会保障卡 → 社会 保障 …)
        # makes the share of the query a name covers count, as bm25 does on SQLite. The parts and the lone
        # characters only rank: the rows ranked are those the GIN index found for the whole words.
        ranking = " | ".join(
            map(
                _lexeme,
                dict.fromkeys(part for term in analysed.all_terms for part in (term, *tokenizer.words(term))),
            )
        )
        where, values = self._matching(analysed, query, in_names=in_names)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT kind, code, title, department_code, department_name, item_type, url,"  # noqa: S608 - only constants and placeholders are interpolated
                f" ts_rank('{RANK_WEIGHTS}', document, to_tsquery('simple', %s)) * boost AS score"
                f" FROM {TABLE} WHERE {where} ORDER BY score DESC, title LIMIT %s",
                [ranking, *values, query.limit],
            )
            return [StoredHit.from_row(row) for row in cursor.fetchall()]

    def _count(self, analysed: AnalysedQuery, query: SearchQuery, *, in_names: bool, cap: int) -> int:
        where, values = self._matching(analysed, query, in_names=in_names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {where} LIMIT %s) AS capped",  # noqa: S608 - only constants and placeholders are interpolated
                [*values, cap],
            )
            return int(cursor.fetchone()[0])

    def _match_title_prefix(self, words: Sequence[str], prefix: str, limit: int) -> list[str]:
        operands = [_lexeme(word, ":A") for word in words] + [_lexeme(prefix, ":*A")]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT title FROM {TABLE}, to_tsquery('simple', %s) AS q WHERE names_document @@ q"  # noqa: S608
                f" ORDER BY ts_rank('{RANK_WEIGHTS}', document, q) * boost DESC, title LIMIT %s",
                [" & ".join(operands), limit * 3],
            )
            return list(dict.fromkeys(row[0] for row in cursor.fetchall()))[:limit]
