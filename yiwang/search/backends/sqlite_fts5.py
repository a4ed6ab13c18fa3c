"""SQLite FTS5 backend (默认搜索后端): the index in its own file, ``DATA_DIR/search.sqlite3`` (WAL).

Tables: ``search_document`` (filters, boost, display fields), ``search_fts`` (FTS5 over pre-tokenised text:
terms joined by spaces, read by the ``unicode61`` tokenizer), ``search_fts_vocab`` (FTS5 vocabulary: which
terms exist, in how many documents) and ``search_term_key`` (one-wildcard keys for typo correction).
Ranking: bm25 with column weights (title ≫ keywords > body), times the document's boost.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_document (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    department_code TEXT NOT NULL,
    department_name TEXT NOT NULL,
    item_type TEXT NOT NULL,
    audiences TEXT NOT NULL,
    boost REAL NOT NULL,
    url TEXT NOT NULL,
    UNIQUE (kind, code)
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    title, keywords, body, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab USING fts5vocab(search_fts, 'row');
CREATE TABLE IF NOT EXISTS search_term_key (
    key TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (key, term)
) WITHOUT ROWID;
"""
BATCH = 500
PARAMETERS_PER_QUERY = 500


def _quoted(term: str) -> str:
    """An FTS5 string: terms hold letters and digits only, but quote-doubling keeps this safe regardless."""
    return '"' + term.replace('"', '""') + '"'


