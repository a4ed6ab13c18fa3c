"""The health endpoint and the error pages."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_database_queue_and_version(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["queue"]["status"] == "ok"
    assert body["version"]


@pytest.mark.django_db
def test_home_page_is_chinese_by_default(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.django_db
def test_unknown_url_gives_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
