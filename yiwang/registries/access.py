"""Who may receive registry data about whom (数据流向规则): the rules the exchange gateway applies to every call.

:func:`yiwang.registries.exchange.query` asks :func:`decide` before it reads anything, and the answer — an
:class:`AccessDecision` — is the only thing that lets personal registry data flow. The module holds:

* **refusal codes** and their messages (re-exported as ``exchange.Refusal``), stored in the access log;
* **matters** (事由): a submitted case, a 12345 work order or a supervision item of the consumer department, and
  the people who are parties to it. Other apps tell this module who the parties of their matters are by
  registering a resolver in their ``AppConfig.ready()`` (:func:`register_matter_resolver`): registries never
  imports ``cases`` or ``hotline`` (they import registries), so there is no import cycle and each app keeps the
  knowledge of its own matters;
* **catalogue rules**: the service is declared, shared and connected; the staff member works in the consumer
  department; the department is on the allow-list of a conditional service;
* **staff and department-system reads about a person** (有条件共享 services whose subject is a resident ID
  number): only staff roles that handle matters; the call names either a matter of the department in which the
  person is a party, or a legal basis chosen from the list declared for the service and the department
  (:class:`~yiwang.registries.models.LegalBasis` — free text is refused), or the person's own consent.

Unconditional services (the yes/no 人口.身份核验, public company registration data) need none of this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.core.validators import validate_resident_id
from yiwang.org.models import Department, Role, StaffRole
from yiwang.registries.models import (
    Consent,
    DataService,
    LegalBasis,
    MatterKind,
    SharingClass,
    SupervisionItem,
    SupervisionStatus,
)
from yiwang.registries.providers import PROVIDERS

# --- Refusals (拒绝原因) -----------------------------------------------------------------------------------------


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
    ROLE_NOT_ALLOWED = "role_not_allowed"
    BASIS_NOT_LISTED = "basis_not_listed"
    MATTER_UNKNOWN = "matter_unknown"
    NOT_A_PARTY = "not_a_party"
    RATE_LIMITED = "rate_limited"
    NOT_VERIFIED = "not_verified"
    NOT_DECLARED = "not_declared"
    NOT_RELATED = "not_related"


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
            "Reading data about a person needs a reason the platform can check: name a case, work order or "
            "supervision item of your department in which the person is a party, or choose a legal basis from "
            "the list declared for this service and your department, or give the person's consent."
        ),
        Refusal.CONSENT_INVALID: _(
            "The consent does not exist, was withdrawn, or does not cover this subject, purpose, case or "
            "department."
        ),
        Refusal.ROLE_NOT_ALLOWED: _(
            "Only staff who handle matters (window and station clerks, reviewers, approvers, hotline "
            "dispatchers) may read data about a person."
        ),
        Refusal.BASIS_NOT_LISTED: _(
            "A legal basis must be chosen by its code from the list declared for this data service and your "
            "department (see the service catalogue); a legal basis typed in is not accepted."
        ),
        Refusal.MATTER_UNKNOWN: _(
            "Your department has no open case, work order or supervision item with this number."
        ),
        Refusal.NOT_A_PARTY: _(
            "This person is not a party to the case, work order or supervision item named."
        ),
        Refusal.RATE_LIMITED: _("You have read data about too many people in a short time; try again later."),
        Refusal.NOT_VERIFIED: _(
            "Registry data is fetched only for a verified person: verify your identity first, or, when acting "
            "for someone, wait until they confirm."
        ),
        Refusal.NOT_DECLARED: _("This service does not need data about this member of your household."),
        Refusal.NOT_RELATED: _("The registry does not record this person as a member of your household."),
    }
    return messages[code]


# --- Matters and their parties (事由与当事人) ----------------------------------------------------------------------

#: ``resolver(reference, department)`` → the resident ID numbers of the parties to the open matter of
#: ``department`` numbered ``reference``, or None when the department has no such open matter (whether or not
#: another department has one: the answer must not tell).
MatterResolver = Callable[[str, Department], "frozenset[str] | None"]

_MATTER_RESOLVERS: dict[str, MatterResolver] = {}


def register_matter_resolver(kind: str, resolver: MatterResolver) -> None:
    """Let the app that owns ``kind`` of matter tell who its parties are (call it from ``AppConfig.ready()``)."""
    if kind not in MatterKind.values:
        raise ValueError(f"unknown matter kind {kind!r}")
    _MATTER_RESOLVERS[kind] = resolver


@dataclass(frozen=True)
class Matter:
    kind: str
    reference: str
    parties: frozenset[str]


def find_matter(reference: str, department: Department) -> Matter | None:
    """The open matter of ``department`` numbered ``reference`` with its parties, asking each registered kind."""
    reference = reference.strip()
    if not reference:
        return None
    for kind in MatterKind.values:  # case, ticket, supervision: their numbers never look alike
        resolver = _MATTER_RESOLVERS.get(kind)
        parties = resolver(reference, department) if resolver is not None else None
        if parties is not None:
            return Matter(kind, reference, frozenset(parties))
    return None


def supervision_item_parties(reference: str, department: Department) -> frozenset[str] | None:
    """Parties to an open supervision item (督查事项) of ``department`` (its id): the person whose data the
    reported access read, and the citizen who reported it."""
    if not reference.isascii() or not reference.isdigit() or len(reference) > 12:
        return None
    item = (
        SupervisionItem.objects.select_related("entry", "citizen")
        .filter(pk=int(reference), status=SupervisionStatus.OPEN, department=department)
        .first()
    )
    if item is None:
        return None
    parties = {item.entry.subject}
    if item.citizen is not None and item.citizen.resident_id:
        parties.add(item.citizen.resident_id)
    return frozenset(parties)


register_matter_resolver(MatterKind.SUPERVISION, supervision_item_parties)


# --- Catalogue rules (目录规则) -----------------------------------------------------------------------------------


def is_connected(service: DataService) -> bool:
    """Whether the service has a provider department and a registry answering it (已接入)."""
    return service.provider_id is not None and service.name in PROVIDERS


def _is_resident_id(value: str) -> bool:
    try:
        validate_resident_id(value)
    except Exception:
        return False
    return True


def is_person_read(service: DataService, subject: str) -> bool:
    """Whether a call returns personal data about a person (有条件共享, subject a resident ID number)."""
    if service.sharing_class != SharingClass.CONDITIONAL:
        return False
    return service.subject_kind == "resident_id" or (
        service.subject_kind == "holder" and _is_resident_id(subject)
    )


# --- Staff and department-system reads (工作人员与部门系统查询) ---------------------------------------------------

#: Roles that handle matters and so may read data about a person (办事岗位). Supervisors, department and platform
#: administrators look at what others did; they do not read people's data themselves.
HANDLING_ROLES = frozenset(
    {Role.WINDOW_CLERK, Role.STATION_CLERK, Role.REVIEWER, Role.APPROVER, Role.DISPATCHER}
)


@dataclass(frozen=True)
class AccessRequest:
    """One call as the rules see it; ``bases`` are the service's listed legal bases by code."""

    service: DataService | None
    allowed_consumer_ids: frozenset[int]
    bases: Mapping[str, LegalBasis]
    consumer: Department
    actor: User | None
    system: str
    subject: str
    purpose: str
    matter: str = ""
    legal_basis_code: str = ""
    free_text_basis: str = ""
    consent_id: int | None = None
    case_reference: str = ""
    on_behalf_of: str = ""