def _chunks(values: Sequence[str], size: int = PARAMETERS_PER_QUERY) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SqliteFts5Backend(SearchBackend):
    name = "sqlite_fts5"

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else Path(settings.DATA_DIR) / "search.sqlite3"
        self._local = threading.local()

    @property
    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=20, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
            self._local.connection = connection
        return connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

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
        with self._writing() as connection:
            for prepared in batch:
                document = prepared.document
                row = connection.execute(
                    "SELECT id FROM search_document WHERE kind = ? AND code = ?",
                    (document.kind, document.code),
                ).fetchone()
                values = (
                    document.title,
                    document.department_code,
                    document.department_name,
                    document.item_type,
                    prepared.audiences,
                    prepared.boost,
                    document.url,
                )
                if row is None:
                    cursor = connection.execute(
                        "INSERT INTO search_document (title, department_code, department_name, item_type,"
                        " audiences, boost, url, kind, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values, document.kind, document.code),
                    )
                    document_id = cursor.lastrowid
                else:
                    document_id = row[0]
                    connection.execute(
                        "UPDATE search_document SET title = ?, department_code = ?, department_name = ?,"
                        " item_type = ?, audiences = ?, boost = ?, url = ? WHERE id = ?",
                        (*values, document_id),
                    )
                    connection.execute("DELETE FROM search_fts WHERE rowid = ?", (document_id,))
                connection.execute(
                    "INSERT INTO search_fts (rowid, title, keywords, body) VALUES (?, ?, ?, ?)",
                    (
                        document_id,
                        " ".join(prepared.title_terms),
                        " ".join(prepared.keyword_terms),
                        " ".join(prepared.body_terms),
                    ),
                )
                connection.executemany(
                    "INSERT OR IGNORE INTO search_term_key (key, term) VALUES (?, ?)",
                    prepared.substitution_keys(),
                )
        return len(batch)

    def remove(self, kind: str, codes: Collection[str]) -> int:
        removed = 0
        with self._writing() as connection:
            for chunk in _chunks(sorted(codes)):
                marks = ",".join("?" * len(chunk))
                ids = [
                    row[0]
                    for row in connection.execute(
                        f"SELECT id FROM search_document WHERE kind = ? AND code IN ({marks})",  # noqa: S608
                        (kind, *chunk),
                    )
                ]
                connection.executemany("DELETE FROM search_fts WHERE rowid = ?", [(id_,) for id_ in ids])
                connection.executemany("DELETE FROM search_document WHERE id = ?", [(id_,) for id_ in ids])
                removed += len(ids)
        return removed

    def clear(self, kind: str = "") -> None:
        if kind:
            self.remove(kind, self.codes(kind))
            return
        with self._writing() as connection:
            connection.execute("DELETE FROM search_fts")
            connection.execute("DELETE FROM search_document")
            connection.execute("DELETE FROM search_term_key")

    def optimize(self) -> None:
        """Merge the FTS5 index segments into one (FTS5 ``optimize``) and refresh the statistics."""
        with self._writing() as connection:
            connection.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        self.connection.execute("PRAGMA optimize")

    def count(self, kind: str = "") -> int:
        if kind:
            row = self.connection.execute("SELECT count(*) FROM search_document WHERE kind = ?", (kind,))
        else:
            row = self.connection.execute("SELECT count(*) FROM search_document")
        return int(row.fetchone()[0])

    def codes(self, kind: str) -> set[str]:
        rows = self.connection.execute("SELECT code FROM search_document WHERE kind = ?", (kind,))
        return {row[0] for row in rows}

    # --- vocabulary ----------------------------------------------------------------------------------------
    def known_terms(self, terms: Collection[str]) -> set[str]:
        return set(self.document_frequencies(terms))

    def document_frequencies(self, terms: Collection[str]) -> dict[str, int]:
        frequencies: dict[str, int] = {}
        for term in set(terms):
            row = self.connection.execute(
                "SELECT doc FROM search_fts_vocab WHERE term = ?", (term,)
            ).fetchone()
            if row is not None and row[0] > 0:
                frequencies[term] = int(row[0])
        return frequencies

    def terms_for_keys(self, keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(keys)):
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(
                f"SELECT term FROM search_term_key WHERE key IN ({marks})",  # noqa: S608
                tuple(chunk),
            )
            found.update(row[0] for row in rows)
        return found

    # --- queries -------------------------------------------------------------------------------------------

    def _expression(self, analysed: AnalysedQuery, *, in_names: bool) -> str:
        found = "(" + " OR ".join(map(_quoted, analysed.terms)) + ")"
        scored = "(" + " OR ".join(map(_quoted, analysed.all_terms)) + ")"
        names = "({title keywords} : " + found + ")"
        # bm25 scores every phrase of the expression: "scored AND names" keeps body matches and the lone
        # characters in the score of a document found by name (a bundle whose text lists the synonym's official
        # words ranks higher), while only the names decide which documents are found and ranked.
        return f"{scored} AND {names}" if in_names else f"{scored} AND ((body : {found}) NOT {names})"

    def _match(self, analysed: AnalysedQuery, query: SearchQuery, *, in_names: bool) -> list[StoredHit]:
        where, values = filter_clauses(query, "?", "d")
        # One pass: FTS5 yields the matching rows, bm25 × boost is computed once per row and SQLite keeps only
        # the best ``limit`` (no materialised match list, no window count).
        rows = self.connection.execute(
            "SELECT d.kind, d.code, d.title, d.department_code, d.department_name, d.item_type, d.url,"  # noqa: S608 - only constants and placeholders are interpolated
            f" -bm25(search_fts, {TITLE_WEIGHT}, {KEYWORDS_WEIGHT}, {BODY_WEIGHT}) * d.boost AS score"
            f" FROM search_fts JOIN search_document d ON d.id = search_fts.rowid"
            f" WHERE search_fts MATCH ?{where} ORDER BY score DESC, d.title LIMIT ?",
            (self._expression(analysed, in_names=in_names), *values, query.limit),
        ).fetchall()
        return [StoredHit.from_row(row) for row in rows]

    def _count(self, analysed: AnalysedQuery, query: SearchQuery, *, in_names: bool, cap: int) -> int:
        where, values = filter_clauses(query, "?", "d")
        row = self.connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM search_fts JOIN search_document d ON d.id = search_fts.rowid"  # noqa: S608 - only constants and placeholders are interpolated
            f" WHERE search_fts MATCH ?{where} LIMIT ?)",
            (self._expression(analysed, in_names=in_names), *values, cap),
        ).fetchone()
        return int(row[0])

    def _match_title_prefix(self, words: Sequence[str], prefix: str, limit: int) -> list[str]:
        expression = "title : (" + " AND ".join([*map(_quoted, words), _quoted(prefix) + " *"]) + ")"
        rows = self.connection.execute(
            "SELECT d.title FROM search_fts JOIN search_document d ON d.id = search_fts.rowid"  # noqa: S608 - only constants and placeholders are interpolated
            f" WHERE search_fts MATCH ? ORDER BY"
            f" bm25(search_fts, {TITLE_WEIGHT}, {KEYWORDS_WEIGHT}, {BODY_WEIGHT}) * d.boost, d.title LIMIT ?",
            (expression, limit * 3),
        )
        return list(dict.fromkeys(row[0] for row in rows))[:limit]
