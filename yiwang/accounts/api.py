"""API endpoints of the accounts app: registration, login codes, my profile and my companies.

CSRF for the anonymous endpoints (``auth=None``): django-ninja only checks CSRF for cookie-authenticated
operations, so :func:`require_csrf_for_browsers` checks it here whenever the request carries a session cookie
(a browser). Clients without cookies (apps, other systems) cannot be abused cross-site and need no token.
Neither endpoint logs anyone in — registration through the API creates the account and returns its profile —
so a forged request cannot plant a session (login CSRF) either.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.utils import check_csrf
from pydantic import field_validator

from yiwang.accounts import actions, onetime, queries, verification
from yiwang.accounts.company_registry import LegalEntityRegistryUnavailable
from yiwang.accounts.models import CodePurpose, CompanyAgent, User
from yiwang.accounts.onetime import CodeRequest
from yiwang.core import ratelimit
from yiwang.core.problems import problem_response, rate_limited_problem
from yiwang.core.validators import (
    normalise_code,
    normalise_phone,
    normalise_resident_id,
    normalise_uscc,
    validate_code,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

router = Router(tags=["accounts"])


def require_csrf_for_browsers(request: HttpRequest) -> None:
    """Refuse a browser request (one with a session cookie) that lacks a valid CSRF token."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES and check_csrf(request) is not None:
        raise PermissionDenied(_("The CSRF token is missing or wrong. Reload the page and try again."))


def _django_check(validator: Callable[[str], None], value: str) -> str:
    """Run a Django validator inside a schema validator, keeping its Chinese message for the problem+json."""
    try:
        validator(value)
    except ValidationError as error:
        raise ValueError(" ".join(str(message) for message in error.messages)) from None
    return value


class RegisterIn(Schema):
    real_name: str
    resident_id: str
    phone: str
    password: str
    code: str = Field(description="The registration code texted to `phone` (POST /accounts/register/code)")

    @field_validator("code")
    @classmethod
    def code_is_valid(cls, value: str) -> str:
        return _django_check(validate_code, normalise_code(value))

    @field_validator("resident_id")
    @classmethod
    def resident_id_is_valid(cls, value: str) -> str:
        return _django_check(validate_resident_id, normalise_resident_id(value))

    @field_validator("phone")
    @classmethod
    def phone_is_valid(cls, value: str) -> str:
        return _django_check(validate_phone, normalise_phone(value))


class CompanyClaimIn(Schema):
    """A company claim (企业认领): the code, and whether I claim as its legal representative or ask to be an agent.

    Everything else about the company comes from the legal-entity registry. Fields older clients still send
    (``name``, ``legal_representative_name``, ``legal_representative_id``, ``registered_address``) are accepted
    and ignored.
    """

    uscc: str
    role: Literal["legal_representative", "authorised_agent"] = "legal_representative"

    @field_validator("uscc")
    @classmethod
    def uscc_is_valid(cls, value: str) -> str:
        return _django_check(validate_uscc, normalise_uscc(value))


class CompanyRoleOut(Schema):
    uscc: str
    name: str
    role: str
    approved: bool
    expires_at: datetime | None

    @staticmethod
    def from_agent(agent: CompanyAgent) -> CompanyRoleOut:
        return CompanyRoleOut(
            uscc=agent.company.uscc,
            name=agent.company.name,
            role=agent.role,
            approved=agent.approved_at is not None,
            expires_at=agent.expires_at,
        )


class ProfileOut(Schema):
    username: str
    real_name: str
    resident_id_masked: str
    phone: str
    kind: str
    assurance_level: int
    companies: list[CompanyRoleOut]

    @staticmethod
    def from_user(user: User) -> ProfileOut:
        return ProfileOut(
            username=user.username,
            real_name=user.real_name,
            resident_id_masked=queries.mask_resident_id(user.resident_id),
            phone=user.phone or "",
            kind=user.kind,
            assurance_level=user.assurance_level,
            companies=[CompanyRoleOut.from_agent(agent) for agent in queries.company_roles_of(user)],
        )


class LoginCodeIn(Schema):
    phone: str

    @field_validator("phone")
    @classmethod
    def phone_is_valid(cls, value: str) -> str:
        return _django_check(validate_phone, normalise_phone(value))


class LoginCodeOut(Schema):
    detail: str
    retry_after_seconds: int


def _code_throttled(request: HttpRequest, outcome: CodeRequest) -> HttpResponse:
    return rate_limited_problem(
        request,
        _("A code was sent recently. You can ask for a new one in %(seconds)d seconds.")
        % {"seconds": outcome.retry_after_seconds},
        outcome.retry_after_seconds,
    )


