"""Verification pages and API, the holder's printable licence and "my licences"."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client
from django.urls import reverse

from tests.licences.conftest import District, IssueLicence
from yiwang.accounts.models import User
from yiwang.licences.actions import do_revoke_licence
from yiwang.licences.models import HolderKind, Licence
from yiwang.licences.queries import verification_url
from yiwang.licences.signer import b64url_decode, b64url_encode

pytestmark = pytest.mark.django_db

LoginStaff = Callable[[Client, User], Client]


def _verify_page(client: Client, number: str) -> str:
    response = client.get(reverse("licences:verify_result", args=[number]))
    assert response.status_code == 200
    return response.content.decode()


def test_verify_form_redirects_to_the_answer_and_explains_bad_numbers(
    client: Client, district: District, issue: IssueLicence
) -> None:
    licence = issue()
    page = client.get(reverse("licences:verify"))
    assert "核验电子证照" in page.content.decode()

    response = client.get(reverse("licences:verify"), {"number": f" {licence.number.lower()} "})
    assert response["Location"] == reverse("licences:verify_result", args=[licence.number])

    bad = client.get(reverse("licences:verify"), {"number": "JY-25/116"})
    assert bad.status_code == 400
    assert "证照编号只能由字母和数字组成" in bad.content.decode()


def test_verify_page_says_valid_with_the_key_fields_and_a_masked_person(
    client: Client, district: District, issue: IssueLicence
) -> None:
    licence = issue(
        holder_kind=HolderKind.PERSON, holder_name="王小明", holder_identifier=district.citizen.resident_id
    )

    page = _verify_page(client, licence.number)

    assert "有效" in page
    assert "食品经营许可证" in page
    assert "广安区市场监督管理局" in page
    assert "热食类食品制售" in page
    assert "王*明" in page
    assert "王小明" not in page
    assert district.citizen.resident_id not in page


def test_verify_page_says_revoked_expired_and_not_genuine(
    client: Client, district: District, issue: IssueLicence
) -> None:
    revoked = issue()
    do_revoke_licence(None, revoked, "经营者申请注销")
    expired = issue(valid_from=dt.date(2015, 1, 1), valid_until=dt.date(2020, 1, 1))
    altered = issue()
    Licence.objects.filter(pk=altered.pk).update(holder_name="冒名餐饮有限公司")

    assert "已注销" in _verify_page(client, revoked.number)
    assert "经营者申请注销" in _verify_page(client, revoked.number)
    assert "已过期" in _verify_page(client, expired.number)
    assert "非真实证照" in _verify_page(client, altered.number)
    assert "非真实证照" in _verify_page(client, "JY25116029999000001")


def test_qr_address_verifies_the_presented_copy_and_a_tampered_copy_is_not_genuine(
    client: Client, district: District, issue: IssueLicence
) -> None:
    licence = issue()
    url = urlsplit(verification_url(licence))
    query = {name: values[0] for name, values in parse_qs(url.query).items()}

    genuine = client.get(url.path, query).content.decode()
    assert "有效" in genuine
    assert "二维码" in genuine

    payload = json.loads(b64url_decode(query["p"]))
    payload["details"]["经营项目"] = "热食类食品制售、生食类食品制售"
    tampered = {**query, "p": b64url_encode(json.dumps(payload, ensure_ascii=False).encode())}
    page = client.get(url.path, tampered).content.decode()
    assert "非真实证照" in page
    assert "热食类食品制售、生食类食品制售" not in page

    damaged = client.get(url.path, {**query, "p": "%%%"}).content.decode()
    assert "非真实证照" in damaged


def test_printable_licence_for_the_company_agent_with_a_qr_code(
    client: Client, district: District, issue: IssueLicence
) -> None:
    licence = issue()
    client.force_login(district.company_agent)

    response = client.get(reverse("licences:detail", args=[licence.number]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page
    assert "扫描二维码核验" in page
    assert district.company.uscc in page
    mine = client.get(reverse("licences:mine")).content.decode()
    assert licence.number in mine
    assert "我的证照" in mine


def test_printable_licence_for_the_person_and_the_departments_staff_only(
    client: Client, district: District, issue: IssueLicence, login_verified_staff: LoginStaff
) -> None:
    licence = issue(
        holder_kind=HolderKind.PERSON, holder_name="王小明", holder_identifier=district.citizen.resident_id
    )
    url = reverse("licences:detail", args=[licence.number])

    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(district.citizen)
    assert client.get(url).status_code == 200
    assert licence.number in client.get(reverse("licences:mine")).content.decode()
    client.force_login(district.other_citizen)
    assert client.get(url).status_code == 403
    assert licence.number not in client.get(reverse("licences:mine")).content.decode()
    client.force_login(district.company_agent)
    assert client.get(url).status_code == 403
    login_verified_staff(client, district.health_approver)
    assert client.get(url).status_code == 403
    login_verified_staff(client, district.market_clerk)
    assert client.get(url).status_code == 200
    assert client.get(reverse("licences:detail", args=["JY25116029999000001"])).status_code == 404


def test_api_verify_by_number(client: Client, district: District, issue: IssueLicence) -> None:
    licence = issue()

    body = client.get(f"/api/v1/licences/{licence.number}/verify").json()

    assert body["number"] == licence.number
    assert body["status"] == "valid"
    assert body["status_label"] == "有效"
    assert body["licence"]["holder_name"] == "广安区味道餐饮有限公司"
    assert body["licence"]["details"]["经营场所"] == "广安区建设路18号"
    missing = client.get("/api/v1/licences/JY25116029999000001/verify").json()
    assert missing["status"] == "not_genuine"
    assert missing["licence"] is None


def test_api_verify_masks_a_persons_name_and_id(
    client: Client, district: District, issue: IssueLicence
) -> None:
    licence = issue(
        holder_kind=HolderKind.PERSON, holder_name="王小明", holder_identifier=district.citizen.resident_id
    )
    holder = client.get(f"/api/v1/licences/{licence.number}/verify").json()["licence"]
    assert holder["holder_name"] == "王*明"
    assert "*" in holder["holder_identifier"]


def test_api_public_keys_let_anyone_verify_offline(
    client: Client, district: District, issue: IssueLicence
) -> None:
    licence = issue()
    query = parse_qs(urlsplit(verification_url(licence)).query)

    keys = {key["kid"]: key for key in client.get("/api/v1/licences/keys").json()}

    key = keys[query["kid"][0]]
    assert (key["kty"], key["crv"], key["department"], key["valid_until"]) == ("OKP", "Ed25519", "scjg", None)
    public_key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "="))
    public_key.verify(b64url_decode(query["sig"][0]), b64url_decode(query["p"][0]))


def test_api_verify_presented_copy(client: Client, district: District, issue: IssueLicence) -> None:
    licence = issue()
    query = {name: values[0] for name, values in parse_qs(urlsplit(verification_url(licence)).query).items()}
    payload = b64url_decode(query["p"]).decode()
    presented = {"payload": payload, "signature": query["sig"], "kid": query["kid"]}

    genuine = client.post("/api/v1/licences/verify", presented, content_type="application/json").json()
    as_object = client.post(
        "/api/v1/licences/verify",
        {**presented, "payload": json.loads(payload)},
        content_type="application/json",
    ).json()
    altered = client.post(
        "/api/v1/licences/verify",
        {**presented, "payload": payload.replace("2031-03-01", "2041-03-01")},
        content_type="application/json",
    ).json()

    assert (genuine["status"], genuine["number"]) == ("valid", licence.number)
    assert as_object["status"] == "valid"
    assert altered["status"] == "not_genuine"
    assert altered["reason"]


def test_api_bad_input_is_problem_json(client: Client, district: District) -> None:
    response = client.post("/api/v1/licences/verify", {"payload": "{}"}, content_type="application/json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == {"signature", "kid"}


def test_api_revoke_for_the_departments_approver_only(
    client: Client, district: District, issue: IssueLicence, login_verified_staff: LoginStaff
) -> None:
    licence = issue()
    url = f"/api/v1/licences/{licence.number}/revoke"

    client.force_login(district.company_agent)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    login_verified_staff(client, district.health_approver)
    denied = client.post(url, {"reason": "越权"}, content_type="application/json")
    assert denied.status_code == 403
    assert denied["Content-Type"] == "application/problem+json"
    login_verified_staff(client, district.market_approver)
    empty = client.post(url, {"reason": ""}, content_type="application/json")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "reason"

    revoked = client.post(url, {"reason": "经营者申请注销"}, content_type="application/json")

    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert client.post(url, {"reason": "再次"}, content_type="application/json").status_code == 409
    assert client.get(f"/api/v1/licences/{licence.number}/verify").json()["status"] == "revoked"
