"""One-time codes texted to a phone (一次性验证码): login, registration, delegation confirmation, step-up.

Every code of the platform is made and checked here, the same way:

- a 6-digit code bound to ``(purpose, phone, scope)``; only its HMAC (keyed with SECRET_KEY) is stored;
- it expires (``ttl_seconds``), is good once, and allows ``max_attempts`` tries; only the newest code of a
  ``(purpose, phone, scope)`` counts, so asking again invalidates the previous code;
- a new code for the same ``(purpose, phone, scope)`` waits ``resend_seconds`` (answered as ``throttled``, the
  same way whether or not the number belongs to anyone);
- codes texted to one number and code requests from one client address are limited across every purpose by the
  rate-limit service (rules ``sms-code-per-number`` and ``sms-code-per-address``), raising
  :class:`yiwang.core.errors.RateLimited`.

Policies default to ``LOGIN_CODE_*`` settings; ``ONE_TIME_CODE_POLICY`` may override them per purpose.

Call :func:`do_check_code` outside any transaction that is rolled back when the check fails, or the spent attempt
is rolled back with it (and the attempt limit would not hold).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from yiwang.accounts.models import CodePurpose, OneTimeCode, User
from yiwang.core import ratelimit
from yiwang.core.validators import normalise_code, normalise_phone, validate_code, validate_phone
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel

CODE_DIGITS = 6
_HMAC_SALT = "yiwang.accounts.one-time-code"


@dataclass(frozen=True)
class CodeRequest:
    """What a code request did, told the same way whether or not the number belongs to anyone."""

    retry_after_seconds: int
    throttled: bool


@dataclass(frozen=True)
class CodePolicy:
    ttl_seconds: int
    resend_seconds: int
    max_attempts: int

    @property
    def minutes(self) -> int:
        return max(1, self.ttl_seconds // 60)


def code_policy(purpose: str) -> CodePolicy:
    """Lifetime, resend wait and attempts for ``purpose`` (``LOGIN_CODE_*`` unless ``ONE_TIME_CODE_POLICY``)."""
    overrides = getattr(settings, "ONE_TIME_CODE_POLICY", {}).get(str(purpose), {})
    return CodePolicy(
        ttl_seconds=int(overrides.get("ttl_seconds", settings.LOGIN_CODE_TTL_SECONDS)),
        resend_seconds=int(overrides.get("resend_seconds", settings.LOGIN_CODE_RESEND_SECONDS)),
        max_attempts=int(overrides.get("max_attempts", settings.LOGIN_CODE_MAX_ATTEMPTS)),
    )


def _purpose(purpose: str) -> str:
    if purpose not in CodePurpose.values:
        raise ValueError(f"unknown one-time code purpose {purpose!r}")
    return str(purpose)


def _code_hash(purpose: str, phone: str, scope: str, code: str) -> str:
    return salted_hmac(_HMAC_SALT, f"{purpose}:{phone}:{scope}:{code}", algorithm="sha256").hexdigest()


def _newest(purpose: str, phone: str, scope: str) -> Any:
    return OneTimeCode.objects.filter(purpose=purpose, phone=phone, scope=scope).order_by(
        "-created_at", "-id"
    )


def do_send_code(
    purpose: str,
    phone: str,
    *,
    scope: str = "",
    recipient: User | None = None,
    template: str,
    personalisation: Mapping[str, Any] | None = None,
    client_ip: str = "",
    deliver: bool = True,
) -> CodeRequest:
    """Create a 6-digit code bound to (purpose, phone, scope) — only an HMAC is stored — and text it to ``phone``
    with notification template ``template`` (personalisation gets "code" and "minutes" added) when ``deliver``.

    Resend wait per (purpose, phone, scope) answered as throttled (same answer for unknown numbers);
    per-number and per-client-address limits through the rate-limit service raise RateLimited.
    A malformed ``phone`` raises ValidationError on field ``phone``. Code requests are not audited.
    """
    purpose = _purpose(purpose)
    phone = normalise_phone(phone)
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.error_list}) from None
    policy = code_policy(purpose)
    now = timezone.now()
    latest = _newest(purpose, phone, scope).only("created_at").first()
    if latest is not None and latest.created_at + timedelta(seconds=policy.resend_seconds) > now:
        wait = latest.created_at + timedelta(seconds=policy.resend_seconds) - now
        return CodeRequest(retry_after_seconds=max(1, int(wait.total_seconds()) + 1), throttled=True)
    ratelimit.hit("sms-code-per-address", client_ip)
    ratelimit.hit("sms-code-per-number", phone)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        OneTimeCode.objects.create(
            purpose=purpose,
            phone=phone,
            scope=scope,
            code_hash=_code_hash(purpose, phone, scope, code),
            expires_at=now + timedelta(seconds=policy.ttl_seconds),
        )
        if deliver:
            do_send_notification(
                template,
                Channel.SMS,
                recipient=recipient,
                to_address=phone,
                personalisation={**(personalisation or {}), "code": code, "minutes": policy.minutes},
            )
    return CodeRequest(retry_after_seconds=policy.resend_seconds, throttled=False)


def do_check_code(purpose: str, phone: str, code: str, *, scope: str = "") -> bool:
    """Spend one attempt on the newest code for (purpose, phone, scope): True once when it matches (single use,
    expiry, attempt limit); audit-free.

    A code typed with full-width digits counts as its ASCII digits; one with any other character never matches.
    """
    purpose = _purpose(purpose)
    phone = normalise_phone(phone)
    code = normalise_code(code)
    try:
        validate_code(code)
    except ValidationError:
        code = ""  # still spends an attempt: a malformed guess is a wrong guess
    policy = code_policy(purpose)
    now = timezone.now()
    with transaction.atomic():
        stored = _newest(purpose, phone, scope).select_for_update().first()
        if (
            stored is None
            or stored.used_at is not None
            or stored.expires_at <= now
            or stored.attempts >= policy.max_attempts
        ):
            return False
        stored.attempts += 1
        matches = bool(code) and constant_time_compare(
            stored.code_hash, _code_hash(purpose, phone, scope, code)
        )
        if matches:
            stored.used_at = now
        stored.save(update_fields=["attempts", "used_at"])
    return matches


def do_delete_stale_codes(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete codes created more than ``older_than`` ago (all expired long since); returns how many."""
    deleted, _rows = OneTimeCode.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


__all__ = ["CodePurpose", "CodeRequest", "code_policy", "do_check_code", "do_send_code"]
