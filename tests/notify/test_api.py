"""API: the caller's in-site messages (``/api/v1/me/notifications``)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from yiwang.accounts.models import User
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel, Notification

pytestmark = pytest.mark.django_db


def _message(user: User, name: str) -> Notification:
    return do_send_notification("welcome", Channel.INBOX, recipient=user, personalisation={"name": name})


def test_list_needs_login(client: Client) -> None:
    response = client.get("/api/v1/me/notifications")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_list_is_my_inbox_newest_first_and_paginated(client: Client) -> None:
    citizen = UserFactory()
    messages = [_message(citizen, f"第{n}") for n in range(25)]
    _message(UserFactory(), "别人")
    do_send_notification("welcome", Channel.SMS, recipient=citizen, personalisation={"name": "短信"})
    client.force_login(citizen)
    first = client.get("/api/v1/me/notifications").json()
    assert first["count"] == 25
    assert [item["reference"] for item in first["items"]] == [m.reference for m in reversed(messages)][:20]
    assert first["items"][0] == {
        "reference": messages[-1].reference,
        "subject": "欢迎使用一网",
        "body": messages[-1].body,
        "created_at": first["items"][0]["created_at"],
        "read_at": None,
        "is_read": False,
    }
    second = client.get("/api/v1/me/notifications?page=2").json()
    assert [item["reference"] for item in second["items"]] == [m.reference for m in reversed(messages)][20:]


def test_mark_read(client: Client) -> None:
    citizen = UserFactory()
    message = _message(citizen, "甲")
    client.force_login(citizen)
    response = client.post(f"/api/v1/me/notifications/{message.reference}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    again = client.post(f"/api/v1/me/notifications/{message.reference}/read")
    assert again.json()["read_at"] == response.json()["read_at"]


def test_someone_elses_message_is_not_found(client: Client) -> None:
    message = _message(UserFactory(), "甲")
    client.force_login(UserFactory())
    response = client.post(f"/api/v1/me/notifications/{message.reference}/read")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    message.refresh_from_db()
    assert message.read_at is None
