"""Read helpers of the notify app (查询)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.accounts.models import User
from yiwang.notify.models import Channel, DeliveryStatus, Notification
from yiwang.notify.sms import OUTBOX_REFERENCE_PREFIX


def inbox_of(user: User) -> QuerySet[Notification]:
    """``user``'s in-site messages (站内信), newest first."""
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def get_inbox_notification(user: User, reference: str, *, for_update: bool = False) -> Notification:
    """One of ``user``'s in-site messages; Http404 when it is someone else's or does not exist."""
    messages = inbox_of(user)
    if for_update:
        messages = messages.select_for_update()
    notification = messages.filter(reference=reference).first()
    if notification is None:
        raise Http404("no such message")
    return notification


def outbox_messages() -> QuerySet[Notification]:
    """Text messages handled by the demo gateway (演示短信网关发件箱), newest first, including those still queued."""
    return Notification.objects.filter(channel=Channel.SMS).filter(
        Q(provider_reference="") | Q(provider_reference__startswith=OUTBOX_REFERENCE_PREFIX)
    )


def stale_before(now: datetime) -> datetime:
    """Messages whose status has not moved since this moment are considered stuck."""
    return now - timedelta(seconds=settings.NOTIFY_STALE_AFTER_SECONDS)


def retry_due_at(notification: Notification) -> datetime:
    """When a failed message is tried again: the back-off doubles with every attempt (1, 2, 4 … minutes)."""
    backoff = settings.NOTIFY_RETRY_BACKOFF_SECONDS * 2 ** max(notification.attempts - 1, 0)
    return notification.status_changed_at + timedelta(seconds=backoff)


def undelivered_notification_ids(now: datetime) -> list[int]:
    """E-mail and SMS to hand to the queue again: stuck in created/sending, or failed and due for a retry."""
    outgoing = Notification.objects.exclude(channel=Channel.INBOX)
    stuck = outgoing.filter(
        status__in=[DeliveryStatus.CREATED, DeliveryStatus.SENDING], status_changed_at__lt=stale_before(now)
    )
    failed = outgoing.filter(status=DeliveryStatus.FAILED, attempts__lt=settings.NOTIFY_MAX_ATTEMPTS).only(
        "id", "attempts", "status_changed_at"
    )
    ids = list(stuck.values_list("id", flat=True))
    ids += [notification.pk for notification in failed if retry_due_at(notification) <= now]
    return sorted(ids)
