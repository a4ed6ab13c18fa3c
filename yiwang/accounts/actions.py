"""State changes of the accounts app (账户): registration, login codes, identity levels, TOTP, companies.

Every ``do_*`` function validates, changes, writes the audit record and sends its notification inside one
transaction. Secrets (passwords, codes, TOTP keys) never reach the audit record.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts.identity import get_identity_verifier
from yiwang.accounts.models import (
    AgentRole,
    ApiToken,
    AssuranceLevel,
    Company,
    CompanyAgent,
    LoginCode,
    User,
    UserKind,
)
from yiwang.accounts.queries import active_citizen_with_phone
from yiwang.core.audit import record_audit
from yiwang.core.models import AuditRecord
from yiwang.core.validators import (
    normalise_phone,
    normalise_resident_id,
    normalise_uscc,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel, NotificationTemplate

REAL_NAME_MAX_LENGTH = 50
TOTP_DEVICE_NAME = "authenticator"


def _notify_if_template(template_key: str, user: User, personalisation: dict[str, Any]) -> None:
    """Put a message in the user's inbox (站内信) when that template is set up."""
    if NotificationTemplate.objects.filter(key=template_key, channel=Channel.INBOX).exists():
        do_send_notification(template_key, Channel.INBOX, recipient=user, personalisation=personalisation)


def _collect(errors: dict[str, list[ValidationError]], field: str, validator: Any, value: str) -> None:
    try:
        validator(value)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.error_list)


def _check_real_name(errors: dict[str, list[ValidationError]], field: str, real_name: str) -> None:
    if not real_name:
        errors.setdefault(field, []).append(ValidationError(_("Enter your real name as on your ID card.")))
    elif len(real_name) > REAL_NAME_MAX_LENGTH:
        errors.setdefault(field, []).append(
            ValidationError(_("A name has at most %(max)d characters.") % {"max": REAL_NAME_MAX_LENGTH})
        )


# --- Citizen registration and identity levels (实名等级) ---------------------------------------------------


def check_citizen_registration(real_name: str, resident_id: str, phone: str, password: str) -> None:
    """Raise one ValidationError with every field problem of a registration (formats, duplicates, password)."""
    errors: dict[str, list[ValidationError]] = {}
    _check_real_name(errors, "real_name", real_name)
    _collect(errors, "resident_id", validate_resident_id, resident_id)
    _collect(errors, "phone", validate_phone, phone)
    if "resident_id" not in errors and User.objects.filter(resident_id=resident_id).exists():
        errors["resident_id"] = [
            ValidationError(
                _(
                    "This resident ID number is already registered. Log in, or reset the password of that account."
                )
            )
        ]
    if "phone" not in errors and User.objects.filter(phone=phone).exists():
        errors["phone"] = [
            ValidationError(
                _("This mobile number is already registered. Log in with it, or use another number.")
            )
        ]
    candidate = User(username=phone, phone=phone, real_name=real_name, resident_id=resident_id)
    _collect(errors, "password", lambda value: validate_password(value, candidate), password)
    if errors:
        raise ValidationError(errors)


def do_register_citizen(*, real_name: str, resident_id: str, phone: str, password: str) -> User:
    """Register a citizen (公众注册, assurance L1); the phone number is the username."""
    real_name = real_name.strip()
    resident_id = normalise_resident_id(resident_id)
    phone = normalise_phone(phone)
    check_citizen_registration(real_name, resident_id, phone, password)
    try:
        with transaction.atomic():
            user = User(
                username=phone,
                phone=phone,
                real_name=real_name,
                resident_id=resident_id,
                kind=UserKind.CITIZEN,
                assurance_level=AssuranceLevel.L1,
            )
            user.set_password(password)
            user.save()
            record_audit(user, "accounts.register", user, {"kind": user.kind, "assurance_level": 1})
            _notify_if_template("welcome", user, {"name": real_name})
    except IntegrityError:
        # Someone registered the same number between the check and the insert: report it as a field error.
        check_citizen_registration(real_name, resident_id, phone, password)
        raise
    return user


def _raise_identity_levels(user: User, level: AssuranceLevel) -> None:
    if user.assurance_level < level:
        user.assurance_level = level
    user.assurance_verified_at = timezone.now()
    user.save(update_fields=["assurance_level", "assurance_verified_at"])


