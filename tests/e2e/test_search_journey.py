"""Journey: a citizen searches from the home page in everyday words (开饭店), lands on the food business licence
among the results, opens its guide and prints it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from yiwang.search.backends import get_backend

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CATALOGUE_CSV = Path(__file__).resolve().parents[2] / "yiwang" / "demo" / "data" / "guangan-service-items.csv"
FOOD_LICENCE = "食品(含保健食品)经营许可核发"


@pytest.fixture
def indexed_catalogue() -> object:
    """The real catalogue, guides and bundles, indexed. The SQLite FTS5 index lives in its own file, outside the
    test database's rollback: it is rebuilt here and cleared after."""
    call_command("catalog", "import", str(CATALOGUE_CSV), verbosity=0)
    call_command("catalog", "load-guides", verbosity=0)
    call_command("search", "reindex", verbosity=0)
    yield
    get_backend().clear()


def test_citizen_searches_in_everyday_words_opens_the_guide_and_prints_it(
    indexed_catalogue: None, live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("搜索服务事项").fill("开饭店")
    page.get_by_role("search").get_by_role("button", name="搜索").click()

    results = page.locator("ol.search-results")
    expect(results.get_by_role("link", name=FOOD_LICENCE)).to_be_visible()
    expect(results.get_by_role("link", name="开办餐饮店一件事")).to_be_visible()

    results.get_by_role("link", name=FOOD_LICENCE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FOOD_LICENCE)

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    expect(page.locator("table.materials")).to_be_visible()
    assert page.pdf()[:4] == b"%PDF"
