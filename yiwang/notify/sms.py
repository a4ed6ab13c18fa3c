"""The SMS gateway interface (短信网关) and the built-in gateways; settings.SMS_GATEWAY picks one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

OUTBOX_REFERENCE_PREFIX = "outbox:"


class SmsGatewayError(Exception):
    """The gateway did not accept the message; the delivery is recorded as failed and retried."""


class SmsGateway(ABC):
    """Sends one text message; returns the provider's reference for it."""

    keeps_text_readable = False  # True when the platform itself is where the text is read (the demo outbox)

    @abstractmethod
    def send(self, phone: str, text: str, reference: str) -> str: ...


class OutboxSmsGateway(SmsGateway):
    """The demo gateway (演示短信网关): nothing leaves the machine, the message stays readable in the outbox page."""

    keeps_text_readable = True

    def send(self, phone: str, text: str, reference: str) -> str:
        return OUTBOX_REFERENCE_PREFIX + reference


class HttpSmsGateway(SmsGateway):
    """POSTs ``{phone, text, reference, sign_name}`` as JSON to settings.SMS_GATEWAY_URL with a bearer key.

    The provider answers 2xx, optionally with JSON ``{"id": "..."}`` naming its own reference.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        if not self.url.startswith(("https://", "http://")):
            raise SmsGatewayError(f"SMS_GATEWAY_URL must be an http(s) URL, got {self.url!r}")

    def send(self, phone: str, text: str, reference: str) -> str:
        payload = {"phone": phone, "text": text, "reference": reference, "sign_name": settings.SMS_SIGN_NAME}
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"gateway answered HTTP {exc.code}: {exc.read()[:200]!r}") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise SmsGatewayError(f"gateway unreachable: {exc}") from exc
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            answer = {}
        provider_reference = answer.get("id") if isinstance(answer, dict) else None
        return str(provider_reference or reference)


@cache
def _gateway_class(dotted_path: str) -> type[SmsGateway]:
    gateway_class = import_string(dotted_path)
    if not (isinstance(gateway_class, type) and issubclass(gateway_class, SmsGateway)):
        raise TypeError(f"SMS_GATEWAY {dotted_path!r} is not an SmsGateway")
    return gateway_class


def get_sms_gateway() -> SmsGateway:
    """The gateway named by settings.SMS_GATEWAY."""
    return _gateway_class(settings.SMS_GATEWAY)()


def is_demo_gateway(dotted_path: str) -> bool:
    """Whether the gateway at ``dotted_path`` keeps texts readable on the platform (the demo outbox)."""
    gateway_class = _gateway_class(dotted_path)
    return issubclass(gateway_class, OutboxSmsGateway) or gateway_class.keeps_text_readable


def outbox_gateway_active() -> bool:
    """Whether the demo outbox page is open: only in demo mode (``DEMO_MODE``) with the demo gateway.

    Outside demo mode the demo gateway is refused at start-up (system check ``yiwang.E001``); this second
    condition keeps the page closed even if that check were skipped.
    """
    return bool(settings.DEMO_MODE) and is_demo_gateway(settings.SMS_GATEWAY)
