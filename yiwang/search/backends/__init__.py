"""Search backends (搜索后端), chosen by the ``SEARCH_BACKEND`` setting."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from yiwang.search.backends.base import SearchBackend


def configured_backend_name() -> str:
    """``SEARCH_BACKEND``: "sqlite_fts5", "postgres", or "auto" (postgres when the database is PostgreSQL)."""
    name = getattr(settings, "SEARCH_BACKEND", "auto")
    if name == "auto":
        engine = settings.DATABASES["default"]["ENGINE"]
        return "postgres" if engine == "django.db.backends.postgresql" else "sqlite_fts5"
    return str(name)


@cache
def get_backend() -> SearchBackend:
    """The configured backend, one per process."""
    name = configured_backend_name()
    if name == "postgres":
        from yiwang.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    if name == "sqlite_fts5":
        from yiwang.search.backends.sqlite_fts5 import SqliteFts5Backend

        return SqliteFts5Backend()
    raise ValueError(f"unknown SEARCH_BACKEND {name!r}")
