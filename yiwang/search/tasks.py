"""Index update jobs (索引更新任务): run after the feeding app's transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from django_tasks import task

from yiwang.search.backends import get_backend
from yiwang.search.documents import SearchDocument, registered_sources

logger = logging.getLogger(__name__)


@task()
def reindex_documents(kind: str, codes: list[str] | None = None) -> int:
    """Bring the index up to date for ``kind``: the given codes, or every document of that kind.

    Documents the source no longer yields (withdrawn, deleted) are removed from the index.
    """
    source = registered_sources().get(kind)
    if source is None:
        logger.warning("no search source registered for kind %r", kind)
        return 0
    backend = get_backend()
    documents = list(source.documents(codes))
    found = {document.code for document in documents}
    gone = (set(codes) if codes is not None else backend.codes(kind)) - found
    backend.remove(kind, gone)
    return backend.index(documents)


def schedule_reindex(kind: str, codes: Iterable[str] | None = None) -> None:
    """Enqueue an index update for ``kind`` (the given codes, or all); it runs once the transaction commits."""
    reindex_documents.enqueue(kind, sorted(set(codes)) if codes is not None else None)


def reindex_all(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index now (重建索引), kind by kind; returns how many documents each kind has."""
    backend = get_backend()
    counts: dict[str, int] = {}
    for kind, source in sorted(registered_sources().items()):
        if kinds is not None and kind not in kinds:
            continue
        seen: set[str] = set()
        counts[kind] = backend.index(_recording_codes(source.documents(None), seen))
        backend.remove(kind, backend.codes(kind) - seen)
    backend.optimize()
    return counts


def _recording_codes(documents: Iterable[SearchDocument], seen: set[str]) -> Iterator[SearchDocument]:
    for document in documents:
        seen.add(document.code)
        yield document