def do_verify_identity_l2(user: User) -> User:
    """Verify a citizen's name and resident ID against the population registry (人口库核验, L2)."""
    verifier = get_identity_verifier()
    if not user.resident_id or not verifier.verify(real_name=user.real_name, resident_id=user.resident_id):
        raise ValidationError(
            {"resident_id": _("The population registry does not confirm this name and resident ID number.")}
        )
    with transaction.atomic():
        _raise_identity_levels(user, AssuranceLevel.L2)
        record_audit(user, "accounts.identity_verified", user, {"level": 2, "method": "population_registry"})
    return user


def check_window_clerk(staff: User) -> None:
    if not (staff.is_active and staff.is_government_staff):
        raise PermissionDenied(_("Only staff can verify a citizen's identity in person."))


def do_verify_in_person(staff: User, citizen: User) -> User:
    """A window clerk confirms a citizen's identity with the ID card in hand (现场核验, L3)."""
    check_window_clerk(staff)
    if not citizen.is_citizen:
        raise ValidationError(_("Only citizen accounts have an identity assurance level."))
    with transaction.atomic():
        _raise_identity_levels(citizen, AssuranceLevel.L3)
        record_audit(staff, "accounts.identity_verified", citizen, {"level": 3, "method": "in_person"})
    return citizen


# --- One-time login codes by SMS (短信验证码) --------------------------------------------------------------


@dataclass(frozen=True)
class LoginCodeRequest:
    """What a code request did, told the same way whether or not the number is registered."""

    retry_after_seconds: int
    throttled: bool


