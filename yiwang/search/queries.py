"""Read helpers of the search app (搜索查询): search, autocomplete, the synonym table."""

from __future__ import annotations

import threading

from django.db.models import Count, Max, Q, QuerySet, Sum

from yiwang.search.analysis import SynonymTable
from yiwang.search.backends import get_backend
from yiwang.search.backends.base import SearchQuery, SearchResults
from yiwang.search.models import Synonym

_lock = threading.Lock()
_synonyms: tuple[object, SynonymTable] | None = None


def synonym_table() -> SynonymTable:
    """The active synonyms, prepared for matching; rebuilt whenever a synonym is added, saved or deleted."""
    global _synonyms
    stamp = tuple(
        Synonym.objects.aggregate(
            rows=Count("id"),
            active=Count("id", filter=Q(is_active=True)),
            ids=Sum("id"),
            latest=Max("updated_at"),
        ).values()
    )
    with _lock:
        if _synonyms is None or _synonyms[0] != stamp:
            pairs = Synonym.objects.filter(is_active=True).values_list("phrase", "expansion")
            _synonyms = (stamp, SynonymTable.build(pairs))
        return _synonyms[1]


def search(query: SearchQuery) -> SearchResults:
    """Search the index in everyday words (搜索); never raises on what the user typed."""
    return get_backend().search(query, synonym_table())


def suggest(prefix: str, limit: int = 8) -> list[str]:
    """Titles for autocomplete (自动补全)."""
    return get_backend().suggest(prefix, limit)


def synonyms() -> QuerySet[Synonym]:
    return Synonym.objects.order_by("phrase")
