"""The exchange API with department credentials, the citizen's data access record and consents, and the pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import CitizenFactory
from tests.registries.conftest import BASES, District
from yiwang.accounts.models import User
from yiwang.demo import identities
from yiwang.notify.models import Notification
from yiwang.registries import exchange
from yiwang.registries.actions import do_create_exchange_client
from yiwang.registries.models import AccessLogEntry, Consent, ExchangeClient, SupervisionItem

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]


def _token_client(district: District) -> tuple[Client, str]:
    _client, token = do_create_exchange_client(None, district.civil_affairs, "民政业务系统")
    return Client(headers={"X-Exchange-Token": token}), token


def _query(client: Client, **body: object) -> object:
    payload = {
        "service": "人口.户籍信息",
        "purpose": "case_handling",
        "legal_basis_code": BASES["人口.户籍信息"],
        **body,
    }
    return client.post("/api/v1/exchange/query", payload, content_type="application/json")


def test_token_holds_only_a_hash_and_answers_a_signed_query(district: District) -> None:
    client, token = _token_client(district)
    assert token not in str(ExchangeClient.objects.values_list("token_hash", flat=True)[0])
    response = _query(client, subject=district.citizen.resident_id)
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["outcome"] == "ok" and body["provider"]["code"] == district.police.code
    verify = Client().post(
        "/api/v1/exchange/verify",
        {"payload": body["payload"], "signature": body["signature"], "kid": body["kid"],
         "request_digest": body["request_digest"]},
        content_type="application/json",
    )  # fmt: skip
    assert verify.json() == {"genuine": True}
    entry = AccessLogEntry.objects.get(request_id=body["request_id"])
    assert entry.actor is None and entry.actor_label.endswith("民政业务系统")


def test_wrong_token_is_unauthorised_and_refusals_are_problems(district: District) -> None:
    assert _query(Client(headers={"X-Exchange-Token": "nope"}), subject="x").status_code == 401  # type: ignore[attr-defined]
    client, _token = _token_client(district)
    refused = _query(client, service="人口.无犯罪记录", subject=district.citizen.resident_id)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert refused["Content-Type"] == "application/problem+json"  # type: ignore[index]
    assert "不予共享" in refused.json()["detail"] or "不共享" in refused.json()["detail"]  # type: ignore[attr-defined]
    malformed = _query(client, subject="12345")
    assert malformed.status_code == 422  # type: ignore[attr-defined]
    assert AccessLogEntry.objects.filter(outcome="refused").count() == 2


def test_services_list_what_the_calling_department_may_use(
    district: District, login_verified_staff: Login
) -> None:
    civil = login_verified_staff(Client(), district.clerk).get("/api/v1/exchange/services").json()
    transport = (
        login_verified_staff(Client(), district.transport_clerk).get("/api/v1/exchange/services").json()
    )
    civil_names = {service["name"] for service in civil}
    transport_names = {service["name"] for service in transport}
    assert {"人口.户籍信息", "人口.婚姻状况", "法人.登记信息"} <= civil_names
    assert "人口.无犯罪记录" not in civil_names and "社保.参保信息" not in civil_names
    assert "人口.户籍信息" not in transport_names and "法人.登记信息" in transport_names


def test_staff_session_query_is_logged_with_the_staff_member(
    district: District, login_verified_staff: Login
) -> None:
    client = login_verified_staff(Client(), district.clerk)
    body = _query(client, subject=district.citizen.resident_id).json()  # type: ignore[attr-defined]
    assert AccessLogEntry.objects.get(request_id=body["request_id"]).actor == district.clerk


def test_citizen_sees_own_accesses_only_and_flags_one(district: District) -> None:
    mine = exchange.query(consumer=district.civil_affairs, actor=district.clerk, service_name="人口.户籍信息",
                          subject=district.citizen.resident_id, purpose="case_handling", legal_basis_code=BASES["人口.户籍信息"],
                          case_reference="YW1")  # fmt: skip
    exchange.query(consumer=district.civil_affairs, actor=district.clerk, service_name="人口.户籍信息",
                   subject=identities.resident_id(2), purpose="case_handling", legal_basis_code=BASES["人口.户籍信息"])  # fmt: skip
    client = Client()
    client.force_login(district.citizen)
    rows = client.get("/api/v1/me/data-access").json()
    assert [row["request_id"] for row in rows] == [mine.request_id]
    assert rows[0]["staff"].startswith("高欣怡") and rows[0]["case_reference"] == "YW1"
    assert "members" in rows[0]["fields"]
    flagged = client.post(f"/api/v1/me/data-access/{mine.request_id}/flag", {"reason": "我没有办理任何业务"},
                          content_type="application/json")  # fmt: skip
    assert flagged.status_code == 201
    item = SupervisionItem.objects.get()
    assert item.department == district.civil_affairs
    notice = Notification.objects.get(recipient=district.civil_supervisor)
    assert "我没有办理任何业务" in notice.body
    again = client.post(f"/api/v1/me/data-access/{mine.request_id}/flag", {"reason": "再次"},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 409


def test_citizen_cannot_flag_someone_elses_access(district: District) -> None:
    theirs = exchange.query(consumer=district.civil_affairs, actor=district.clerk, service_name="人口.户籍信息",
                            subject=identities.resident_id(2), purpose="case_handling", legal_basis_code=BASES["人口.户籍信息"])  # fmt: skip
    client = Client()
    client.force_login(district.citizen)
    response = client.post(f"/api/v1/me/data-access/{theirs.request_id}/flag", {"reason": "看看"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 404 and not SupervisionItem.objects.exists()


def test_consent_api_grant_list_withdraw(district: District) -> None:
    client = Client()
    client.force_login(district.citizen)
    created = client.post("/api/v1/me/consents", {"purpose": "benefit_review", "case_reference": "YW9"},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    consent_id = created.json()["id"]
    assert client.post(f"/api/v1/me/consents/{consent_id}/withdraw").json()["withdrawn_at"] is not None
    assert client.post(f"/api/v1/me/consents/{consent_id}/withdraw").status_code == 409
    bad = client.post("/api/v1/me/consents", {"purpose": "curiosity"}, content_type="application/json")
    assert bad.status_code == 422 and Consent.objects.count() == 1
    stranger = Client()
    stranger.force_login(CitizenFactory())
    assert stranger.post(f"/api/v1/me/consents/{consent_id}/withdraw").status_code == 404


def test_tracker_page_and_flag_form(district: District) -> None:
    result = exchange.query(consumer=district.civil_affairs, actor=district.clerk, service_name="人口.婚姻状况",
                            subject=district.citizen.resident_id, purpose="case_handling", legal_basis_code=BASES["人口.婚姻状况"])  # fmt: skip
    client = Client()
    client.force_login(district.citizen)
    page = client.get("/registries/me/data-access/").content.decode()
    assert "我的数据使用记录" in page and district.civil_affairs.name in page and "人口.婚姻状况" in page
    empty = client.post(f"/registries/me/data-access/{result.request_id}/flag/", {"reason": ""})
    assert "请说明" in empty.content.decode() and not SupervisionItem.objects.exists()
    done = client.post(f"/registries/me/data-access/{result.request_id}/flag/", {"reason": "不认识"})
    assert done.status_code == 302 and SupervisionItem.objects.count() == 1


def test_consent_pages_grant_and_withdraw(district: District) -> None:
    client = Client()
    client.force_login(district.citizen)
    assert "我的授权" in client.get("/registries/me/consents/").content.decode()
    response = client.post("/registries/me/consents/", {"purpose": "case_handling", "case_reference": "YW7"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    client.post(f"/registries/me/consents/{consent.pk}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_catalogue_page_for_staff(district: District, login_verified_staff: Login) -> None:
    page = (
        login_verified_staff(Client(), district.transport_clerk).get("/registries/services/").content.decode()
    )
    assert "共享数据服务目录" in page and "人口.户籍信息" in page and "不予共享" in page
    citizen = Client()
    citizen.force_login(district.citizen)
    assert citizen.get("/registries/services/").status_code == 403
