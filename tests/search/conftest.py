"""Fixtures of the search tests: the configured backend, empty or holding the real-items corpus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.search.corpus import BUNDLES, item_documents
from yiwang.search.backends import get_backend
from yiwang.search.backends.base import SearchBackend


@pytest.fixture(scope="module")
def corpus_backend(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[SearchBackend]:
    """The configured backend holding the corpus, built once per module (committed, removed afterwards)."""
    backend = get_backend()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        backend.clear()
        backend.index([*item_documents(), *BUNDLES])
    yield backend
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        backend.clear()


@pytest.fixture
def empty_backend(db: None) -> Iterator[SearchBackend]:
    backend = get_backend()
    backend.clear()
    yield backend
    backend.clear()
