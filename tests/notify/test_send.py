"""Sending notifications (发送通知): templates, addresses, channels, and hand-over to the queue on commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from tests.factories import NotificationTemplateFactory, UserFactory
from tests.notify.fakes import RecordingSmsGateway
from yiwang.core.models import AuditRecord
from yiwang.notify.actions import do_notify_user, do_send_notification
from yiwang.notify.models import Channel, DeliveryStatus, Notification, NotificationTemplate

pytestmark = pytest.mark.django_db


def test_login_code_text_message_uses_the_seeded_template(
    sms_gateway: type[RecordingSmsGateway], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = do_send_notification(
            "login-code",
            Channel.SMS,
            to_address="13800138000",
            personalisation={"code": "246810", "minutes": 5},
        )
    assert notification.body == "【一网】您的登录验证码是246810，5分钟内有效。请勿告诉他人。"
    assert [(sent.phone, sent.text) for sent in sms_gateway.sent] == [("13800138000", notification.body)]
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED
    assert notification.provider_reference == f"fake-{notification.reference}"


def test_text_message_goes_to_the_recipients_phone_by_default(
    sms_gateway: type[RecordingSmsGateway], django_capture_on_commit_callbacks
) -> None:
    citizen = UserFactory(phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        notification = do_send_notification(
            "welcome", Channel.SMS, recipient=citizen, personalisation={"name": "李四"}
        )
    assert notification.to_address == "13912345678"
    assert sms_gateway.sent[0].phone == "13912345678"


def test_text_message_waits_in_created_until_the_transaction_commits(
    sms_gateway: type[RecordingSmsGateway], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = do_send_notification(
            "login-code", Channel.SMS, to_address="13800138000", personalisation={"code": "1", "minutes": 5}
        )
        assert Notification.objects.get(pk=notification.pk).status == DeliveryStatus.CREATED
    assert sms_gateway.sent == []
    assert len(callbacks) == 1


def test_a_rolled_back_transaction_leaves_no_message(sms_gateway: type[RecordingSmsGateway]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        do_send_notification(
            "login-code", Channel.SMS, to_address="13800138000", personalisation={"code": "1", "minutes": 5}
        )
        raise RuntimeError("the caller's action failed")
    assert not Notification.objects.exists()
    assert sms_gateway.sent == []


def test_without_a_phone_the_text_message_is_refused_in_chinese() -> None:
    citizen = UserFactory(phone=None)
    with pytest.raises(ValidationError) as caught:
        do_send_notification("welcome", Channel.SMS, recipient=citizen, personalisation={"name": "李四"})
    assert caught.value.message_dict == {"to_address": ["没有可以接收短信的手机号码。"]}
    assert not Notification.objects.exists()


def test_a_malformed_phone_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        do_send_notification(
            "login-code", Channel.SMS, to_address="12345", personalisation={"code": "1", "minutes": 5}
        )
    assert "to_address" in caught.value.message_dict


def test_missing_personalisation_sends_nothing() -> None:
    with pytest.raises(ValidationError) as caught:
        do_send_notification(
            "login-code", Channel.SMS, to_address="13800138000", personalisation={"code": "1"}
        )
    assert caught.value.message_dict == {"personalisation": ["缺少个性化内容：minutes"]}
    assert not Notification.objects.exists()


def test_an_unknown_template_is_a_programming_error() -> None:
    with pytest.raises(NotificationTemplate.DoesNotExist, match="no-such-template"):
        do_send_notification("no-such-template", Channel.SMS, to_address="13800138000")


def test_in_site_message_is_delivered_at_once() -> None:
    citizen = UserFactory()
    notification = do_send_notification(
        "welcome", Channel.INBOX, recipient=citizen, personalisation={"name": "李四"}
    )
    assert notification.status == DeliveryStatus.DELIVERED
    assert notification.delivered_at is not None
    assert notification.subject == "欢迎使用一网"
    assert notification.body.startswith("李四，您好！")
    assert notification.read_at is None


def test_in_site_message_needs_a_recipient() -> None:
    with pytest.raises(ValidationError) as caught:
        do_send_notification("welcome", Channel.INBOX, personalisation={"name": "李四"})
    assert caught.value.message_dict == {"recipient": ["站内信需要指定接收账户。"]}


def test_email_is_sent_through_djangos_mail_backend(
    sms_gateway: type[RecordingSmsGateway], django_capture_on_commit_callbacks
) -> None:
    NotificationTemplateFactory(key="case-accepted", channel=Channel.EMAIL, subject="((item))已受理")
    citizen = UserFactory(email="li.si@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        notification = do_send_notification(
            "case-accepted",
            Channel.EMAIL,
            recipient=citizen,
            personalisation={"name": "李四", "item": "营业执照"},
        )
    assert [(message.to, message.subject, message.body) for message in mail.outbox] == [
        (["li.si@example.cn"], "营业执照已受理", "您好李四，您的事项营业执照已受理。")
    ]
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED
    assert notification.provider_reference == mail.outbox[0].extra_headers["Message-ID"]


def test_every_send_is_audited_without_the_personalisation() -> None:
    notification = do_send_notification(
        "login-code", Channel.SMS, to_address="13800138000", personalisation={"code": "246810", "minutes": 5}
    )
    record = AuditRecord.objects.get(action="notify.send", object_id=str(notification.pk))
    assert record.changes == {
        "template": "login-code",
        "channel": "sms",
        "recipient_id": None,
        "to": "138****8000",
    }
    assert "246810" not in str(record.changes)


def test_notify_user_uses_every_channel_the_user_can_be_reached_on(
    sms_gateway: type[RecordingSmsGateway], django_capture_on_commit_callbacks
) -> None:
    with_phone = UserFactory(phone="13900000001")
    without_phone = UserFactory(phone=None)
    with django_capture_on_commit_callbacks(execute=True):
        both = do_notify_user(with_phone, "welcome", {"name": "王五"})
        inbox_only = do_notify_user(without_phone, "welcome", {"name": "赵六"})
    assert sorted(notification.channel for notification in both) == ["inbox", "sms"]
    assert [notification.channel for notification in inbox_only] == ["inbox"]
    assert [sent.phone for sent in sms_gateway.sent] == ["13900000001"]


def test_references_are_unique_and_short() -> None:
    citizen = UserFactory()
    references = {
        do_send_notification(
            "welcome", Channel.INBOX, recipient=citizen, personalisation={"name": "x"}
        ).reference
        for _ in range(50)
    }
    assert len(references) == 50
    assert all(len(reference) == 10 for reference in references)
