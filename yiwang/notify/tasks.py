"""Background jobs of the notify app (后台任务): delivery, and a sweeper so no message is lost.

``deliver_notification`` is written against the django-tasks API and runs on Huey; the sweeper is a Huey
periodic task. The Huey consumer (``yiwang run_huey``) imports this module by autodiscovery.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.notify import delivery, queries

logger = logging.getLogger(__name__)


@task()
def deliver_notification(notification_id: int) -> str | None:
    """Send one e-mail or SMS (投递通知); a delivered message is never sent again."""
    return delivery.deliver(notification_id)


def requeue_undelivered_notifications() -> int:
    """Hand stuck (created/sending for minutes) and retry-due failed messages to the queue again (补发)."""
    notification_ids = queries.undelivered_notification_ids(timezone.now())
    for notification_id in notification_ids:
        deliver_notification.enqueue(notification_id)
    if notification_ids:
        logger.info("re-enqueued %d undelivered notifications", len(notification_ids))
    return len(notification_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_undelivered_notifications() -> int:
    """Every minute: re-enqueue what a stopped worker or a failing gateway left undelivered."""
    return requeue_undelivered_notifications()
