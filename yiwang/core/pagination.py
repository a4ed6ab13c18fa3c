"""Pagination of every API list (分页), one mechanism with bounded parameters.

A list takes ``limit`` (1–``MAX_LIMIT``) and either ``offset`` (0–``MAX_OFFSET``) or ``page`` (1–``MAX_PAGE``,
pages of ``limit`` items). Values outside these bounds are refused as 422 problem+json by the schema itself, so no
out-of-range number ever reaches the database (an offset past SQLite's 64-bit integers was a 500).

Endpoints whose answer is ``{"count", "items"}`` use ``@paginate(Pagination, default_limit=…)``; endpoints with an
envelope of their own take :class:`PageQuery` as ``Query[...]`` and cut the list with :func:`window`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_LIMIT = 200
MAX_OFFSET = 100_000
MAX_PAGE = 10_000
DEFAULT_LIMIT = 20

T = TypeVar("T")


class PageQuery(Schema):
    """The pagination parameters of every API list."""

    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description=f"items per page, 1–{MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")
    page: int | None = Field(
        None, ge=1, le=MAX_PAGE, description="page number (pages of `limit` items); overrides `offset`"
    )


def window(query: PageQuery, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """``(offset, limit)`` for ``query``: ``page`` counts pages of ``limit`` (or ``default_limit``) items."""
    limit = query.limit or min(default_limit, MAX_LIMIT)
    offset = (query.page - 1) * limit if query.page else query.offset
    return offset, limit


def cut(items: QuerySet[Any] | Sequence[T], query: PageQuery, default_limit: int = DEFAULT_LIMIT) -> Any:
    """The part of ``items`` that ``query`` asks for."""
    offset, limit = window(query, default_limit)
    return items[offset : offset + limit]


def count(items: QuerySet[Any] | Sequence[Any]) -> int:
    return items.count() if isinstance(items, QuerySet) else len(items)


class Pagination(PaginationBase):
    """``@paginate(Pagination, default_limit=20)``: answers ``{"count": n, "items": [...]}``."""

    class Input(PageQuery):
        pass

    def __init__(self, default_limit: int = DEFAULT_LIMIT, **kwargs: Any) -> None:
        self.default_limit = default_limit
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: PageQuery, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        return {"items": cut(queryset, pagination, self.default_limit), "count": count(queryset)}
