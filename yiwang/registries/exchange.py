"""The exchange gateway (数据共享交换网关): the one door to another department's data.

Every read is one call to :func:`query` carrying the consumer department and the staff member (or system), the
service, the subject, a purpose code, a legal basis or a consent id, and the case it serves. The gateway checks,
in this order and before it looks anything up — so a refused caller never learns whether a subject exists:

1. the request is well formed (a known purpose, a valid resident ID number / USCC / licence number);
2. the service exists, is connected and is shared (不予共享 ⇒ refused);
3. the staff member works in the consumer department;
4. for a conditional service (有条件共享): the department is on the allow-list, and the request carries the
   citizen's active consent or a legal basis.

Then the provider answers, only the declared fields are kept, and the response is signed with the provider
department's Ed25519 key (the e-licence signer) over canonical JSON that names the request id and the SHA-256
digest of the request, in the spirit of X-Road. Every call, allowed or refused, is appended to the hash-chained
access log (:class:`AccessLogEntry`) inside the same transaction; ``yiwang registries verify-log`` checks it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.core.audit import GENESIS_HASH, canonical_json, sha256_hex
from yiwang.core.validators import (
    normalise_resident_id,
    normalise_uscc,
    validate_resident_id,
    validate_uscc,
)
from yiwang.licences.models import SigningKey
from yiwang.licences.signer import format_issued_at, get_signer, signature_matches
from yiwang.org.models import Department, StaffRole
from yiwang.registries.models import (
    AccessLogEntry,
    AccessLogHead,
    CatalogueVersion,
    Consent,
    DataService,
    Outcome,
    Purpose,
    SharingClass,
)
from yiwang.registries.providers import PROVIDERS

RESPONSE_VERSION = 1
_LICENCE_NUMBER_RE = re.compile(r"^[A-Z0-9]{6,40}$")


class Refusal:
    """Why the gateway refused a call (拒绝原因); the codes are stored in the access log."""

    INVALID_REQUEST = "invalid_request"
    UNKNOWN_SERVICE = "unknown_service"
    NOT_CONNECTED = "not_connected"
    NOT_SHARED = "not_shared"
    NOT_MEMBER = "not_member"
    NOT_ALLOWED = "not_allowed"
    NEEDS_BASIS = "needs_basis"
    CONSENT_INVALID = "consent_invalid"


def refusal_message(code: str) -> str:
    """The Chinese (active-language) explanation of a refusal code."""
    messages = {
        Refusal.INVALID_REQUEST: _("The request is not well formed."),
        Refusal.UNKNOWN_SERVICE: _("There is no data service with this name."),
        Refusal.NOT_CONNECTED: _("This data service is declared in the catalogue but not connected yet."),
        Refusal.NOT_SHARED: _("This data service is not shared with other departments."),
        Refusal.NOT_MEMBER: _("The staff member does not work in the consumer department."),
        Refusal.NOT_ALLOWED: _("Your department is not on this service's list of allowed consumers."),
        Refusal.NEEDS_BASIS: _(
            "This service is shared on conditions: give a legal basis or the citizen's consent."
        ),
        Refusal.CONSENT_INVALID: _(
            "The consent does not exist, was withdrawn, or does not cover this subject, purpose, case or "
            "department."
        ),
    }
    return messages[code]


@dataclass(frozen=True)
class ExchangeResult:
    """The gateway's answer (交换结果). ``payload`` is the signed canonical JSON text (empty when refused)."""

    request_id: str
    service: str
    outcome: str
    refusal: str
    message: str
    fields: dict[str, Any]
    provider_code: str
    provider_name: str
    responded_at: Any
    request_digest: str
    payload: str = ""
    signature: str = ""
    kid: str = ""
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.outcome != Outcome.REFUSED

    @property
    def found(self) -> bool:
        return self.outcome == Outcome.OK


def _first_error(value: str, validate: Any) -> str | None:
    try:
        validate(value)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def _subject_error(kind: str, subject: str) -> tuple[str, str | None]:
    """The normalised subject and the reason it is malformed (None when it is well formed)."""
    value = subject.strip().upper()
    if kind == "resident_id":
        return normalise_resident_id(value), _first_error(value, validate_resident_id)
    if kind == "uscc":
        return normalise_uscc(value), _first_error(value, validate_uscc)
    if kind == "holder":
        if _first_error(value, validate_resident_id) is None or _first_error(value, validate_uscc) is None:
            return value, None
        return value, _("Give a valid resident ID number or unified social credit code.")
    if _LICENCE_NUMBER_RE.match(value):
        return value, None
    return value, _("A licence number has 6 to 40 capital letters and digits.")


