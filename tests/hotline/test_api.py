"""The work-order API: anonymous intake, problem+json errors, rate limits, reading and acting on an order."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.hotline.conftest import STREETLIGHT, Hotline

pytestmark = pytest.mark.django_db


def post_ticket(client: Client, hotline: Hotline, **fields):
    body = {
        "kind": "help",
        "text": STREETLIGHT,
        "division": hotline.division.code,
        "contact_phone": "13900000009",
    }
    body.update(fields)
    return client.post("/api/v1/tickets", body, content_type="application/json")


def test_anonymous_message_is_accepted_and_dispatched(hotline: Hotline) -> None:
    response = post_ticket(Client(), hotline)
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("GD")
    assert body["status"] == "dispatched"
    assert body["department"] == "roads"
    assert body["proposals"] is None  # routing details are for staff only
    assert body["contact_phone"] is None


def test_bad_message_is_problem_json_in_chinese(hotline: Hotline) -> None:
    response = post_ticket(Client(), hotline, text="坏", latitude="200", longitude="10", division="000")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert "division" in fields
    response = post_ticket(Client(), hotline, text="坏", latitude="200", longitude="10")
    messages = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert messages["text"] == "请至少用5个字描述您的诉求。"
    assert messages["latitude"] == "坐标须在-90到90之间。"


@override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "hotline-intake-per-address": "3/hour"})
def test_flood_from_one_address_gets_429(hotline: Hotline) -> None:
    client = Client()
    for index in range(3):
        assert post_ticket(client, hotline, contact_phone=f"1390000000{index}").status_code == 201
    response = post_ticket(client, hotline, contact_phone="13900000005")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert "留言过多" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 3600


def test_reading_needs_a_right_to_see(hotline: Hotline, login_verified_staff) -> None:
    number = post_ticket(Client(), hotline).json()["number"]
    assert Client().get(f"/api/v1/tickets/{number}").status_code == 401
    stranger = Client()
    stranger.force_login(hotline.citizen)
    assert stranger.get(f"/api/v1/tickets/{number}").status_code == 404
    clerk = login_verified_staff(Client(), hotline.roads_clerk)
    body = clerk.get(f"/api/v1/tickets/{number}").json()
    assert body["allowed_actions"] == ["sign", "send_back"]
    assert body["contact_phone"] == "139****0009"
    assert body["proposals"][0]["department"] == "roads"


def test_actions_through_the_api(hotline: Hotline, login_verified_staff) -> None:
    number = post_ticket(Client(), hotline).json()["number"]
    clerk = login_verified_staff(Client(), hotline.roads_clerk)
    url = f"/api/v1/tickets/{number}/actions"
    version = clerk.get(f"/api/v1/tickets/{number}").json()["version"]
    response = clerk.post(
        url, {"action": "sign", "expected_version": version}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    stale = clerk.post(
        url,
        {"action": "reply", "reply_text": "已修好路灯，恢复照明。", "expected_version": version},
        content_type="application/json",
    )
    assert stale.status_code == 409
    short = clerk.post(url, {"action": "reply", "reply_text": "好"}, content_type="application/json")
    assert short.status_code == 422
    done = clerk.post(
        url, {"action": "reply", "reply_text": "已修好路灯，今晚恢复照明。"}, content_type="application/json"
    )
    assert done.json()["status"] == "replied"
    unverified = Client()
    unverified.force_login(hotline.dispatcher)
    assert (
        unverified.post(
            url, {"action": "callback", "result": "satisfied"}, content_type="application/json"
        ).status_code
        == 403
    )
