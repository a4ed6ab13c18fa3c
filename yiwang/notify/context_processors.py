"""Template context of the notify app."""

from __future__ import annotations

from django.http import HttpRequest

from yiwang.notify.sms import outbox_gateway_active


def sms_outbox(request: HttpRequest) -> dict[str, bool]:
    """``sms_outbox_active``: whether the demo SMS outbox (演示短信网关发件箱) is open, for the footer link."""
    return {"sms_outbox_active": outbox_gateway_active()}