def _actor_label(actor: User | None, system: str) -> str:
    if actor is not None:
        return f"{actor} ({actor.get_username()})"
    return f"system:{system}"


def compute_entry_hash(entry: AccessLogEntry) -> str:
    """The SHA-256 over the previous hash and every field of the access log ``entry``."""
    body = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "request_id": entry.request_id,
        "consumer_id": entry.consumer_id,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "service_name": entry.service_name,
        "provider_id": entry.provider_id,
        "subject": entry.subject,
        "purpose": entry.purpose,
        "legal_basis": entry.legal_basis,
        "consent_id": entry.consent_id,
        "case_reference": entry.case_reference,
        "outcome": entry.outcome,
        "refusal": entry.refusal,
        "fields": entry.fields,
        "request_digest": entry.request_digest,
        "response_digest": entry.response_digest,
        "prev_hash": entry.prev_hash,
    }
    return sha256_hex(canonical_json(body))


def _append_log(entry: AccessLogEntry) -> AccessLogEntry:
    """Chain ``entry`` to the log: read and lock the head, insert, move the head — three plain statements."""
    head_table = connection.ops.quote_name(AccessLogHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_seq, last_hash FROM {head_table} WHERE singleton = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
        if row is None:
            head, _created = AccessLogHead.objects.select_for_update().get_or_create(
                singleton=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
            )
            row = (head.last_seq, head.last_hash)
        entry.seq = row[0] + 1
        entry.prev_hash = row[1]
        entry.record_hash = compute_entry_hash(entry)
        entry.save(force_insert=True)
        cursor.execute(
            f"UPDATE {head_table} SET last_seq = %s, last_hash = %s WHERE singleton = 1",  # noqa: S608
            [entry.seq, entry.record_hash],
        )
    return entry


@dataclass(frozen=True)
class CatalogueEntry:
    """A data service as the gateway keeps it in memory: with its provider and the ids of allowed consumers."""

    service: DataService
    allowed_consumer_ids: frozenset[int]


# This process's copy of the catalogue and the version it was read at (see CatalogueVersion), replaced whole,
# with the providers' current signing keys met since (a new key bumps the version too).
_catalogue: tuple[str | None, dict[str, CatalogueEntry], dict[int, SigningKey]] = (None, {}, {})


def _catalogue_version() -> str:
    table = connection.ops.quote_name(CatalogueVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE singleton = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def catalogue_entry(service_name: str) -> CatalogueEntry | None:
    """The service named ``service_name`` from this process's catalogue cache, reloaded when the catalogue
    changed (one indexed read of the version per call instead of the service, provider and allow-list)."""
    global _catalogue
    version = _catalogue_version()
    cached_version, entries, _keys = _catalogue
    if cached_version != version:
        services = DataService.objects.select_related("provider").prefetch_related("allowed_consumers")
        entries = {
            service.name: CatalogueEntry(
                service, frozenset(consumer.pk for consumer in service.allowed_consumers.all())
            )
            for service in services
        }
        _catalogue = (version, entries, {})
    return entries.get(service_name)


def _provider_key(provider: Department) -> SigningKey:
    """The provider's current signing key, asked of the signer once per catalogue version."""
    keys = _catalogue[2]
    key = keys.get(provider.pk)
    if key is None:
        key = keys[provider.pk] = get_signer().current_key(provider)
        key.department  # noqa: B018 - load the department now, once, rather than at every signature
    return key


def is_connected(service: DataService) -> bool:
    """Whether the service has a provider department and a registry answering it (已接入)."""
    return service.provider_id is not None and service.name in PROVIDERS


def _check(
    entry: CatalogueEntry | None,
    *,
    consumer: Department,
    actor: User | None,
    subject: str,
    purpose: str,
    legal_basis: str,
    consent_id: int | None,
    case_reference: str,
) -> tuple[str, Consent | None]:
    """The refusal code ("" when allowed) and the consent relied on. Reads no registry data."""
    if entry is None:
        return Refusal.UNKNOWN_SERVICE, None
    service = entry.service
    if service.sharing_class == SharingClass.NOT_SHARED:
        return Refusal.NOT_SHARED, None
    if not is_connected(service):
        return Refusal.NOT_CONNECTED, None
    if actor is not None and not StaffRole.objects.filter(user=actor, department=consumer).exists():
        return Refusal.NOT_MEMBER, None
    if service.sharing_class == SharingClass.UNCONDITIONAL:
        return "", None
    if consumer.pk not in entry.allowed_consumer_ids:
        return Refusal.NOT_ALLOWED, None
    if consent_id is not None:
        consent = Consent.objects.filter(
            pk=consent_id, withdrawn_at__isnull=True, subject_identifier=subject, purpose=purpose
        ).first()
        if (
            consent is None
            or (consent.case_reference and consent.case_reference != case_reference)
            or (consent.department_id is not None and consent.department_id != consumer.pk)
        ):
            return Refusal.CONSENT_INVALID, None
        return "", consent
    if not legal_basis:
        return Refusal.NEEDS_BASIS, None
    return "", None


def query(
    *,
    consumer: Department,
    service_name: str,
    subject: str,
    purpose: str,
    actor: User | None = None,
    system: str = "",
    legal_basis: str = "",
    consent_id: int | None = None,
    case_reference: str = "",
    parameters: Mapping[str, str] | None = None,
) -> ExchangeResult:
    """One exchange call (共享调用): check, look up, keep the declared fields, sign, log. Never raises for a refusal:
    the result says ``refused`` with the reason, and the refusal is logged like every other call.

    ``actor`` is the staff member making the call; a department system passes ``system`` (its name) instead.
    Call it inside your action's transaction so the read and its log entry commit (or roll back) together.
    """
    if actor is None and not system:
        raise ValueError("an exchange call names the staff member or the system making it")
    parameters = {str(key): str(value) for key, value in (parameters or {}).items()}
    legal_basis = legal_basis.strip()[:200]
    case_reference = case_reference.strip()[:40]
    request_id = uuid.uuid4().hex
    requested_at = timezone.now()
    with transaction.atomic():
        catalogued = catalogue_entry(service_name)
        service = catalogued.service if catalogued is not None else None
        field_errors: dict[str, str] = {}
        if purpose not in Purpose.values:
            field_errors["purpose"] = _("Choose one of the purpose codes: %(codes)s.") % {
                "codes": ", ".join(Purpose.values)
            }
        subject_value = subject.strip().upper()
        if service is not None:
            subject_value, subject_problem = _subject_error(service.subject_kind, subject)
            if subject_problem:
                field_errors["subject"] = subject_problem
        if field_errors:
            refusal, consent = Refusal.INVALID_REQUEST, None
        else:
            refusal, consent = _check(
                catalogued,
                consumer=consumer,
                actor=actor,
                subject=subject_value,
                purpose=purpose,
                legal_basis=legal_basis,
                consent_id=consent_id,
                case_reference=case_reference,
            )
        request_text = canonical_json(
            {
                "request_id": request_id,
                "requested_at": format_issued_at(requested_at),
                "consumer": consumer.code,
                "actor": actor.pk if actor is not None else f"system:{system}",
                "service": service_name,
                "subject": subject_value,
                "purpose": purpose,
                "legal_basis": legal_basis,
                "consent": consent_id,
                "case": case_reference,
                "parameters": parameters,
            }
        )
        request_digest = sha256_hex(request_text)
        entry = AccessLogEntry(
            created_at=requested_at,
            request_id=request_id,
            consumer=consumer,
            actor=actor,
            actor_label=_actor_label(actor, system)[:200],
            service_name=service_name[:50],
            provider=service.provider if service is not None else None,
            subject=subject_value[:40],
            purpose=purpose[:30],
            legal_basis=legal_basis,
            consent=consent,
            case_reference=case_reference,
            request_digest=request_digest,
        )
        if refusal:
            entry.outcome, entry.refusal = Outcome.REFUSED, refusal
            _append_log(entry)
            return ExchangeResult(
                request_id=request_id,
                service=service_name,
                outcome=Outcome.REFUSED,
                refusal=refusal,
                message=refusal_message(refusal),
                fields={},
                provider_code=service.provider.code if service is not None and service.provider else "",
                provider_name=service.provider.name if service is not None and service.provider else "",
                responded_at=requested_at,
                request_digest=request_digest,
                field_errors=field_errors,
            )
        assert service is not None and service.provider is not None  # noqa: S101 - checked by _check()
        answer = PROVIDERS[service.name](subject_value, parameters)
        returned = {name: answer[name] for name in service.field_names if name in answer} if answer else {}
        outcome = Outcome.OK if answer is not None else Outcome.NOT_FOUND
        responded_at = timezone.now()
        signer = get_signer()
        key = _provider_key(service.provider)
        payload = canonical_json(
            {
                "v": RESPONSE_VERSION,
                "request_id": request_id,
                "request_digest": request_digest,
                "service": service.name,
                "provider": {"code": service.provider.code, "name": service.provider.name},
                "consumer": consumer.code,
                "subject": subject_value,
                "outcome": str(outcome),
                "fields": returned,
                "responded_at": format_issued_at(responded_at),
                "kid": key.kid,
            }
        )
        signature = signer.sign(key, payload.encode())
        entry.outcome, entry.fields, entry.response_digest = outcome, sorted(returned), sha256_hex(payload)
        _append_log(entry)
    return ExchangeResult(
        request_id=request_id,
        service=service.name,
        outcome=outcome,
        refusal="",
        message="",
        fields=returned,
        provider_code=service.provider.code,
        provider_name=service.provider.name,
        responded_at=responded_at,
        request_digest=request_digest,
        payload=payload,
        signature=signature,
        kid=key.kid,
    )


def resolve_shared_material(
    consumer_department: Department,
    staff_or_system: User | str,
    data_service: str,
    subject_identifier: str,
    purpose: str = Purpose.CASE_HANDLING,
    *,
    legal_basis: str = "",
    consent_id: int | None = None,
    case_reference: str = "",
    parameters: Mapping[str, str] | None = None,
) -> ExchangeResult:
    """Fetch a material the government already holds (共享获取, 免提交) for a case, through the gateway.

    ``staff_or_system`` is the staff member handling the case, or the name of the system acting (e.g.
    ``"cases.application"`` when the applicant submits). Pass the guide item's legal basis or the applicant's
    consent id, and ``parameters`` the service needs (the name for 人口.身份核验). The result carries the signed
    response, the fields, the provider department and the time; when ``result.found`` is false the material falls
    back to an upload.
    """
    actor = staff_or_system if isinstance(staff_or_system, User) else None
    system = staff_or_system if isinstance(staff_or_system, str) else ""
    return query(
        consumer=consumer_department,
        actor=actor,
        system=system,
        service_name=data_service,
        subject=subject_identifier,
        purpose=purpose,
        legal_basis=legal_basis,
        consent_id=consent_id,
        case_reference=case_reference,
        parameters=parameters,
    )


def usable_consent_id(
    subject_identifier: str, department: Department, purpose: str = Purpose.CASE_HANDLING
) -> int | None:
    """The citizen's active consent (授权) covering reads of ``subject_identifier`` for ``purpose`` by
    ``department`` in any case, or None: what a conditional service needs when the guide gives no legal basis."""
    return (
        Consent.objects.filter(
            subject_identifier=subject_identifier,
            purpose=purpose,
            withdrawn_at__isnull=True,
            case_reference="",
        )
        .filter(models.Q(department__isnull=True) | models.Q(department=department))
        .order_by("-granted_at")
        .values_list("pk", flat=True)
        .first()
    )


def verify_response(payload: str, signature: str, kid: str, *, request_digest: str | None = None) -> bool:
    """Whether a signed exchange response is genuine: signed by its provider department's key, unaltered, and —
    when ``request_digest`` is given — bound to that request."""
    key = SigningKey.objects.select_related("department").filter(kid=kid).first()
    if key is None or not signature_matches(key, payload.encode(), signature):
        return False
    try:
        body = json.loads(payload)
        provider_code = body["provider"]["code"]
        bound_digest = body["request_digest"]
    except (ValueError, KeyError, TypeError):
        return False
    if provider_code != key.department.code:
        return False
    return request_digest is None or bound_digest == request_digest


@dataclass(frozen=True)
class LogProblem:
    """The first place where the access log chain does not hold."""

    seq: int
    reason: str


@dataclass(frozen=True)
class LogReport:
    checked: int
    problem: LogProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries_in_order() -> Iterator[AccessLogEntry]:
    return AccessLogEntry.objects.order_by("seq").iterator(chunk_size=2000)


def verify_access_log() -> LogReport:
    """Walk the access log chain and report the first altered, inserted or missing entry (调用日志校验)."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    with transaction.atomic():
        for entry in _entries_in_order():
            if entry.seq != expected_seq:
                return LogReport(checked, LogProblem(expected_seq, f"entry #{expected_seq} is missing"))
            if entry.prev_hash != expected_prev:
                return LogReport(checked, LogProblem(entry.seq, "does not link to the entry before it"))
            if compute_entry_hash(entry) != entry.record_hash:
                return LogReport(checked, LogProblem(entry.seq, "its content does not match its hash"))
            checked += 1
            expected_prev, expected_seq = entry.record_hash, expected_seq + 1
        head = AccessLogHead.objects.filter(singleton=1).first()
        last = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
        if last != (expected_seq - 1, expected_prev):
            return LogReport(
                checked,
                LogProblem(
                    last[0],
                    f"the log ends at #{expected_seq - 1} but its head records #{last[0]}: "
                    "newest entries were deleted or the head was altered",
                ),
            )
    return LogReport(checked, None)
