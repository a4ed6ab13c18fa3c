"""Template context of the notify app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from yiwang.notify.sms import outbox_gateway_active


def sms_outbox(request: HttpRequest) -> dict[str, bool]:
    """``demo_mode``: the "演示环境" banner of every page; ``sms_outbox_active``: whether the demo SMS outbox
    (演示短信网关发件箱) is open, for the footer link (only in demo mode)."""
    return {"demo_mode": bool(settings.DEMO_MODE), "sms_outbox_active": outbox_gateway_active()}
