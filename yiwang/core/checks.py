"""System checks of the platform (启动检查): configurations that must never serve real people.

Django runs them before every management command (``yiwang serve``, ``migrate``, ``check``) and ``yiwang.wsgi``
runs them when an application server loads the platform, so an error here stops the platform from starting.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

DEMO_GATEWAY_OUTSIDE_DEMO = "yiwang.E001"
DEMO_PHONE_VERIFIER_OUTSIDE_DEMO = "yiwang.E003"
DEMO_PHONE_VERIFIER = "yiwang.demo.verifiers.DemoPhoneOwnerVerifier"


@register(Tags.security)
def demo_gateway_only_in_demo_mode(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The demo SMS gateway keeps every text — login codes included — readable on the platform's outbox page;
    outside demo mode that would hand any account to whoever reads it."""
    from yiwang.notify.sms import is_demo_gateway

    if settings.DEMO_MODE:
        return []
    try:
        demo_gateway = is_demo_gateway(settings.SMS_GATEWAY)
    except (ImportError, TypeError) as error:
        return [
            Error(
                f"SMS_GATEWAY {settings.SMS_GATEWAY!r} is not a usable SMS gateway: {error}",
                hint="Set SMS_GATEWAY to the dotted path of a yiwang.notify.sms.SmsGateway subclass.",
                id="yiwang.E002",
            )
        ]
    if not demo_gateway:
        return []
    return [
        Error(
            f"SMS_GATEWAY is the demo gateway ({settings.SMS_GATEWAY}) but demo mode is off: the demo gateway "
            "publishes every text message, login codes included, on /inbox/outbox/.",
            hint=(
                "Configure a real gateway (SMS_GATEWAY=yiwang.notify.sms.HttpSmsGateway with SMS_GATEWAY_URL and "
                "SMS_GATEWAY_KEY), or set YIWANG_DEMO=true for a demo installation (never with real people)."
            ),
            id=DEMO_GATEWAY_OUTSIDE_DEMO,
        )
    ]


@register(Tags.security)
def demo_phone_verifier_only_in_demo_mode(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The demo three-element check says yes for the demo people's published numbers; outside demo mode it would
    let anyone verify as them (L2) and receive their registry data."""
    if settings.DEMO_MODE or settings.PHONE_OWNER_VERIFIER != DEMO_PHONE_VERIFIER:
        return []
    return [
        Error(
            f"PHONE_OWNER_VERIFIER is the demo verifier ({DEMO_PHONE_VERIFIER}) but demo mode is off.",
            hint=(
                "Configure the carrier's or the province's three-element check "
                "(PHONE_OWNER_VERIFIER=yiwang.accounts.identity.HttpPhoneOwnerVerifier with "
                "PHONE_OWNER_VERIFIER_URL and PHONE_OWNER_VERIFIER_KEY), or set YIWANG_DEMO=true for a demo."
            ),
            id=DEMO_PHONE_VERIFIER_OUTSIDE_DEMO,
        )
    ]


def serious_startup_problems() -> list[str]:
    """The errors of the platform's own checks, as text (for the WSGI entry point, which runs no commands)."""
    messages = [*demo_gateway_only_in_demo_mode(), *demo_phone_verifier_only_in_demo_mode()]
    return [str(message) for message in messages if message.is_serious()]
