"""API endpoints of the notify app: the caller's in-site messages (我的消息)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from yiwang.accounts.models import User
from yiwang.core.pagination import Pagination
from yiwang.notify import actions, queries
from yiwang.notify.models import Notification

router = Router(tags=["notify"])


class NotificationOut(Schema):
    reference: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool


@router.get("/me/notifications", response=list[NotificationOut], summary="My in-site messages, newest first")
@paginate(Pagination, default_limit=20)
def list_my_notifications(request: HttpRequest) -> QuerySet[Notification]:
    return queries.inbox_of(cast(User, request.user))


@router.post(
    "/me/notifications/{reference}/read", response=NotificationOut, summary="Mark one of my messages read"
)
def mark_my_notification_read(request: HttpRequest, reference: str) -> Notification:
    return actions.do_mark_notification_read(cast(User, request.user), reference)
