"""Delivery (投递): created → sending → delivered | failed, retries by the sweeper, never sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from tests.notify.fakes import RecordingSmsGateway
from yiwang.notify.actions import do_send_notification
from yiwang.notify.delivery import deliver
from yiwang.notify.models import Channel, DeliveryStatus, Notification
from yiwang.notify.queries import undelivered_notification_ids
from yiwang.notify.tasks import requeue_undelivered_notifications

pytestmark = pytest.mark.django_db


def _text_message() -> Notification:
    """A login-code SMS, created but not handed to the queue (no commit in these tests)."""
    return do_send_notification(
        "login-code", Channel.SMS, to_address="13800138000", personalisation={"code": "135790", "minutes": 5}
    )


def _age(notification: Notification, seconds: int) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_successful_delivery_records_times_and_the_provider_reference(
    sms_gateway: type[RecordingSmsGateway],
) -> None:
    notification = _text_message()
    assert deliver(notification.pk) == DeliveryStatus.DELIVERED
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.delivered_at is not None
    assert notification.provider_reference == f"fake-{notification.reference}"


def test_a_delivered_message_is_never_sent_again(sms_gateway: type[RecordingSmsGateway]) -> None:
    notification = _text_message()
    deliver(notification.pk)
    assert deliver(notification.pk) is None
    _age(notification, 3600)
    assert deliver(notification.pk) is None
    assert len(sms_gateway.sent) == 1
    assert notification.pk not in undelivered_notification_ids(timezone.now())


def test_gateway_failure_is_recorded_with_its_reason(sms_gateway: type[RecordingSmsGateway]) -> None:
    sms_gateway.failures_left = 1
    notification = _text_message()
    assert deliver(notification.pk) == DeliveryStatus.FAILED
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED
    assert notification.status_detail == "SmsGatewayError: gateway answered HTTP 503: busy"
    assert notification.attempts == 1
    assert notification.delivered_at is None


def test_sweeper_retries_a_failed_message_after_its_backoff(
    sms_gateway: type[RecordingSmsGateway], settings: Settings, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 60
    sms_gateway.failures_left = 1
    notification = _text_message()
    deliver(notification.pk)
    assert requeue_undelivered_notifications() == 0  # too early: the back-off has not passed
    _age(notification, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_undelivered_notifications() == 1
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED
    assert notification.attempts == 2
    assert notification.status_detail == ""


def test_backoff_doubles_with_every_attempt(
    sms_gateway: type[RecordingSmsGateway], settings: Settings
) -> None:
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 60
    sms_gateway.failures_left = 3
    notification = _text_message()
    for _ in range(3):
        _age(notification, 10_000)
        deliver(notification.pk)
    _age(notification, 4 * 60 - 5)
    assert notification.pk not in undelivered_notification_ids(timezone.now())
    _age(notification, 4 * 60 + 5)
    assert notification.pk in undelivered_notification_ids(timezone.now())


def test_sweeper_gives_up_after_the_maximum_attempts(
    sms_gateway: type[RecordingSmsGateway], settings: Settings
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    sms_gateway.failures_left = 5
    notification = _text_message()
    deliver(notification.pk)
    _age(notification, 10_000)
    deliver(notification.pk)
    _age(notification, 10_000)
    assert notification.pk not in undelivered_notification_ids(timezone.now())
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (DeliveryStatus.FAILED, 2)


def test_a_message_being_sent_right_now_is_left_alone(sms_gateway: type[RecordingSmsGateway]) -> None:
    notification = _text_message()
    Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.SENDING)
    assert deliver(notification.pk) is None
    assert notification.pk not in undelivered_notification_ids(timezone.now())
    assert sms_gateway.sent == []


def test_a_message_stuck_in_sending_after_a_worker_died_is_sent_again(
    sms_gateway: type[RecordingSmsGateway], settings: Settings
) -> None:
    notification = _text_message()
    Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.SENDING, attempts=1)
    _age(notification, settings.NOTIFY_STALE_AFTER_SECONDS + 1)
    assert notification.pk in undelivered_notification_ids(timezone.now())
    assert deliver(notification.pk) == DeliveryStatus.DELIVERED
    notification.refresh_from_db()
    assert notification.attempts == 2


def test_a_message_never_handed_to_the_queue_is_picked_up_by_the_sweeper(
    sms_gateway: type[RecordingSmsGateway], settings: Settings, django_capture_on_commit_callbacks
) -> None:
    notification = _text_message()  # its on-commit enqueue never ran: as if the queue had been down
    assert notification.pk not in undelivered_notification_ids(timezone.now())
    _age(notification, settings.NOTIFY_STALE_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_undelivered_notifications()
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED


def test_in_site_messages_are_never_delivered_by_the_queue(sms_gateway: type[RecordingSmsGateway]) -> None:
    from tests.factories import UserFactory

    notification = do_send_notification(
        "welcome", Channel.INBOX, recipient=UserFactory(), personalisation={"name": "x"}
    )
    assert deliver(notification.pk) is None
    assert sms_gateway.sent == []


# Each step: (gateway works?, minutes that pass before the next delivery attempt).
steps = st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=30)), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_delivery_state_machine(
    sms_gateway: type[RecordingSmsGateway], steps: list[tuple[bool, int]]
) -> None:
    """Whatever happens, attempts count gateway calls, delivered means sent exactly once, and
    only a delivered message has delivery times."""
    sms_gateway.reset()
    notification = _text_message()
    calls = 0
    for gateway_works, minutes in steps:
        sms_gateway.failures_left = 0 if gateway_works else 1
        was_delivered = Notification.objects.get(pk=notification.pk).status == DeliveryStatus.DELIVERED
        status = deliver(notification.pk)
        if was_delivered:
            assert status is None
        else:
            calls += 1
            assert status == (DeliveryStatus.DELIVERED if gateway_works else DeliveryStatus.FAILED)
        _age(notification, minutes * 60)
        current = Notification.objects.get(pk=notification.pk)
        assert current.attempts == calls
        assert (current.delivered_at is not None) == (current.status == DeliveryStatus.DELIVERED)
        assert current.status in {DeliveryStatus.CREATED, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}
    final = Notification.objects.get(pk=notification.pk)
    delivered_texts = [sent for sent in sms_gateway.sent if sent.reference == notification.reference]
    assert len(delivered_texts) == (1 if final.status == DeliveryStatus.DELIVERED else 0)


def test_a_login_code_is_not_kept_once_delivered(sms_gateway: type[RecordingSmsGateway]) -> None:
    notification = _text_message()
    assert notification.personalisation == {}
    deliver(notification.pk)
    notification.refresh_from_db()
    assert sms_gateway.sent[0].text == "【一网】您的登录验证码是135790，5分钟内有效。请勿告诉他人。"
    assert notification.body == ""
    assert "135790" not in str(Notification.objects.filter(pk=notification.pk).values().get())


def test_the_demo_outbox_keeps_the_login_code_readable(settings: Settings) -> None:
    settings.SMS_GATEWAY = "yiwang.notify.sms.OutboxSmsGateway"
    notification = _text_message()
    deliver(notification.pk)
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED
    assert "135790" in notification.body


def test_ordinary_messages_keep_their_text_and_personalisation(
    sms_gateway: type[RecordingSmsGateway],
) -> None:
    notification = do_send_notification(
        "welcome", Channel.SMS, to_address="13800138000", personalisation={"name": "李四"}
    )
    deliver(notification.pk)
    notification.refresh_from_db()
    assert notification.personalisation == {"name": "李四"}
    assert "李四" in notification.body
