"""The search API: public search and autocomplete, problem+json on bad parameters, synonyms for admins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import CitizenFactory, StaffRoleFactory
from tests.search.corpus import item_code
from yiwang.accounts.models import User
from yiwang.core.models import AuditRecord
from yiwang.org.models import Role
from yiwang.search.backends.base import SearchBackend
from yiwang.search.models import Synonym

pytestmark = pytest.mark.django_db


def test_search_answers_in_the_documented_shape(client: Client, corpus_backend: SearchBackend) -> None:
    response = client.get("/api/v1/search", {"q": "sbk丢了", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    first = body["results"][0]
    assert first["name"] == "社会保障卡挂失"
    assert first["kind"] == "item"
    assert first["department"] == "区人社局"
    assert first["code"] == item_code("社会保障卡挂失")
    assert first["highlight"] == "<mark>社会保障卡挂失</mark>"
    assert set(first) == {"kind", "code", "name", "department", "type", "score", "url", "highlight"}
    assert body["total"] >= len(body["results"])
    assert body["did_you_mean"] is None


def test_search_offers_did_you_mean_and_explains_empty_queries(
    client: Client, corpus_backend: SearchBackend
) -> None:
    assert client.get("/api/v1/search", {"q": "退修"}).json()["did_you_mean"] == "退休"
    empty = client.get("/api/v1/search", {"q": ""}).json()
    assert empty["results"] == [] and empty["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "户口", "limit": 0}, "limit"),
        ({"q": "户口", "limit": 500}, "limit"),
        ({"q": "户口", "audience": "aliens"}, "audience"),
        ({"q": "户口", "kind": "nope"}, "kind"),
        ({"q": "户口", "type": "a b;"}, "type"),
    ],
)
def test_bad_parameters_are_problem_json_422(
    client: Client, corpus_backend: SearchBackend, params: dict[str, object], field: str
) -> None:
    response = client.get("/api/v1/search", params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}


def test_suggest_completes_names(client: Client, corpus_backend: SearchBackend) -> None:
    response = client.get("/api/v1/search/suggest", {"q": "残疾人证"})
    assert response.status_code == 200
    assert "残疾人证新办" in response.json()["suggestions"]
    assert client.get("/api/v1/search/suggest", {"q": "x", "limit": 99}).status_code == 422


@pytest.fixture
def platform_admin(login_verified_staff: Callable[[Client, User], Client]) -> tuple[Client, User]:
    user = StaffRoleFactory(role=Role.PLATFORM_ADMIN).user
    return login_verified_staff(Client(), user), user


def test_admins_edit_synonyms_and_each_change_is_audited(platform_admin: tuple[Client, User]) -> None:
    client, _user = platform_admin
    created = client.post(
        "/api/v1/search/synonyms",
        {"phrase": "手头紧", "expansion": "临时救助"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    synonym_id = created.json()["id"]
    changed = client.put(
        f"/api/v1/search/synonyms/{synonym_id}",
        {"phrase": "手头紧", "expansion": "临时救助 最低生活保障"},
        content_type="application/json",
    )
    assert changed.json()["expansion"] == "临时救助 最低生活保障"
    assert client.delete(f"/api/v1/search/synonyms/{synonym_id}").status_code == 204
    assert not Synonym.objects.filter(pk=synonym_id).exists()
    assert list(
        AuditRecord.objects.filter(action__startswith="search.synonym")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["search.synonym_created", "search.synonym_changed", "search.synonym_deleted"]


def test_a_duplicate_or_empty_synonym_is_refused(platform_admin: tuple[Client, User]) -> None:
    client, _user = platform_admin
    duplicate = client.post(
        "/api/v1/search/synonyms",
        {"phrase": "开饭店", "expansion": "食品经营许可"},
        content_type="application/json",
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["field"] == "phrase"
    empty = client.post(
        "/api/v1/search/synonyms", {"phrase": "手头紧", "expansion": "的 了"}, content_type="application/json"
    )
    assert [error["field"] for error in empty.json()["errors"]] == ["expansion"]


def test_citizens_and_clerks_cannot_edit_synonyms(
    client: Client, login_verified_staff: Callable[[Client, User], Client]
) -> None:
    assert client.get("/api/v1/search/synonyms").status_code == 401
    client.force_login(CitizenFactory())
    assert client.get("/api/v1/search/synonyms").status_code == 403
    clerk = login_verified_staff(Client(), StaffRoleFactory(role=Role.WINDOW_CLERK).user)
    response = clerk.post(
        "/api/v1/search/synonyms",
        {"phrase": "手头紧", "expansion": "临时救助"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Synonym.objects.filter(phrase="手头紧").exists()
