"""API of the registries app: the data-service catalogue and the exchange for department callers (部门接入),
and the citizen's data access record and consents (我的数据使用记录, 授权)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.security import APIKeyHeader

from yiwang.accounts.api_auth import SessionCsrfAuth
from yiwang.core import pagination
from yiwang.core.errors import RateLimited
from yiwang.core.pagination import PageQuery
from yiwang.org.models import Department
from yiwang.registries import exchange, queries
from yiwang.registries.actions import do_flag_access, do_grant_consent, do_withdraw_consent, matter_text
from yiwang.registries.exchange import Refusal
from yiwang.registries.models import AccessLogEntry, Consent
from yiwang.registries.queries import ExchangeCaller

router = Router(tags=["registries"])


class ClientTokenAuth(APIKeyHeader):
    """A department system's token in the ``X-Exchange-Token`` header."""

    param_name = queries.CLIENT_TOKEN_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> ExchangeCaller | None:
        return queries.caller_from_token(key) if key else None


class StaffSessionAuth(SessionCsrfAuth):
    """A staff session verified with an authenticator code, acting for one of the staff member's departments."""

    def authenticate(self, request: HttpRequest, key: str | None) -> ExchangeCaller | None:
        return queries.caller_from_session(request) if key is not None else None


DEPARTMENT_AUTH = [ClientTokenAuth(), StaffSessionAuth()]


def _caller(request: HttpRequest) -> ExchangeCaller:
    caller: ExchangeCaller = request.auth  # type: ignore[attr-defined]
    return caller


class FieldOut(Schema):
    name: str
    label: str


class LegalBasisOut(Schema):
    code: str = Field(description="what to send as legal_basis_code")
    law: str
    article: str
    text: str
    defers_notice: bool = Field(description="the person is told of the read only after deferral_days")
    deferral_reason: str
    deferral_days: int | None


class ServiceOut(Schema):
    name: str
    title: str
    provider_code: str
    provider_name: str
    subject_kind: str = Field(description="resident_id | uscc | holder | licence_number")
    sharing_class: str = Field(description="unconditional | conditional | not_shared")
    needs_consent_or_basis: bool
    legal_basis: str
    fields: list[FieldOut]
    legal_bases: list[LegalBasisOut] = Field(
        description="the legal bases declared for this service and the calling department (依据清单)"
    )


@router.get("/exchange/services", response=list[ServiceOut], auth=DEPARTMENT_AUTH)
def exchange_services(request: HttpRequest) -> list[dict[str, Any]]:
    """The data services the calling department may use (共享数据服务目录)."""
    department = _caller(request).department
    return [
        {
            "name": view.service.name,
            "title": view.service.title,
            "provider_code": view.service.provider.code if view.service.provider else "",
            "provider_name": view.service.provider.name if view.service.provider else "",
            "subject_kind": view.service.subject_kind,
            "sharing_class": view.service.sharing_class,
            "needs_consent_or_basis": view.needs_consent_or_basis,
            "legal_basis": view.service.legal_basis,
            "fields": view.service.fields,
            "legal_bases": [
                {
                    "code": basis.code,
                    "law": basis.law,
                    "article": basis.article,
                    "text": basis.text,
                    "defers_notice": basis.defers_notice,
                    "deferral_reason": basis.deferral_reason,
                    "deferral_days": basis.deferral_days,
                }
                for basis in view.legal_bases
            ],
        }
        for view in queries.catalogue_for(department)
        if view.may_use
    ]