def _login_code_hash(phone: str, code: str) -> str:
    return salted_hmac("yiwang.accounts.login-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def do_request_login_code(phone: str) -> LoginCodeRequest:
    """Create a one-time login code and text it, if the number belongs to a citizen.

    A code row is created for any well-formed number (unsent when unregistered), so the answer and the resend
    throttle are the same for registered and unknown numbers: the page does not reveal who is registered. Code
    requests are not audited; the login they lead to is.
    """
    phone = normalise_phone(phone)
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.error_list}) from None
    resend_after = timedelta(seconds=settings.LOGIN_CODE_RESEND_SECONDS)
    now = timezone.now()
    with transaction.atomic():
        latest = LoginCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()
        if latest is not None and latest.created_at + resend_after > now:
            wait = latest.created_at + resend_after - now
            return LoginCodeRequest(retry_after_seconds=max(1, int(wait.total_seconds()) + 1), throttled=True)
        code = f"{secrets.randbelow(10**6):06d}"
        LoginCode.objects.create(
            phone=phone,
            code_hash=_login_code_hash(phone, code),
            expires_at=now + timedelta(seconds=settings.LOGIN_CODE_TTL_SECONDS),
        )
        citizen = active_citizen_with_phone(phone)
        if citizen is not None:
            do_send_notification(
                "login-code",
                Channel.SMS,
                recipient=citizen,
                to_address=phone,
                personalisation={"code": code, "minutes": settings.LOGIN_CODE_TTL_SECONDS // 60},
            )
    return LoginCodeRequest(retry_after_seconds=settings.LOGIN_CODE_RESEND_SECONDS, throttled=False)


def do_use_login_code(phone: str, code: str) -> User | None:
    """Spend one attempt on the newest code for ``phone``; the citizen if it matches (single use, expiring)."""
    phone = normalise_phone(phone)
    code = code.strip()
    now = timezone.now()
    with transaction.atomic():
        login_code = (
            LoginCode.objects.select_for_update().filter(phone=phone).order_by("-created_at", "-id").first()
        )
        if (
            login_code is None
            or login_code.used_at is not None
            or login_code.expires_at <= now
            or login_code.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS
        ):
            return None
        login_code.attempts += 1
        matches = constant_time_compare(login_code.code_hash, _login_code_hash(phone, code))
        if matches:
            login_code.used_at = now
        login_code.save(update_fields=["attempts", "used_at"])
        return active_citizen_with_phone(phone) if matches else None


# --- Staff second factor (TOTP 动态口令) -------------------------------------------------------------------


def do_start_totp_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator device a staff member is enrolling (created on first call)."""
    if not user.is_government_staff:
        raise PermissionDenied(_("Only staff use an authenticator app."))
    with transaction.atomic():
        device, created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": TOTP_DEVICE_NAME}
        )
        if created:
            record_audit(user, "accounts.totp_enrolment_started", ("otp_totp.totpdevice", str(device.pk)))
    return device


def do_verify_totp(user: User, token: str, *, device: TOTPDevice | None = None) -> TOTPDevice | None:
    """Check an authenticator code against ``device`` (or the user's confirmed devices); throttled by django-otp.

    Verifying the unconfirmed ``device`` of an enrolment confirms it.
    """
    devices = (
        [device] if device is not None else list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    )
    for candidate in devices:
        verified = django_otp.verify_token(user, candidate.persistent_id, token.strip())
        if verified is None:
            continue
        if not verified.confirmed:
            with transaction.atomic():
                verified.confirmed = True
                verified.save(update_fields=["confirmed"])
                record_audit(user, "accounts.totp_enrolled", ("otp_totp.totpdevice", str(verified.pk)))
                _notify_if_template(
                    "staff-totp-enrolled",
                    user,
                    {"name": str(user), "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
                )
        return verified
    return None


def has_confirmed_totp_device(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


# --- Login, logout and lockout records ----------------------------------------------------------------------


def do_record_login(user: User, method: str) -> None:
    with transaction.atomic():
        record_audit(user, "accounts.login", user, {"method": method})


def do_record_logout(user: User) -> None:
    with transaction.atomic():
        record_audit(user, "accounts.logout", user)


def do_record_lockout(username: str, ip_address: str | None) -> None:
    """Record a login attempt refused by the lockout (账户锁定); tell the account holder once per lockout."""
    user = User.objects.filter(username=username).first()
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    with transaction.atomic():
        first_of_lockout = (
            user is None
            or not AuditRecord.objects.filter(
                action="accounts.locked",
                object_type=User._meta.label_lower,
                object_id=str(user.pk),
                created_at__gte=timezone.now() - cooloff,
            ).exists()
        )
        record_audit(
            None,
            "accounts.locked",
            user if user is not None else ("accounts.login_name", username[:100]),
            {"ip_address": ip_address or ""},
        )
        if user is not None and first_of_lockout:
            _notify_if_template("account-locked", user, {"minutes": math.ceil(cooloff.total_seconds() / 60)})


# --- Companies and their agents (企业与经办人) ---------------------------------------------------------------


def check_company_registration(
    uscc: str, name: str, legal_representative_name: str, legal_representative_id: str
) -> None:
    errors: dict[str, list[ValidationError]] = {}
    _collect(errors, "uscc", validate_uscc, uscc)
    if not name:
        errors["name"] = [ValidationError(_("Enter the company name as on its business licence."))]
    _check_real_name(errors, "legal_representative_name", legal_representative_name)
    _collect(errors, "legal_representative_id", validate_resident_id, legal_representative_id)
    if errors:
        raise ValidationError(errors)


def do_register_company(
    user: User,
    *,
    uscc: str,
    name: str,
    legal_representative_name: str,
    legal_representative_id: str,
    registered_address: str = "",
) -> CompanyAgent:
    """Register a company (企业注册) and the registering person's role in it.

    The registering person becomes the approved legal representative when their resident ID number is the legal
    representative's; otherwise a pending authorised agent, until the legal representative approves them. A
    company already registered can only be claimed again by its legal representative (when no approved legal
    representative acts for it yet); anyone else gets a field error on ``uscc``.
    """
    uscc = normalise_uscc(uscc)
    name = name.strip()
    legal_representative_name = legal_representative_name.strip()
    legal_representative_id = normalise_resident_id(legal_representative_id)
    if not user.is_citizen:
        raise PermissionDenied(_("Staff accounts cannot register companies."))
    check_company_registration(uscc, name, legal_representative_name, legal_representative_id)
    with transaction.atomic():
        company = Company.objects.select_for_update().filter(uscc=uscc).first()
        is_legal_representative = user.resident_id == (
            company.legal_representative_id if company else legal_representative_id
        )
        if company is None:
            company = Company.objects.create(
                uscc=uscc,
                name=name,
                legal_representative_name=legal_representative_name,
                legal_representative_id=legal_representative_id,
                registered_address=registered_address.strip(),
            )
            record_audit(user, "accounts.company_registered", company, {"uscc": uscc, "name": name})
        elif (
            not is_legal_representative
            or company.agents.filter(
                role=AgentRole.LEGAL_REPRESENTATIVE, approved_at__isnull=False, revoked_at__isnull=True
            ).exists()
        ):
            raise ValidationError(
                {
                    "uscc": _(
                        "This company is already registered. Ask its legal representative to authorise you "
                        "as an agent."
                    )
                }
            )
        role = AgentRole.LEGAL_REPRESENTATIVE if is_legal_representative else AgentRole.AUTHORISED_AGENT
        agent = CompanyAgent.objects.create(
            company=company,
            user=user,
            role=role,
            approved_at=timezone.now() if is_legal_representative else None,
        )
        record_audit(
            user, "accounts.agent_added", agent, {"role": role, "pending": agent.approved_at is None}
        )
    return agent


def check_can_manage_agents(company: Company, user: User) -> None:
    """Only the company's acting legal representative authorises and revokes agents."""
    now = timezone.now()
    roles = company.agents.filter(user=user, role=AgentRole.LEGAL_REPRESENTATIVE)
    if not any(role.is_active_at(now) for role in roles):
        raise PermissionDenied(_("Only the company's legal representative can authorise or revoke agents."))


def do_authorise_agent(
    company: Company, granted_by: User, user: User, expires_at: datetime | None = None
) -> CompanyAgent:
    """Authorise ``user`` to act for ``company`` until ``expires_at`` (经办授权); approves a pending request."""
    check_can_manage_agents(company, granted_by)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("The authorisation must end in the future.")})
    if not user.is_citizen:
        raise ValidationError({"user": _("Only citizen accounts can act for a company.")})
    with transaction.atomic():
        agent, _created = CompanyAgent.objects.select_for_update().get_or_create(
            company=company, user=user, role=AgentRole.AUTHORISED_AGENT
        )
        agent.granted_by = granted_by
        agent.approved_at = now
        agent.revoked_at = None
        agent.expires_at = expires_at
        agent.save()
        record_audit(
            granted_by, "accounts.agent_authorised", agent, {"user_id": user.pk, "expires_at": expires_at}
        )
    return agent


