"""The inbox pages (我的消息) and the demo SMS outbox (演示短信网关发件箱)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import UserFactory
from yiwang.accounts.models import User
from yiwang.notify.actions import do_send_notification
from yiwang.notify.delivery import deliver
from yiwang.notify.models import Channel, Notification

pytestmark = pytest.mark.django_db


def _message(user: User, name: str) -> Notification:
    return do_send_notification("welcome", Channel.INBOX, recipient=user, personalisation={"name": name})


def test_inbox_needs_login(client: Client) -> None:
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_inbox_lists_my_messages_newest_first_with_unread_in_bold(client: Client) -> None:
    citizen = UserFactory()
    older, newer = _message(citizen, "甲"), _message(citizen, "乙")
    _message(UserFactory(), "别人")
    Notification.objects.filter(pk=older.pk).update(read_at=older.created_at)
    client.force_login(citizen)
    page = client.get("/inbox/").content.decode()
    assert "我的消息" in page
    assert "1 条未读消息" in page
    links = re.findall(r'href="/inbox/([a-z0-9]{10})/"', page)
    assert links == [newer.reference, older.reference]
    assert re.search(rf'<li class="unread">\s*<a href="/inbox/{newer.reference}/"', page)
    assert re.search(rf'<li class="">\s*<a href="/inbox/{older.reference}/"', page)


def test_opening_a_message_marks_it_read(client: Client) -> None:
    citizen = UserFactory()
    message = _message(citizen, "甲")
    client.force_login(citizen)
    page = client.get(f"/inbox/{message.reference}/").content.decode()
    assert "欢迎使用一网" in page
    assert "甲，您好！" in page
    message.refresh_from_db()
    assert message.read_at is not None
    assert "0 条未读消息" in client.get("/inbox/").content.decode()


def test_nobody_else_can_open_my_message(client: Client) -> None:
    message = _message(UserFactory(), "甲")
    client.force_login(UserFactory())
    assert client.get(f"/inbox/{message.reference}/").status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_personalisation_is_shown_as_text_not_html(client: Client) -> None:
    citizen = UserFactory()
    message = _message(citizen, "<script>alert(1)</script>")
    client.force_login(citizen)
    page = client.get(f"/inbox/{message.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_outbox_shows_demo_text_messages_without_login(client: Client, settings: Settings) -> None:
    settings.SMS_GATEWAY = "yiwang.notify.sms.OutboxSmsGateway"
    message = do_send_notification(
        "login-code", Channel.SMS, to_address="13800138000", personalisation={"code": "864209", "minutes": 5}
    )
    deliver(message.pk)
    response = client.get("/inbox/outbox/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "演示短信网关发件箱" in page
    assert "演示短信网关" in page and "不会发出" in page  # the banner
    assert message.reference in page
    assert "138****8000" in page and "13800138000" in page
    assert "您的登录验证码是864209" in page
    assert "已送达" in page


def test_outbox_does_not_exist_with_a_real_gateway(client: Client, settings: Settings) -> None:
    settings.SMS_GATEWAY = "tests.notify.fakes.RecordingSmsGateway"
    assert client.get("/inbox/outbox/").status_code == 404


def test_footer_links_to_the_outbox_only_with_the_demo_gateway(client: Client, settings: Settings) -> None:
    settings.SMS_GATEWAY = "yiwang.notify.sms.OutboxSmsGateway"
    assert 'href="/inbox/outbox/"' in client.get("/").content.decode()
    settings.SMS_GATEWAY = "tests.notify.fakes.RecordingSmsGateway"
    assert 'href="/inbox/outbox/"' not in client.get("/").content.decode()
