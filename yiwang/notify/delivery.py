"""Delivering e-mail and SMS (投递): created → sending → delivered | failed, at least once, never twice once delivered."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, make_msgid
from django.db.models import F, Q
from django.utils import timezone

from yiwang.notify.models import Channel, DeliveryStatus, Notification
from yiwang.notify.queries import stale_before
from yiwang.notify.sms import get_sms_gateway

logger = logging.getLogger(__name__)

STATUS_DETAIL_LENGTH = Notification._meta.get_field("status_detail").max_length or 500


def _claim(notification_id: int) -> bool:
    """Move the message to ``sending`` unless it is delivered or another worker is sending it right now."""
    now = timezone.now()
    claimable = Q(status__in=[DeliveryStatus.CREATED, DeliveryStatus.FAILED]) | Q(
        status=DeliveryStatus.SENDING, status_changed_at__lt=stale_before(now)
    )
    claimed = (
        Notification.objects.exclude(channel=Channel.INBOX)
        .filter(claimable, pk=notification_id)
        .update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, status_changed_at=now, status_detail=""
        )
    )
    return claimed == 1


def _send(notification: Notification) -> tuple[str, bool]:
    """Hand the message to the mail backend or the SMS gateway.

    Returns the provider's reference and whether the text stays readable on the platform (the demo outbox).
    """
    if notification.channel == Channel.SMS:
        gateway = get_sms_gateway()
        provider_reference = gateway.send(notification.to_address, notification.body, notification.reference)
        return provider_reference, gateway.keeps_text_readable
    message_id = make_msgid(idstring=notification.reference)
    EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_address],
        headers={"Message-ID": message_id},
    ).send()
    return message_id, False


def deliver(notification_id: int) -> str | None:
    """Deliver one e-mail or SMS; return its new status, or None when there was nothing to do (idempotent)."""
    if not _claim(notification_id):
        return None
    notification = Notification.objects.select_related("template").get(pk=notification_id)
    try:
        provider_reference, text_stays_readable = _send(notification)
    except Exception as exc:  # any gateway or mail error: record it, the sweeper retries
        logger.warning("delivery of notification %s failed", notification.reference, exc_info=True)
        Notification.objects.filter(pk=notification_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED,
            status_changed_at=timezone.now(),
            status_detail=f"{exc.__class__.__name__}: {exc}"[:STATUS_DETAIL_LENGTH],
        )
        return DeliveryStatus.FAILED
    now = timezone.now()
    delivered: dict[str, Any] = {
        "status": DeliveryStatus.DELIVERED,
        "status_changed_at": now,
        "provider_reference": provider_reference[:100],
        "sent_at": now,
        "delivered_at": now,
    }
    if notification.template and notification.template.contains_secret and not text_stays_readable:
        delivered.update(subject="", body="")  # a login code is not kept once it has reached its owner
    Notification.objects.filter(pk=notification_id, status=DeliveryStatus.SENDING).update(**delivered)
    return DeliveryStatus.DELIVERED
