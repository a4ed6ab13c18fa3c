"""Personal API tokens: an app uses the API as the user; only a hash is kept; revoked or expired tokens stop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories import CitizenFactory, StaffFactory, StaffRoleFactory
from yiwang.accounts.actions import api_token_digest, do_create_api_token, do_revoke_api_token
from yiwang.accounts.models import ApiToken
from yiwang.core.audit import verify_chain
from yiwang.org.models import Role

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_acts_as_its_owner_and_only_its_hash_is_kept(client: Client) -> None:
    citizen = CitizenFactory(real_name="周文")
    new = do_create_api_token(citizen, "政务小程序", 30)
    assert new.raw.startswith("yw_")
    stored = ApiToken.objects.get()
    assert stored.token_hash == api_token_digest(new.raw) and new.raw not in (
        stored.prefix,
        stored.token_hash,
    )

    response = client.get("/api/v1/me", **bearer(new.raw))

    assert response.status_code == 200
    assert response.json()["real_name"] == "周文"
    assert ApiToken.objects.get().last_used_at is not None
    assert verify_chain().ok


@pytest.mark.parametrize("problem", ["revoked", "expired", "unknown"])
def test_a_revoked_expired_or_unknown_token_is_refused(client: Client, problem: str) -> None:
    citizen = CitizenFactory()
    new = do_create_api_token(citizen, "app", 30)
    raw = new.raw
    if problem == "revoked":
        do_revoke_api_token(citizen, new.token)
    elif problem == "expired":
        ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        raw = "yw_" + "x" * 43

    response = client.get("/api/v1/me", **bearer(raw))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_staff_token_reaches_the_staff_inbox_without_a_browser_session(client: Client) -> None:
    staff = StaffFactory()
    StaffRoleFactory(user=staff, role=Role.REVIEWER)
    new = do_create_api_token(staff, "部门系统", 7)

    response = client.get("/api/v1/work-items?box=todo", **bearer(new.raw))

    assert response.status_code == 200


def test_bad_token_requests_are_refused_with_field_errors() -> None:
    citizen = CitizenFactory()
    with pytest.raises(ValidationError) as info:
        do_create_api_token(citizen, " ", 400)
    assert set(info.value.message_dict) == {"name", "days"}
    assert not ApiToken.objects.exists()


def test_the_tokens_page_shows_a_new_token_once_and_revokes(client: Client) -> None:
    citizen = CitizenFactory()
    client.force_login(citizen)

    page = client.post("/accounts/tokens/", {"name": "记账软件", "days": "30"}).content.decode()

    assert "只显示这一次" in page
    raw = ApiToken.objects.get()
    assert (
        client.get("/accounts/tokens/").content.decode().count("yw_") == 1
    )  # the prefix only, never the token
    response = client.post(f"/accounts/tokens/{raw.pk}/revoke/")
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_someone_elses_token_cannot_be_revoked(client: Client) -> None:
    owner, other = CitizenFactory(), CitizenFactory()
    token = do_create_api_token(owner, "app", 30).token
    client.force_login(other)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_staff_must_pass_the_authenticator_code_before_making_tokens(client: Client) -> None:
    client.force_login(StaffFactory())  # password only
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