@dataclass(frozen=True)
class AccessDecision:
    """What the rules decided (准予/拒绝), and on which ground: a matter, a listed legal basis or a consent."""

    allowed: bool
    refusal: str = ""
    message: str = ""
    person_read: bool = False
    matter_kind: str = ""
    matter: str = ""
    legal_basis: LegalBasis | None = None
    consent: Consent | None = None
    defers_notice: bool = False
    notice_deferred_until: dt.datetime | None = None

    @property
    def on_basis_only(self) -> bool:
        """A read justified by a legal basis alone (no matter, no consent): what the alert rule counts."""
        return self.allowed and self.legal_basis is not None and not self.matter_kind

    @classmethod
    def refused(cls, code: str, *, person_read: bool = False) -> AccessDecision:
        return cls(False, code, refusal_message(code), person_read=person_read)


def listed_basis(bases: Mapping[str, LegalBasis], code: str, department: Department) -> LegalBasis | None:
    """The legal basis ``code`` if it is in force and declared for ``department``."""
    basis = bases.get(code.strip())
    if basis is None or not basis.active:
        return None
    if department.pk not in {declared.pk for declared in basis.departments.all()}:
        return None
    return basis


def _consent(request: AccessRequest) -> Consent | None:
    if request.consent_id is None:
        return None
    consent = Consent.objects.filter(
        pk=request.consent_id,
        withdrawn_at__isnull=True,
        subject_identifier=request.subject,
        purpose=request.purpose,
    ).first()
    if (
        consent is None
        or (consent.case_reference and consent.case_reference != request.case_reference)
        or (consent.department_id is not None and consent.department_id != request.consumer.pk)
    ):
        return None
    return consent


