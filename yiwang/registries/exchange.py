"""The exchange gateway (数据共享交换网关): the one door to another department's data.

Every read is one call to :func:`query` carrying the consumer department and the staff member (or system), the
service, the subject, a purpose code, and the reason: a matter (case, work order, supervision item) of the
department, a legal basis chosen from the service's list, or the person's consent. The gateway checks, in this
order and before it looks anything up — so a refused caller never learns whether a subject exists:

1. the request is well formed (a known purpose, a valid resident ID number / USCC / licence number);
2. the rules of :mod:`yiwang.registries.access` (数据流向规则): the service exists, is connected and is shared;
   the staff member works in the consumer department; for a conditional service (有条件共享) about a person only
   staff roles that handle matters, the department on the allow-list, and a reason the platform can check;
3. a staff member's reads about people are rate-limited (``exchange-query-per-staff``).

Then the provider answers, only the declared fields are kept, and the response is signed with the provider
department's Ed25519 key (the e-licence signer) over canonical JSON that names the request id and the SHA-256
digest of the request, in the spirit of X-Road. Every call, allowed or refused, is appended to the hash-chained
access log (:class:`AccessLogEntry`) inside the same transaction; ``yiwang registries verify-log`` checks it.
After an answered read about a person, the person is told (or the notice waits, when the legal basis defers it)
and reads on legal bases alone are counted for the supervisors' alert (:mod:`yiwang.registries.actions`).
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
from yiwang.core import ratelimit
from yiwang.core.audit import GENESIS_HASH, canonical_json, sha256_hex
from yiwang.core.errors import RateLimited
from yiwang.core.validators import (
    normalise_resident_id,
    normalise_uscc,
    validate_resident_id,
    validate_uscc,
)
from yiwang.licences.models import SigningKey
from yiwang.licences.signer import format_issued_at, get_signer, signature_matches
from yiwang.org.models import Department
from yiwang.registries import access
from yiwang.registries.access import (  # noqa: F401 - part of the gateway's interface
    AccessDecision,
    Refusal,
    is_connected,
    refusal_message,
)
from yiwang.registries.actions import do_after_person_read
from yiwang.registries.models import (
    AccessLogEntry,
    AccessLogHead,
    CatalogueVersion,
    Consent,
    DataService,
    LegalBasis,
    Outcome,
    Purpose,
)
from yiwang.registries.providers import PROVIDERS

#: The rate rule counting a staff member's reads about people (yiwang.core.ratelimit, settings.RATE_LIMITS).
STAFF_RATE_RULE = "exchange-query-per-staff"

RESPONSE_VERSION = 1
_LICENCE_NUMBER_RE = re.compile(r"^[A-Z0-9]{6,40}$")


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
    retry_after: int = 0

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
    if kind == "resident_id":  # the validators check the characters before any upper-casing
        return normalise_resident_id(subject), _first_error(subject, validate_resident_id)
    if kind == "uscc":
        return normalise_uscc(subject), _first_error(subject, validate_uscc)
    value = subject.strip().upper()
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
    # Fields added later enter the hash only when set, so entries written before them still verify.
    for name in ("matter_kind", "legal_basis_code", "on_behalf_of", "deferral_reason"):
        if getattr(entry, name):
            body[name] = getattr(entry, name)
    if entry.notice_deferred_until is not None:
        body["notice_deferred_until"] = entry.notice_deferred_until.isoformat()
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
    bases: dict[str, LegalBasis] = field(default_factory=dict)


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
        services = DataService.objects.select_related("provider").prefetch_related(
            "allowed_consumers", "legal_bases__departments"
        )
        entries = {
            service.name: CatalogueEntry(
                service,
                frozenset(consumer.pk for consumer in service.allowed_consumers.all()),
                {basis.code: basis for basis in service.legal_bases.all()},
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


def query(
    *,
    consumer: Department,
    service_name: str,
    subject: str,
    purpose: str,
    actor: User | None = None,
    system: str = "",
    matter: str = "",
    legal_basis_code: str = "",
    legal_basis: str = "",
    consent_id: int | None = None,
    case_reference: str = "",
    on_behalf_of: str = "",
    parameters: Mapping[str, str] | None = None,
) -> ExchangeResult:
    """One exchange call (共享调用): check, look up, keep the declared fields, sign, log. Never raises for a refusal:
    the result says ``refused`` with the reason, and the refusal is logged like every other call.

    ``actor`` is the staff member making the call; a department system passes ``system`` (its name) instead.
    A read about a person (有条件共享) names ``matter`` — a case, work order or supervision item number of the
    consumer department in which the person is a party — or ``legal_basis_code`` from the service's list, or the
    person's ``consent_id`` (:func:`yiwang.registries.access.decide`); a typed ``legal_basis`` is refused.
    ``case_reference`` is recorded with the call (and binds a consent to a case); ``on_behalf_of`` is the resident
    ID number of the citizen whose own request caused the read ("" for staff and system reads): she is not told
    about reads she asked for herself. Call it inside your action's transaction so the read and its log entry
    commit (or roll back) together.
    """
    if actor is None and not system:
        raise ValueError("an exchange call names the staff member or the system making it")
    parameters = {str(key): str(value) for key, value in (parameters or {}).items()}
    legal_basis = legal_basis.strip()[:200]
    legal_basis_code = legal_basis_code.strip()[:40]
    matter = matter.strip()[:40]
    case_reference = (matter or case_reference).strip()[:40]
    on_behalf_of = on_behalf_of.strip().upper()[:18]
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
        retry_after = 0
        if field_errors:
            decision = AccessDecision.refused(Refusal.INVALID_REQUEST)
        else:
            decision = access.decide(
                access.AccessRequest(
                    service=service,
                    allowed_consumer_ids=catalogued.allowed_consumer_ids if catalogued else frozenset(),
                    bases=catalogued.bases if catalogued else {},
                    consumer=consumer,
                    actor=actor,
                    system=system,
                    subject=subject_value,
                    purpose=purpose,
                    matter=matter,
                    legal_basis_code=legal_basis_code,
                    free_text_basis=legal_basis,
                    consent_id=consent_id,
                    case_reference=case_reference,
                    on_behalf_of=on_behalf_of,
                )
            )
            if actor is not None and decision.person_read:
                try:  # every attempt counts, refused or not: guessing people is what the limit stops
                    ratelimit.hit(
                        STAFF_RATE_RULE, str(actor.pk), message=refusal_message(Refusal.RATE_LIMITED)
                    )
                except RateLimited as limited:
                    decision = AccessDecision.refused(Refusal.RATE_LIMITED, person_read=True)
                    retry_after = limited.retry_after
        refusal, consent = decision.refusal, decision.consent
        request_text = canonical_json(
            {
                "request_id": request_id,
                "requested_at": format_issued_at(requested_at),
                "consumer": consumer.code,
                "actor": actor.pk if actor is not None else f"system:{system}",
                "service": service_name,
                "subject": subject_value,
                "purpose": purpose,
                "matter": matter,
                "legal_basis_code": legal_basis_code,
                "legal_basis": legal_basis,
                "consent": consent_id,
                "case": case_reference,
                "on_behalf_of": on_behalf_of,
                "parameters": parameters,
            }
        )
        request_digest = sha256_hex(request_text)
        basis = decision.legal_basis
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
            legal_basis=basis.label[:200] if basis is not None else legal_basis,
            legal_basis_code=basis.code if basis is not None else legal_basis_code,
            consent=consent,
            case_reference=case_reference,
            matter_kind=decision.matter_kind,
            on_behalf_of=on_behalf_of,
            notice_deferred_until=decision.notice_deferred_until,
            deferral_reason=basis.deferral_reason if basis is not None and decision.defers_notice else "",
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
                message=decision.message,
                fields={},
                provider_code=service.provider.code if service is not None and service.provider else "",
                provider_name=service.provider.name if service is not None and service.provider else "",
                responded_at=requested_at,
                request_digest=request_digest,
                field_errors=field_errors,
                retry_after=retry_after,
            )
        assert service is not None and service.provider is not None  # noqa: S101 - checked by access.decide()
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
        if decision.person_read:
            do_after_person_read(entry, counts_for_alert=decision.on_basis_only)
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
    legal_basis_code: str = "",
    legal_basis: str = "",
    consent_id: int | None = None,
    case_reference: str = "",
    matter: str = "",
    on_behalf_of: str = "",
    parameters: Mapping[str, str] | None = None,
) -> ExchangeResult:
    """Fetch a material the government already holds (共享获取, 免提交) for a case, through the gateway.

    ``staff_or_system`` is the staff member handling the case, or the name of the system acting (e.g.
    ``"cases.application"`` when the applicant submits). Pass the code of the guide item's legal basis
    (:func:`guide_basis_code`), the submitted case as ``matter``, or the applicant's consent id, and
    ``parameters`` the service needs (the name for 人口.身份核验). The result carries the signed response, the
    fields, the provider department and the time; when ``result.found`` is false the material falls back to an
    upload.
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
        matter=matter,
        legal_basis_code=legal_basis_code,
        legal_basis=legal_basis,
        consent_id=consent_id,
        case_reference=case_reference,
        on_behalf_of=on_behalf_of,
        parameters=parameters,
    )