@router.post(
    "/accounts/register/code",
    auth=None,
    response={202: LoginCodeOut},
    summary="Text a registration code to the phone to register with (the same answer for every number)",
)
def request_registration_code(
    request: HttpRequest, payload: LoginCodeIn
) -> tuple[int, LoginCodeOut] | HttpResponse:
    require_csrf_for_browsers(request)
    outcome = actions.do_request_registration_code(payload.phone, client_ip=ratelimit.client_ip(request))
    if outcome.throttled:
        return _code_throttled(request, outcome)
    detail = _("A code is on its way to %(phone)s. It is valid for %(minutes)d minutes.") % {
        "phone": queries.mask_phone(payload.phone),
        "minutes": onetime.code_policy(CodePurpose.REGISTRATION).minutes,
    }
    return 202, LoginCodeOut(detail=detail, retry_after_seconds=outcome.retry_after_seconds)


@router.post(
    "/accounts/register", auth=None, response={201: ProfileOut}, summary="Register as a citizen (L1)"
)
def register_citizen(request: HttpRequest, payload: RegisterIn) -> tuple[int, ProfileOut]:
    require_csrf_for_browsers(request)
    user = actions.do_register_citizen(**payload.dict())
    return 201, ProfileOut.from_user(user)


@router.post(
    "/auth/login-code",
    auth=None,
    response={202: LoginCodeOut},
    summary="Text a one-time login code; the same answer whether or not the number is registered",
)
def request_login_code(request: HttpRequest, payload: LoginCodeIn) -> tuple[int, LoginCodeOut] | HttpResponse:
    require_csrf_for_browsers(request)
    outcome = actions.do_request_login_code(payload.phone, client_ip=ratelimit.client_ip(request))
    if outcome.throttled:
        return _code_throttled(request, outcome)
    detail = _("If this number is registered, a code is on its way. It is valid for %(minutes)d minutes.") % {
        "minutes": onetime.code_policy(CodePurpose.LOGIN).minutes
    }
    return 202, LoginCodeOut(detail=detail, retry_after_seconds=outcome.retry_after_seconds)


@router.get("/me", response=ProfileOut, summary="My profile")
def my_profile(request: HttpRequest) -> ProfileOut:
    return ProfileOut.from_user(cast(User, request.user))


@router.get("/me/companies", response=list[CompanyRoleOut], summary="The companies I act for")
def my_companies(request: HttpRequest) -> list[CompanyRoleOut]:
    roles = queries.company_roles_of(cast(User, request.user))
    return [CompanyRoleOut.from_agent(agent) for agent in roles]


@router.post(
    "/companies",
    response={201: CompanyRoleOut},
    summary="Claim a company I represent, or ask to act for it as an agent",
    description=(
        "Only a person verified at L2 or above may claim. As `legal_representative` the claim succeeds only when "
        "the legal-entity registry confirms that my verified resident ID number is the company's legal "
        "representative (法人.法定代表人核验); otherwise 403, logged. As `authorised_agent` the role waits for the "
        "legal representative's approval. Name, representative and address come from the registry "
        "(法人.登记信息). A deregistered or unknown code is a 422 on `uscc`; 503 when the registry cannot answer."
    ),
)
def claim_company(request: HttpRequest, payload: CompanyClaimIn) -> tuple[int, CompanyRoleOut] | HttpResponse:
    try:
        agent = actions.do_claim_company(cast(User, request.user), uscc=payload.uscc, role=payload.role)
    except LegalEntityRegistryUnavailable as unavailable:
        return problem_response(
            request, 503, "registry-unavailable", _("The registry cannot answer now."), unavailable.message
        )
    return 201, CompanyRoleOut.from_agent(agent)


class IdentityVerificationIn(Schema):
    real_name: str = ""
    resident_id: str = ""


@router.post(
    "/me/identity/verify",
    response=ProfileOut,
    summary="Verify my identity (L2): population registry and carrier check",
)
def verify_my_identity(request: HttpRequest, body: IdentityVerificationIn) -> ProfileOut:
    """实名核验 (L2): name and number default to those given at registration; the account's mobile number must be
    registered to that person. Failed attempts are limited per account (429)."""
    user = verification.do_verify_identity_l2(
        cast(User, request.user), real_name=body.real_name, resident_id=body.resident_id
    )
    return ProfileOut.from_user(user)


@router.post("/me/identity/phone", response=ProfileOut, summary="Have the carrier confirm my number again")
def reverify_my_phone(request: HttpRequest) -> ProfileOut:
    """Numbers are recycled: a delegation code goes only to a number the carrier confirmed recently."""
    return ProfileOut.from_user(verification.do_reverify_phone(cast(User, request.user)))
