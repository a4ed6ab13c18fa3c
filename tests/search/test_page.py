"""The portal search page: highlighted results, did-you-mean link, filters, all without JavaScript."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.search.backends.base import SearchBackend

pytestmark = pytest.mark.django_db


def test_results_are_highlighted_and_link_to_their_guide(
    client: Client, corpus_backend: SearchBackend
) -> None:
    page = client.get("/search/", {"q": "生孩子要办什么"}).content.decode()
    assert '<a href="/bundles/newborn/"><mark>新生儿出生</mark>一件事</a>' in page
    assert "一件事" in page and "个结果" in page


def test_a_typo_offers_a_did_you_mean_link(client: Client, corpus_backend: SearchBackend) -> None:
    page = client.get("/search/", {"q": "退修"}).content.decode()
    assert "你是不是要找" in page
    assert 'href="?q=%E9%80%80%E4%BC%91"' in page


def test_filters_are_a_plain_get_form_and_bad_values_are_explained(
    client: Client, corpus_backend: SearchBackend
) -> None:
    page = client.get("/search/", {"q": "退休", "kind": "bundle"}).content.decode()
    assert 'href="/bundles/retirement/"' in page and "正常退休申请" not in page
    bad = client.get("/search/", {"q": "退休", "audience": "aliens"}).content.decode()
    assert "选择一个有效的选项" in bad


def test_nothing_found_and_empty_queries_say_so(client: Client, corpus_backend: SearchBackend) -> None:
    assert "没有找到" in client.get("/search/", {"q": "zzzzqqqq"}).content.decode()
    assert client.get("/search/").status_code == 200


def test_markup_in_the_query_is_escaped(client: Client, corpus_backend: SearchBackend) -> None:
    page = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_autocomplete_partial_lists_names(client: Client, corpus_backend: SearchBackend) -> None:
    response = client.get("/search/suggest/", {"q": "户口"}, headers={"HX-Request": "true"})
    assert '<option value="户口登记">' in response.content.decode()


def test_the_home_page_has_a_search_box(client: Client) -> None:
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page


def test_counting_stops_at_the_cap_and_says_more_than(
    client: Client, corpus_backend: SearchBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("yiwang.search.backends.base.TOTAL_CAP", 5)
    page = client.get("/search/", {"q": "证明"}).content.decode()
    assert "超过 5 个结果" in page
    body = client.get("/api/v1/search", {"q": "证明"}).json()
    assert body["total"] == 5 and body["total_capped"] is True
    few = client.get("/api/v1/search", {"q": "临时救助"}).json()
    assert few["total_capped"] is False and few["total"] == len(few["results"])
