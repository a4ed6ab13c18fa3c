"""API endpoints of the licences app: public keys, verification (证照核验), revocation, the caller's licences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from yiwang.core import ratelimit
from yiwang.core.audit import canonical_json
from yiwang.core.permissions import api_staff_user
from yiwang.licences import queries
from yiwang.licences.actions import do_revoke_licence
from yiwang.licences.models import Licence, SigningKey
from yiwang.licences.queries import Verification

router = Router(tags=["licences"])


class PublicKeyOut(Schema):
    """A JWK (RFC 8037 OKP key) with the department and validity of the key."""

    kty: str = "OKP"
    crv: str = "Ed25519"
    alg: str = "EdDSA"
    use: str = "sig"
    kid: str
    x: str
    department: str
    department_name: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None


class PublicLicenceOut(Schema):
    number: str
    type: str
    type_name: str
    holder_kind: str
    holder_name: str
    holder_identifier: str
    issuer_code: str
    issuer_name: str
    valid_from: dt.date
    valid_until: dt.date | None
    details: dict[str, Any]
    issued_at: dt.datetime


class VerificationOut(Schema):
    number: str | None
    status: str = Field(description="valid | revoked | expired | not_genuine")
    status_label: str
    reason: str
    licence: PublicLicenceOut | None


class PresentedLicenceIn(Schema):
    """A presented copy: the signed canonical JSON text (or the same object), its signature and key id."""

    payload: str | dict[str, Any]
    signature: str = Field(min_length=1, max_length=200)
    kid: str = Field(min_length=1, max_length=64)


class RevokeIn(Schema):
    reason: str = Field(max_length=500)


class LicenceOut(PublicLicenceOut):
    status: str
    signature: str
    kid: str
    case_reference: str
    revoked_at: dt.datetime | None
    revocation_reason: str


def _key_out(key: SigningKey) -> PublicKeyOut:
    return PublicKeyOut(
        kid=key.kid,
        x=key.public_key,
        department=key.department.code,
        department_name=key.department.name,
        valid_from=key.created_at,
        valid_until=key.retired_at,
    )


def _verification_out(number: str | None, verification: Verification) -> VerificationOut:
    licence = verification.licence
    return VerificationOut(
        number=licence.number if licence else number,
        status=verification.status.value,
        status_label=str(verification.status.label),
        reason=verification.reason,
        licence=PublicLicenceOut(**queries.public_licence_fields(licence)) if licence else None,
    )


def _licence_out(licence: Licence) -> LicenceOut:
    return LicenceOut(
        **{
            **queries.public_licence_fields(licence),
            "holder_name": licence.holder_name,
            "holder_identifier": licence.holder_identifier,
        },
        status=licence.status,
        signature=licence.signature,
        kid=licence.signing_key.kid,
        case_reference=licence.case_reference,
        revoked_at=licence.revoked_at,
        revocation_reason=licence.revocation_reason,
    )


@router.get("/licences/keys", response=list[PublicKeyOut], auth=None)
def list_signing_keys(request: HttpRequest) -> list[PublicKeyOut]:
    """Every department's licence signing keys, current and retired (公钥), to verify licences offline."""
    return [_key_out(key) for key in queries.public_keys()]


@router.get("/licences/mine", response=list[LicenceOut])
def list_my_licences(request: HttpRequest) -> list[LicenceOut]:
    """The caller's licences and those of the companies they act for (我的证照)."""
    return [_licence_out(licence) for licence in queries.licences_for_user(request.user)]


@router.post("/licences/verify", response=VerificationOut, auth=None)
def verify_presented_licence(request: HttpRequest, body: PresentedLicenceIn) -> VerificationOut:
    """Verify a presented copy: valid / revoked / expired / not_genuine (any altered field is not genuine)."""
    ratelimit.hit("licence-verify-per-address", ratelimit.client_ip(request))
    payload = body.payload if isinstance(body.payload, str) else canonical_json(body.payload)
    verification = queries.verify_presented(payload, body.signature, body.kid)
    return _verification_out(None, verification)


@router.get("/licences/{number}/verify", response=VerificationOut, auth=None)
def verify_licence_number(request: HttpRequest, number: str) -> VerificationOut:
    """Verify the register's licence ``number``: valid / revoked / expired / not_genuine, with the reason."""
    ratelimit.hit("licence-verify-per-address", ratelimit.client_ip(request))  # numbers are sequential
    return _verification_out(number, queries.verify_licence(number))


@router.post("/licences/{number}/revoke", response=LicenceOut)
def revoke_licence(request: HttpRequest, number: str, body: RevokeIn) -> LicenceOut:
    """Revoke a licence (注销): an approver or administrator of the issuing department."""
    actor = api_staff_user(request)
    licence = queries.licence_by_number(number)
    if licence is None:
        raise Http404(_("There is no licence with this number."))
    return _licence_out(do_revoke_licence(actor, licence, body.reason))
