"""Journey: with the Content-Security-Policy in force, htmx still fills the search suggestions as a citizen types,
and the browser reports no policy violation on the pages a citizen opens first."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_htmx_suggestions_work_under_the_policy(live_server: LiveServer, page: Page) -> None:
    violations: list[str] = []
    page.on("console", lambda message: _note_violation(message, violations))

    response = page.goto(live_server.url + "/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    with page.expect_response(lambda answer: "/search/suggest" in answer.url and answer.status == 200):
        page.get_by_label("搜索服务事项").first.fill("社保")  # htmx asks for suggestions as the citizen types
    expect(page.locator("datalist#search-suggestions")).to_have_count(1)  # and swapped the answer in
    for path in ("/services/", "/accounts/login/", "/hotline/new/"):
        page.goto(live_server.url + path)
    assert violations == []


def _note_violation(message: ConsoleMessage, violations: list[str]) -> None:
    if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
        violations.append(message.text)