def decide(request: AccessRequest) -> AccessDecision:
    """Whether the call may be answered, and on which ground. Reads no registry data, so a refused caller never
    learns whether the subject exists; every refusal names its code."""
    service = request.service
    if service is None:
        return AccessDecision.refused(Refusal.UNKNOWN_SERVICE)
    if service.sharing_class == SharingClass.NOT_SHARED:
        return AccessDecision.refused(Refusal.NOT_SHARED)
    if not is_connected(service):
        return AccessDecision.refused(Refusal.NOT_CONNECTED)
    roles: set[str] = set()
    if request.actor is not None:
        roles = set(
            StaffRole.objects.filter(user=request.actor, department=request.consumer).values_list(
                "role", flat=True
            )
        )
        if not roles:
            return AccessDecision.refused(Refusal.NOT_MEMBER)
    if service.sharing_class == SharingClass.UNCONDITIONAL:  # a listed basis named is kept on the record
        code = request.legal_basis_code
        return AccessDecision(
            True, legal_basis=listed_basis(request.bases, code, request.consumer) if code else None
        )
    person_read = is_person_read(service, request.subject)
    if request.actor is not None and person_read and not roles & HANDLING_ROLES:
        return AccessDecision.refused(Refusal.ROLE_NOT_ALLOWED, person_read=person_read)
    if request.consumer.pk not in request.allowed_consumer_ids:
        return AccessDecision.refused(Refusal.NOT_ALLOWED, person_read=person_read)
    return _decide_conditional(request, person_read)


def _decide_conditional(request: AccessRequest, person_read: bool) -> AccessDecision:
    """A conditional service: a matter with the person as a party, a listed legal basis, or a consent."""
    basis = None
    if request.legal_basis_code:
        basis = listed_basis(request.bases, request.legal_basis_code, request.consumer)
        if basis is None:
            return AccessDecision.refused(Refusal.BASIS_NOT_LISTED, person_read=person_read)
    elif request.free_text_basis:
        return AccessDecision.refused(Refusal.BASIS_NOT_LISTED, person_read=person_read)
    matter = None
    if request.matter:
        matter = find_matter(request.matter, request.consumer)
        if matter is None:
            return AccessDecision.refused(Refusal.MATTER_UNKNOWN, person_read=person_read)
        if person_read and request.subject not in matter.parties:
            return AccessDecision.refused(Refusal.NOT_A_PARTY, person_read=person_read)
    consent = None
    if request.consent_id is not None:
        consent = _consent(request)
        if consent is None:
            return AccessDecision.refused(Refusal.CONSENT_INVALID, person_read=person_read)
    if matter is None and basis is None and consent is None:
        return AccessDecision.refused(Refusal.NEEDS_BASIS, person_read=person_read)
    deferred_until = None
    if basis is not None and basis.defers_notice and matter is None and consent is None and person_read:
        deferred_until = timezone.now() + dt.timedelta(days=basis.deferral_days or 0)
    return AccessDecision(
        True,
        person_read=person_read,
        matter_kind=matter.kind if matter is not None else "",
        matter=matter.reference if matter is not None else "",
        legal_basis=basis,
        consent=consent,
        defers_notice=deferred_until is not None,
        notice_deferred_until=deferred_until,
    )


# --- Reads on a citizen's own request (本人、家庭成员与代办) -----------------------------------------------------


class Relation:
    """How the person a read is about relates to the citizen whose matter it is (与办事人关系)."""

    SELF = "self"  # 本人
    SPOUSE = "spouse"  # 配偶
    CHILD = "child"  # 子女
    CO_PARENT = "co_parent"  # 子女的另一位父（母）亲
    HOUSEHOLD = "household"  # 同户成员


@dataclass(frozen=True)
class CitizenReadRequest:
    """A read that a citizen's own application asks for.

    ``principal`` is the resident ID number of the citizen the matter is for — a verified applicant, or a citizen
    who confirmed a delegation — or "" when there is none (an L1 account, an unconfirmed or ended delegation).
    ``relatives`` maps each relation to the numbers the registry itself reported for the principal (their
    household record, marriage record, children's birth certificates): a relative is never taken from input.
    ``declared`` are the relations the service's guide declares it needs.
    """

    principal: str
    subject: str
    relation: str
    declared: frozenset[str]
    relatives: Mapping[str, frozenset[str]]


def decide_citizen_read(request: CitizenReadRequest) -> AccessDecision:
    """The household and delegation rules (家庭成员规则、代办规则): data about a person flows on a citizen's request
    only to that person once verified (or to whom they confirmed a delegation), and about members of their own
    household only where the guide declares the need and the registry reported the relation."""
    if not request.principal:
        return AccessDecision.refused(Refusal.NOT_VERIFIED, person_read=True)
    if request.subject == request.principal:
        return AccessDecision(True, person_read=True)
    if request.relation not in request.declared:
        return AccessDecision.refused(Refusal.NOT_DECLARED, person_read=True)
    if request.subject not in request.relatives.get(request.relation, frozenset()):
        return AccessDecision.refused(Refusal.NOT_RELATED, person_read=True)
    return AccessDecision(True, person_read=True)