def guide_basis_code(data_service: str, department: Department, legal_basis: list[dict[str, Any]]) -> str:
    """The code of the listed legal basis (依据清单) for ``data_service`` and ``department`` that is one of a guide's
    ``legal_basis`` entries (``{"law": …, "article": …}``), or "" when none is listed."""
    catalogued = catalogue_entry(data_service)
    if catalogued is None:
        return ""
    wanted = [(item.get("law", ""), item.get("article", "")) for item in legal_basis]
    for law, article in wanted:
        for basis in catalogued.bases.values():
            if (basis.law, basis.article) == (law, article) and access.listed_basis(
                catalogued.bases, basis.code, department
            ):
                return basis.code
    return ""


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


def ask_as_platform_operator(
    *,
    system: str,
    service_name: str,
    subject: str,
    legal_basis: str,
    parameters: Mapping[str, str] | None = None,
) -> ExchangeResult | None:
    """A yes/no or public-data question the platform itself asks (identity and company-claim checks), as the
    platform operator department (平台运营部门) and ``system``, for identity verification. None when there is no
    operator or the gateway refused for another reason than a malformed subject: the check is unavailable."""
    operator = Department.objects.filter(is_platform_operator=True).order_by("code").first()
    if operator is None:
        return None
    result = query(
        consumer=operator,
        system=system,
        service_name=service_name,
        subject=subject,
        purpose=Purpose.IDENTITY_VERIFICATION,
        legal_basis=legal_basis,
        parameters=parameters,
    )
    return result if result.refusal in (Refusal.INVALID_REQUEST, "") else None
