"""Views of the notify app: thin, they call actions and queries."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.accounts.models import User
from yiwang.notify import actions, queries
from yiwang.notify.rendering import mask_phone
from yiwang.notify.sms import outbox_gateway_active

INBOX_PAGE_SIZE = 20
OUTBOX_PAGE_SIZE = 50


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My in-site messages (我的消息), newest first, unread ones in bold."""
    page = Paginator(queries.inbox_of(cast(User, request.user)), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread_count": queries.unread_count(cast(User, request.user))},
    )


@login_required
@require_GET
def message_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One in-site message; opening it marks it read. Only its recipient can open it."""
    notification = actions.do_mark_notification_read(cast(User, request.user), reference)
    return render(request, "notify/detail.html", {"notification": notification})


@require_GET
def sms_outbox(request: HttpRequest) -> HttpResponse:
    """The demo gateway's outbox (演示短信网关发件箱): open without login so a demo user can read a login code.

    It publishes every code texted, so it exists only in demo mode (``DEMO_MODE``) with the demo gateway:
    anywhere else it is a 404, like any page that does not exist.
    """
    if not outbox_gateway_active():
        raise Http404("the SMS outbox exists only in demo mode")
    page = Paginator(queries.outbox_messages(), OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(message, mask_phone(message.to_address)) for message in page]
    return render(request, "notify/outbox.html", {"page": page, "rows": rows})