class QueryIn(Schema):
    """A read about a person (有条件共享, subject a resident ID number) names ``matter`` — a case number, a 12345
    work order number or a supervision item id of the calling department in which the person is a party — or
    ``legal_basis_code`` from the service's list in ``GET /exchange/services``, or the person's ``consent_id``."""

    service: str = Field(max_length=50, examples=["人口.户籍信息"])
    subject: str = Field(max_length=40, description="resident ID number, USCC or licence number")
    purpose: str = Field(max_length=30, examples=["case_handling"])
    matter: str = Field(
        "", max_length=40, description="case number, 12345 work order number or supervision item id"
    )
    legal_basis_code: str = Field("", max_length=40, description="a code from the service's legal_bases")
    legal_basis: str = Field(
        "",
        max_length=200,
        description="not accepted: a legal basis typed in is refused (403); send legal_basis_code",
        json_schema_extra={"deprecated": True},
    )
    consent_id: int | None = None
    case_reference: str = Field(
        "", max_length=40, description="older name of matter, read as matter when matter is empty"
    )
    parameters: dict[str, str] = Field(default_factory=dict, description='人口.身份核验 needs {"name": …}')


class ProviderOut(Schema):
    code: str
    name: str


class QueryOut(Schema):
    request_id: str
    request_digest: str
    service: str
    outcome: str = Field(description="ok | not_found")
    provider: ProviderOut
    fields: dict[str, Any]
    responded_at: dt.datetime
    payload: str = Field(description="the signed canonical JSON of the response")
    signature: str = Field(description="Ed25519 signature of payload by the provider department, base64url")
    kid: str = Field(description="the provider's key id, see GET /api/v1/licences/keys")


@router.post("/exchange/query", response=QueryOut, auth=DEPARTMENT_AUTH)
def exchange_query(request: HttpRequest, body: QueryIn) -> dict[str, Any]:
    """One exchange call: the signed answer, or problem+json 403 (refused, with the reason), 422 (malformed) or
    429 (too many reads about people by this staff member, with ``Retry-After``). Every call is logged.

    Reading data about a person needs a reason the platform can check: ``matter`` (a case, work order or
    supervision item of the calling department in which the person is a party) or ``legal_basis_code`` (from the
    service's list for the department) or the person's ``consent_id``; only staff roles that handle matters may
    read it, and the person is told. A subject without a record is a signed ``not_found`` answer, given only to
    callers who may use the service.
    """
    caller = _caller(request)
    result = exchange.query(
        consumer=caller.department,
        actor=caller.actor,
        system=caller.system,
        service_name=body.service,
        subject=body.subject,
        purpose=body.purpose,
        matter=body.matter or body.case_reference,
        legal_basis_code=body.legal_basis_code,
        legal_basis=body.legal_basis,
        consent_id=body.consent_id,
        parameters=body.parameters,
    )
    if result.refusal == Refusal.INVALID_REQUEST:
        raise ValidationError(result.field_errors)
    if result.refusal == Refusal.RATE_LIMITED:
        raise RateLimited(result.message, result.retry_after)
    if result.refusal:
        raise PermissionDenied(result.message)
    return {
        "request_id": result.request_id,
        "request_digest": result.request_digest,
        "service": result.service,
        "outcome": result.outcome,
        "provider": {"code": result.provider_code, "name": result.provider_name},
        "fields": result.fields,
        "responded_at": result.responded_at,
        "payload": result.payload,
        "signature": result.signature,
        "kid": result.kid,
    }


class SignedResponseIn(Schema):
    payload: str = Field(max_length=200_000)
    signature: str = Field(max_length=200)
    kid: str = Field(max_length=64)
    request_digest: str | None = Field(None, max_length=64)


class GenuineOut(Schema):
    genuine: bool


@router.post("/exchange/verify", response=GenuineOut, auth=None)
def verify_signed_response(request: HttpRequest, body: SignedResponseIn) -> dict[str, bool]:
    """Check a signed exchange response: the provider's signature, unaltered, bound to the request digest."""
    return {
        "genuine": exchange.verify_response(
            body.payload, body.signature, body.kid, request_digest=body.request_digest
        )
    }


# --- The citizen's side -----------------------------------------------------------------------------------------


class AccessOut(Schema):
    request_id: str
    time: dt.datetime
    department_code: str
    department_name: str
    staff: str
    provider_name: str
    service: str
    fields: list[str]
    purpose: str
    legal_basis: str
    consent_id: int | None
    case_reference: str
    matter_kind: str = Field(description="case | ticket | supervision, or empty")
    matter: str = Field(description="the case, work order or supervision item, or the legal basis, in words")
    flagged: bool


