"""Everyday queries against the REAL catalogue: the shipped Guang'an CSV (1,135 items), imported with
``yiwang catalog import``, the shipped guides and bundles (``yiwang catalog load-guides``), then
``yiwang search reindex`` — on whichever backend is configured (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from yiwang.search import queries
from yiwang.search.backends import get_backend
from yiwang.search.backends.base import SearchQuery

CATALOGUE_CSV = Path(__file__).resolve().parents[2] / "yiwang" / "demo" / "data" / "guangan-service-items.csv"

SOCIAL_SECURITY_CARD_ITEMS = {
    "社会保障卡申领",
    "社会保障卡签发",
    "社会保障卡补领、换领、换发",
    "社会保障卡启用（激活）",
}
RESTAURANT = {"食品(含保健食品)经营许可核发", "开办餐饮店一件事"}
BUSINESS_LICENCE = {"公司设立登记", "个体工商户设立登记"}
RETIREMENT = {"企业职工基本养老保险正常退休申请", "退休一件事"}

# (what a citizen types, names any of which must be in the top 3)
EVERYDAY_QUERIES = [
    ("生孩子要办什么", {"新生儿出生一件事"}),
    ("sbk丢了", {"社会保障卡挂失"}),
    ("社保卡丢了", {"社会保障卡挂失"}),
    ("shebaoka", SOCIAL_SECURITY_CARD_ITEMS),
    ("开饭店", RESTAURANT),
    ("开餐馆", RESTAURANT),
    ("办营业执照", BUSINESS_LICENCE),
    ("退休", RETIREMENT),
]
ONE_TYPO_QUERIES = [
    ("生孩孑要办什么", "生孩子要办什么", {"新生儿出生一件事"}),
    ("社保咔丢了", "社保卡丢了", {"社会保障卡挂失"}),
    ("开饭占", "开饭店", RESTAURANT),
    ("开餐管", "开餐馆", RESTAURANT),
    ("办营业执找", "办营业执照", BUSINESS_LICENCE),
    ("退修", "退休", RETIREMENT),
]


@pytest.fixture(scope="module")
def real_catalogue(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """The catalogue imported and indexed once for the module, inside a transaction rolled back afterwards
    (the SQLite FTS5 index lives in its own file and is cleared)."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with transaction.atomic():
            call_command("catalog", "import", str(CATALOGUE_CSV), verbosity=0)
            call_command("catalog", "load-guides", verbosity=0)
            call_command("search", "reindex", verbosity=0)
            yield
            transaction.set_rollback(True)
        get_backend().clear()


def top3_names(text: str) -> list[str]:
    return [hit.title for hit in queries.search(SearchQuery(text, limit=3)).hits]


def test_the_whole_catalogue_and_the_bundles_are_indexed(real_catalogue: None, db: None) -> None:
    assert get_backend().count("item") >= 1135
    assert get_backend().count("bundle") >= 3


@pytest.mark.parametrize(("text", "intended"), EVERYDAY_QUERIES)
def test_everyday_words_find_the_intended_service_in_the_top_3(
    real_catalogue: None, db: None, text: str, intended: set[str]
) -> None:
    found = top3_names(text)
    assert intended & set(found), f"{text}: top 3 is {found}"


@pytest.mark.parametrize(("text", "corrected", "intended"), ONE_TYPO_QUERIES)
def test_one_wrong_character_still_finds_it(
    real_catalogue: None, db: None, text: str, corrected: str, intended: set[str]
) -> None:
    results = queries.search(SearchQuery(text, limit=3))
    assert results.did_you_mean == corrected
    found = [hit.title for hit in results.hits]
    assert intended & set(found), f"{text}: top 3 is {found}"


def test_a_found_item_links_to_its_guide_by_implementation_code(
    real_catalogue: None, db: None, client: Client
) -> None:
    hit = next(hit for hit in queries.search(SearchQuery("社保卡丢了", limit=3)).hits if hit.kind == "item")
    assert hit.title == "社会保障卡挂失"
    assert hit.code == "512B0070200008-511602000000-000-1151130108778239R-1-00"  # as in the CSV
    page = client.get(hit.url)
    assert page.status_code == 200
    assert "社会保障卡挂失" in page.content.decode()


def test_a_life_event_does_not_pull_in_unrelated_life_events(real_catalogue: None, db: None) -> None:
    """ "一件事" is in every bundle's name, so it must not make 退休一件事 an answer to 开饭店."""
    found = [hit.title for hit in queries.search(SearchQuery("开饭店", limit=3)).hits]
    assert set(found[:2]) == {"开办餐饮店一件事", "食品(含保健食品)经营许可核发"}
    assert "退休一件事" not in found and "新生儿出生一件事" not in found