def do_revoke_agent(agent: CompanyAgent, revoked_by: User) -> CompanyAgent:
    """End an agent's authorisation (撤销授权); the legal representative cannot revoke themself."""
    check_can_manage_agents(agent.company, revoked_by)
    if agent.role == AgentRole.LEGAL_REPRESENTATIVE:
        raise ValidationError(_("The legal representative's own role cannot be revoked here."))
    with transaction.atomic():
        agent = CompanyAgent.objects.select_for_update().get(pk=agent.pk)
        if agent.revoked_at is None:
            agent.revoked_at = timezone.now()
            agent.save(update_fields=["revoked_at"])
            record_audit(revoked_by, "accounts.agent_revoked", agent, {"user_id": agent.user_id})
    return agent


# --- Personal API tokens (接口令牌) --------------------------------------------------------------------------

API_TOKEN_PREFIX = "yw_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for
API_TOKEN_MAX_DAYS = 365


def api_token_digest(raw_token: str) -> str:
    """The SHA-256 kept for a token; the token itself is shown once and never stored."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiToken:
    token: ApiToken
    raw: str  # show to the user once


def do_create_api_token(user: User, name: str, days: int) -> NewApiToken:
    """Create a token that acts as ``user`` in the API for ``days`` days (1–365)."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, e.g. the app that will use it.")]
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        errors["days"] = [_("A token is valid for 1 to %(max)s days.") % {"max": API_TOKEN_MAX_DAYS}]
    if errors:
        raise ValidationError(errors)
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            token_hash=api_token_digest(raw),
            expires_at=timezone.now() + timedelta(days=days),
        )
        record_audit(user, "accounts.api_token_created", token, {"name": name, "days": days})
    return NewApiToken(token, raw)


def do_revoke_api_token(user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    if token.user_id != user.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_audit(user, "accounts.api_token_revoked", token, {"name": token.name})
    return token


def do_note_api_token_use(token: ApiToken) -> None:
    """Record when a token was last used, at most once a minute (no audit: reading is not a change)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