def _access_row(entry: AccessLogEntry) -> dict[str, Any]:
    return {
        "request_id": entry.request_id,
        "time": entry.created_at,
        "department_code": entry.consumer.code,
        "department_name": entry.consumer.name,
        "staff": entry.actor_label,
        "provider_name": entry.provider.name if entry.provider else "",
        "service": entry.service_name,
        "fields": entry.fields,
        "purpose": entry.purpose,
        "legal_basis": entry.legal_basis,
        "consent_id": entry.consent_id,
        "case_reference": entry.case_reference,
        "matter_kind": entry.matter_kind,
        "matter": matter_text(entry),
        "flagged": hasattr(entry, "supervision"),
    }


@router.get("/me/data-access", response=list[AccessOut])
def my_data_access(request: HttpRequest, params: Query[PageQuery]) -> list[dict[str, Any]]:
    """My data access record (我的数据使用记录): who read my data, when, which service and fields, why."""
    entries = pagination.cut(queries.accesses_of_citizen(request.user), params, default_limit=100)  # type: ignore[arg-type]
    return [_access_row(entry) for entry in entries]


class FlagIn(Schema):
    reason: str = Field(max_length=1000)


class SupervisionOut(Schema):
    id: int
    request_id: str
    department_code: str
    status: str
    opened_at: dt.datetime


@router.post("/me/data-access/{request_id}/flag", response={201: SupervisionOut})
def flag_access(request: HttpRequest, request_id: str, body: FlagIn) -> tuple[int, dict[str, Any]]:
    """Report an access to my data as suspicious: the department's supervisors are told (可疑访问举报)."""
    item = do_flag_access(request.user, request_id, reason=body.reason)  # type: ignore[arg-type]
    return 201, {
        "id": item.pk,
        "request_id": item.entry.request_id,
        "department_code": item.department.code,
        "status": item.status,
        "opened_at": item.opened_at,
    }


class ConsentIn(Schema):
    purpose: str = Field(max_length=30)
    case_reference: str = Field("", max_length=40)
    department_code: str = Field("", max_length=40)


class ConsentOut(Schema):
    id: int
    purpose: str
    case_reference: str
    department_code: str | None
    granted_at: dt.datetime
    withdrawn_at: dt.datetime | None


def _consent_row(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "purpose": consent.purpose,
        "case_reference": consent.case_reference,
        "department_code": consent.department.code if consent.department else None,
        "granted_at": consent.granted_at,
        "withdrawn_at": consent.withdrawn_at,
    }


@router.get("/me/consents", response=list[ConsentOut])
def my_consents(request: HttpRequest) -> list[dict[str, Any]]:
    """My consents (我的授权), active and withdrawn."""
    return [_consent_row(consent) for consent in queries.consents_of(request.user)]  # type: ignore[arg-type]


@router.post("/me/consents", response={201: ConsentOut})
def grant_consent(request: HttpRequest, body: ConsentIn) -> tuple[int, dict[str, Any]]:
    """Allow reads of my data for a purpose (and a case or department when given)."""
    department = None
    if body.department_code:
        department = Department.objects.filter(code=body.department_code).first()
        if department is None:
            raise ValidationError({"department_code": _("There is no department with this code.")})
    consent = do_grant_consent(
        request.user,  # type: ignore[arg-type]
        purpose=body.purpose,
        case_reference=body.case_reference,
        department=department,
    )
    return 201, _consent_row(consent)


@router.post("/me/consents/{consent_id}/withdraw", response=ConsentOut)
def withdraw_consent(request: HttpRequest, consent_id: int) -> dict[str, Any]:
    """Withdraw a consent: reads relying on it are refused from now on."""
    return _consent_row(do_withdraw_consent(request.user, consent_id))  # type: ignore[arg-type]
