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


@pytest.mark.django_db
def test_unknown_page_is_explained_in_chinese(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_unknown_api_url_is_problem_json(client: Client) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_openapi_document_is_served(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client: Client) -> None:
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) >= 8
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc-12345")
    assert echoed["X-Request-ID"] == "proxy-abc-12345"
