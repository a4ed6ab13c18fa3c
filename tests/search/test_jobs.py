"""Index updates: a job after the feeding app's commit, and ``yiwang search reindex``."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tests.search.corpus import ListSource
from yiwang.search import documents as search_documents
from yiwang.search import queries
from yiwang.search.backends.base import SearchBackend, SearchQuery
from yiwang.search.documents import SearchDocument
from yiwang.search.tasks import schedule_reindex

pytestmark = pytest.mark.django_db

KIND = "testdoc"


@pytest.fixture
def source(empty_backend: SearchBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[ListSource]:
    """A registered source of two documents, the only one (the real apps' sources are set aside)."""
    listed = ListSource(
        [
            SearchDocument(kind=KIND, code="a1", title="临时救助", url="/a1/"),
            SearchDocument(kind=KIND, code="b2", title="结婚登记预约", url="/b2/"),
        ]
    )
    monkeypatch.setattr(search_documents, "_sources", {KIND: listed})
    yield listed


def codes_found(text: str) -> list[str]:
    return [hit.code for hit in queries.search(SearchQuery(text, kind=KIND)).hits]


def test_a_scheduled_reindex_runs_only_after_the_transaction_commits(
    source: ListSource, django_capture_on_commit_callbacks: pytest.FixtureRequest
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():  # type: ignore[operator]
        schedule_reindex(KIND, ["a1"])
        assert codes_found("临时救助") == []
    assert len(callbacks) == 1
    assert codes_found("临时救助") == ["a1"]
    assert codes_found("结婚登记") == []  # only the codes asked for


def test_a_reindex_removes_what_the_source_no_longer_yields(
    source: ListSource,
    empty_backend: SearchBackend,
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    empty_backend.index(source.documents())
    del source.by_code["a1"]
    source.by_code["b2"] = SearchDocument(kind=KIND, code="b2", title="离婚登记预约", url="/b2/")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        schedule_reindex(KIND, ["a1", "b2"])
    assert codes_found("临时救助") == []
    assert codes_found("离婚登记") == ["b2"]
    assert empty_backend.count(KIND) == 1


def test_the_reindex_command_rebuilds_everything_and_prints_counts(
    source: ListSource, empty_backend: SearchBackend
) -> None:
    empty_backend.index([SearchDocument(kind=KIND, code="gone", title="已取消事项")])
    out = StringIO()
    call_command("search", "reindex", "--kind", KIND, stdout=out)
    assert f"{KIND}: 2 documents indexed" in out.getvalue()
    assert empty_backend.codes(KIND) == {"a1", "b2"}


def test_the_reindex_command_rejects_an_unknown_kind(source: ListSource) -> None:
    with pytest.raises(CommandError, match="unknown kind"):
        call_command("search", "reindex", "--kind", "nope")
