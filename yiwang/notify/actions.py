"""Sending notifications (发送通知) and marking in-site messages read: every state change of the notify app."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import User
from yiwang.core.audit import record_audit
from yiwang.core.validators import normalise_phone, validate_phone
from yiwang.notify import queries
from yiwang.notify.models import Channel, DeliveryStatus, Notification, NotificationTemplate
from yiwang.notify.rendering import mask_email, mask_phone, render_message
from yiwang.notify.tasks import deliver_notification

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to read out on the phone
REFERENCE_LENGTH = 10


def new_reference() -> str:
    """A short random reference (通知编号) such as ``k7m2q9x4ta``."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _recipient_address(channel: str, recipient: User | None, to_address: str) -> str:
    """The address to send to on ``channel``: the given one, else the recipient's own; validated."""
    if channel == Channel.INBOX:
        if recipient is None:
            raise ValidationError(
                {"recipient": _("An in-site message needs a recipient account.")}, code="no_recipient"
            )
        return ""
    if channel == Channel.SMS:
        phone = normalise_phone(to_address or (recipient.phone if recipient and recipient.phone else ""))
        if not phone:
            raise ValidationError(
                {"to_address": _("There is no mobile number to send this text message to.")}, code="no_phone"
            )
        try:
            validate_phone(phone)
        except ValidationError as error:
            raise ValidationError({"to_address": error.messages}, code="phone_format") from None
        return phone
    email = (to_address or (recipient.email if recipient else "")).strip()
    if not email:
        raise ValidationError(
            {"to_address": _("There is no e-mail address to send this message to.")}, code="no_email"
        )
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"to_address": error.messages}, code="email_format") from None
    return email


def _masked(channel: str, address: str) -> str:
    if channel == Channel.SMS:
        return mask_phone(address)
    if channel == Channel.EMAIL:
        return mask_email(address)
    return ""


def _enqueue_delivery(notification_id: int) -> None:
    try:
        deliver_notification.enqueue(notification_id)
    except Exception:  # queue unreachable: the message stays "created" and the sweeper sends it later
        logger.exception("could not enqueue delivery of notification %s", notification_id)


def do_send_notification(
    template_key: str,
    channel: str,
    *,
    recipient: User | None = None,
    to_address: str = "",
    personalisation: Mapping[str, Any] | None = None,
) -> Notification:
    """Send the ``template_key`` template on ``channel`` (GOV.UK Notify style).

    ``((name))`` placeholders are filled from ``personalisation`` (plain text). An in-site message (站内信) is
    delivered at once; e-mail and SMS are created and handed to the queue when the transaction commits.
    For a template that ``contains_secret`` (a login code) the personalisation is not stored.
    """
    values = dict(personalisation or {})
    try:
        template = NotificationTemplate.objects.get(key=template_key, channel=channel)
    except NotificationTemplate.DoesNotExist:
        raise NotificationTemplate.DoesNotExist(
            f"there is no '{channel}' notification template with key {template_key!r}"
        ) from None
    address = _recipient_address(channel, recipient, to_address)
    subject, body = render_message(template.subject, template.body, values)
    now = timezone.now()
    delivered_at = now if channel == Channel.INBOX else None
    with transaction.atomic():
        notification = Notification.objects.create(
            reference=new_reference(),
            template=template,
            channel=channel,
            recipient=recipient,
            to_address=address,
            personalisation={} if template.contains_secret else values,
            subject=subject,
            body=body,
            status=DeliveryStatus.DELIVERED if delivered_at else DeliveryStatus.CREATED,
            status_changed_at=now,
            sent_at=delivered_at,
            delivered_at=delivered_at,
        )
        record_audit(
            None,
            "notify.send",
            notification,
            {
                "template": template_key,
                "channel": channel,
                "recipient_id": recipient.pk if recipient else None,
                "to": _masked(channel, address),
            },
        )
        if channel != Channel.INBOX:
            transaction.on_commit(partial(_enqueue_delivery, notification.pk))
    return notification


def do_notify_user(
    recipient: User, template_key: str, personalisation: Mapping[str, Any] | None = None
) -> list[Notification]:
    """Send ``template_key`` to ``recipient`` on every channel it has a template for and they have an address for."""
    channels = NotificationTemplate.objects.filter(key=template_key).values_list("channel", flat=True)
    reachable = {
        Channel.INBOX: True,
        Channel.SMS: bool(recipient.phone),
        Channel.EMAIL: bool(recipient.email),
    }
    with transaction.atomic():
        return [
            do_send_notification(template_key, channel, recipient=recipient, personalisation=personalisation)
            for channel in sorted(channels)
            if reachable.get(Channel(channel), False)
        ]


def do_mark_notification_read(user: User, reference: str) -> Notification:
    """Mark one of ``user``'s in-site messages read (已读); 404 for anyone else's. Reading twice changes nothing."""
    with transaction.atomic():
        notification = queries.get_inbox_notification(user, reference, for_update=True)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            record_audit(user, "notify.read", notification, {"reference": notification.reference})
    return notification
