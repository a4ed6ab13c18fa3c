"""Once-only at application (免提交): fetch the materials a guide marks 共享获取 through the exchange.

For each shared material the resolver works out whom it is about — the applicant (or the company), the newborn
and its parents found through the birth certificate registry, all through the exchange — asks the gateway once
per data service and subject (:class:`~yiwang.cases.models.SharedLookup`), and settles the material:

* every answer found (and, for 人口.身份核验, a match) ⇒ ``shared`` (免提交, trust level A);
* a registry with no record (no recent birth certificate included) or a refusal ⇒ back to an upload, with the
  reason in Chinese in ``shared_problem``;
* a service not connected to the exchange, or a person the system cannot determine ⇒ ``shared_pending``: the
  department checks it itself.

Each call names the department of the item that needs the material as consumer, the reserved case number as
reference, and the guide's legal basis (or the citizen's consent when the guide gives none). Called by
:func:`yiwang.cases.actions.do_resolve_shared_materials` inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import (
    ApplicantKind,
    Application,
    Material,
    MaterialSource,
    MaterialStatus,
    SharedLookup,
)
from yiwang.catalog.models import GuideStatus, GuideVersion, ServiceItem
from yiwang.registries import access, exchange

SYSTEM_NAME = "cases.application"
FOUND = "ok"  # the exchange's outcome when the registry answered with a record
IDENTITY_CHECK = "人口.身份核验"
HOUSEHOLD = "人口.户籍信息"
MARRIAGE = "人口.婚姻状况"
BIRTHS = "人口.出生医学证明"
COMPANY_SERVICES = ("法人.",)
HOLDER_SERVICES = ("证照.按持证人查询", "不动产.登记信息")
NEWBORN_MAX_AGE = dt.timedelta(days=3 * 366)
# Refusals that mean "no registry on the platform answers this": the department checks it itself.
UNAVAILABLE = {exchange.Refusal.NOT_CONNECTED, exchange.Refusal.UNKNOWN_SERVICE}
# The draft's choice among the applicant's recent children: the form data key holding the chosen child's birth
# certificate number (:func:`newborn_choices` lists those the applicant may choose; nothing else is accepted).
NEWBORN_CHOICE = "newborn_certificate"
# Whom a material is about when its guide declares no ``subject``: the first keyword found in its name wins.
ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("母亲", "mother"),
    ("父亲", "father"),
    ("父母双方", "parents"),
    ("新生儿", "newborn"),
    ("配偶", "spouse"),
    ("法定代表人", "other"),
    ("负责人", "other"),
    ("股东", "other"),
    ("董事", "other"),
    ("受托人", "other"),
    ("代办人", "other"),
    ("家庭成员", "other"),
    ("男女双方", "other"),
)


@dataclass(frozen=True)
class Person:
    """Someone a material is about: resident ID number (or USCC) and name."""

    identifier: str
    name: str


class _Unresolvable(Exception):
    """The material cannot be fetched; its message says why (in Chinese), and the applicant uploads it."""


class _Unavailable(Exception):
    """No registry on the platform answers this service, or the system cannot tell whom the material concerns
    (another person, a company applied for in person): the department checks the material itself."""


# The relations each role of a material declares that the service needs (the household rule's "declared need").
DECLARED_RELATIONS: dict[str, frozenset[str]] = {
    "newborn": frozenset({access.Relation.CHILD}),
    "mother": frozenset({access.Relation.CO_PARENT}),
    "father": frozenset({access.Relation.CO_PARENT}),
    "parents": frozenset({access.Relation.CO_PARENT}),
    "spouse": frozenset({access.Relation.SPOUSE}),
}


def declared_relations(material: Material) -> frozenset[str]:
    """Whom besides the principal the guide's material declares it is about (none for the principal's own)."""
    return DECLARED_RELATIONS.get(role_of(material), frozenset())


def subject_rule(
    name: str, data_service: str, declared: str | None = None, beneficiary: str = "applicant"
) -> str:
    """The one rule deciding whom a shared material is about (applicant, newborn, mother, father, parents, spouse
    or other): the ``subject`` its guide declares, else the first of :data:`ROLE_KEYWORDS` in its name, else —
    for a birth certificate — the newborn (a certificate is its child's document, never the parent's own), else
    the applicant. ``beneficiary`` (the person the services are for) is the bundle's: the newborn in
    新生儿出生一件事, the applicant otherwise."""
    role = declared or next((role for keyword, role in ROLE_KEYWORDS if keyword in name), "")
    if not role:
        role = "newborn" if data_service == BIRTHS else "applicant"
    return beneficiary if role == "beneficiary" else role


def document_key(entry: dict[str, Any], beneficiary: str) -> tuple[str, ...]:
    """Which document a guide's material entry is, for one checklist row per document across a bundle's guides:
    a shared material is the answer of its data service about its subject (出生医学证明 and 新生儿出生医学证明
    are one certificate, fetched once and never also asked as an upload); any other, its name and source."""
    if entry["source"] == MaterialSource.SHARED:
        subject = subject_rule(
            entry["name"], entry.get("data_service", ""), entry.get("subject"), beneficiary
        )
        return (entry["source"], entry.get("data_service", ""), subject)
    return (entry["source"], entry["name"])


def beneficiary_of(application: Application) -> str:
    """Whom the application's services are for: the bundle's beneficiary, else the applicant."""
    return application.bundle.beneficiary if application.bundle is not None else "applicant"


def declared_subject(material: Material) -> str | None:
    """The ``subject`` the published guide of ``material``'s items declares for it, if any."""
    versions = GuideVersion.objects.filter(
        item__implementation_code__in=material.item_codes, status=GuideStatus.PUBLISHED
    ).values_list("content", flat=True)
    return next(
        (
            entry["subject"]
            for content in versions
            for entry in content.get("materials", [])
            if entry["name"] == material.name and entry.get("subject")
        ),
        None,
    )


def role_of(material: Material) -> str:
    """Whom a shared material is about, by :func:`subject_rule` (worked out once per material object)."""
    role: str | None = material.__dict__.get("_role")
    if role is None:
        role = subject_rule(
            material.name,
            material.data_service,
            declared_subject(material),
            beneficiary_of(material.application),
        )
        material.__dict__["_role"] = role
    return role


def recent_births(fields: dict[str, Any], parent: str, today: dt.date) -> list[dict[str, Any]]:
    """The certificates in a birth-registry answer about ``parent`` of children born to them within
    :data:`NEWBORN_MAX_AGE` of ``today``, youngest first (never the parent's own certificate)."""
    recent = [
        record
        for record in fields.get("births", [])
        if record.get("child_resident_id")
        and record["child_resident_id"] != parent
        and parent in (record.get("mother_resident_id"), record.get("father_resident_id"))
        and record.get("birth_date")
        and dt.date.fromisoformat(record["birth_date"]) >= today - NEWBORN_MAX_AGE
    ]
    return sorted(
        recent, key=lambda record: (record["birth_date"], record["certificate_number"]), reverse=True
    )


def newborn_choices(application: Application) -> list[dict[str, Any]]:
    """The applicant's recent children the draft may be for, from the birth-registry answer about the applicant
    already fetched for it (nothing is asked again; empty when none was fetched)."""
    holder = principal_of(application)
    if not holder:
        return []
    lookup = application.shared_lookups.filter(data_service=BIRTHS, subject=holder, outcome=FOUND).first()
    return recent_births(lookup.fields, holder, timezone.localdate()) if lookup is not None else []


def chosen_newborn(application: Application) -> dict[str, Any] | None:
    """The child the draft is for: the applicant's choice, else the youngest; None when there is none."""
    choices = newborn_choices(application)
    chosen = application.form_data.get(NEWBORN_CHOICE, "")
    if chosen:
        return next((record for record in choices if record["certificate_number"] == chosen), None)
    return choices[0] if choices else None


def principal_of(application: Application) -> str:
    """The resident ID number of the citizen an application is for, when registry data may flow for them: a
    verified applicant, or — for a verified agent — a citizen who confirmed the delegation and has not ended it;
    else "". Registry data never flows to an unverified (L1) account, whoever it acts for."""
    applicant = application.applicant
    if not applicant.is_verified_citizen:
        return ""
    if application.applicant_kind == ApplicantKind.DELEGATED:
        confirmed = application.delegation_confirmed_at and application.delegation_ended_at is None
        return application.citizen_resident_id if confirmed else ""
    return applicant.resident_id or ""


class Resolver:
    """Resolves the shared materials of one application; lookups already made are reused, never repeated."""

    def __init__(self, application: Application, guides: list[tuple[ServiceItem, GuideVersion]]) -> None:
        self.application = application
        self.guides = {item.implementation_code: (item, version) for item, version in guides}
        self.lookups = {
            (lookup.data_service, lookup.subject): lookup for lookup in application.shared_lookups.all()
        }
        self.today = timezone.localdate()
        self.refused: list[dict[str, str]] = []  # reads the household and delegation rules did not allow

    # --- people ------------------------------------------------------------------------------------------

    def holder(self) -> Person:
        application = self.application
        if application.applicant_kind == ApplicantKind.DELEGATED:
            return Person(application.citizen_resident_id, application.citizen_name)
        user = application.applicant
        if not user.resident_id:
            raise _Unavailable
        return Person(user.resident_id, user.real_name)

    def newborn_record(self, material: Material) -> dict[str, Any]:
        """The certificate of the child the draft is for — the applicant's choice, else their youngest child
        born recently — found in the birth registry's answer about the applicant (the holder)."""
        holder = self.holder()
        lookup = self.fetch(material, BIRTHS, holder)
        recent = recent_births(lookup.fields, holder.identifier, self.today)
        if not recent:
            raise _Unresolvable(
                _("The birth certificate registry has no recent birth certificate of your child.")
            )
        chosen = self.application.form_data.get(NEWBORN_CHOICE, "")
        if not chosen:
            return recent[0]
        record = next((record for record in recent if record["certificate_number"] == chosen), None)
        if record is None:  # never asked about: only the applicant's own children are read
            raise _Unresolvable(
                _("The child chosen is not among your children in the birth certificate registry.")
            )
        return record

    def spouse(self, material: Material) -> Person:
        """The applicant's spouse, from the marriage registry's answer about the applicant."""
        lookup = self.fetch(material, MARRIAGE, self.holder())
        if not lookup.fields.get("spouse_resident_id"):
            raise _Unresolvable(_("The marriage registry names no spouse of yours."))
        return Person(lookup.fields["spouse_resident_id"], lookup.fields.get("spouse_name") or "")

    def people(self, material: Material) -> list[Person]:
        service = material.data_service
        if service.startswith(COMPANY_SERVICES) or service in HOLDER_SERVICES:
            company = self.application.company
            if self.application.applicant_kind == ApplicantKind.COMPANY and company is not None:
                return [Person(company.uscc, company.name)]
            if service not in HOLDER_SERVICES:
                raise _Unavailable
        role = role_of(material)
        if role == "other":
            raise _Unavailable
        if role == "applicant":
            return [self.holder()]
        if role == "spouse":
            return [self.spouse(material)]
        record = self.newborn_record(material)
        if role == "newborn":
            return [Person(record["child_resident_id"], record["child_name"] or "")]
        parents = [
            Person(record[f"{parent}_resident_id"], record[f"{parent}_name"] or "")
            for parent in ("mother", "father")
            if (role in (parent, "parents")) and record.get(f"{parent}_resident_id")
        ]
        if not parents:
            raise _Unavailable
        return parents

    # --- exchange ----------------------------------------------------------------------------------------

    def principal(self) -> str:
        return principal_of(self.application)

    def relatives(self) -> dict[str, frozenset[str]]:
        """The principal's relatives as the registry reported them in the answers about the principal."""
        principal = self.principal()
        found: dict[str, set[str]] = {}
        for (service, subject), lookup in self.lookups.items():
            if subject != principal or lookup.outcome != FOUND:
                continue
            fields = lookup.fields
            if service == HOUSEHOLD:
                found.setdefault(access.Relation.HOUSEHOLD, set()).update(
                    member["resident_id"] for member in fields.get("members", []) if member.get("resident_id")
                )
            elif service == MARRIAGE and fields.get("spouse_resident_id"):
                found.setdefault(access.Relation.SPOUSE, set()).add(fields["spouse_resident_id"])
            elif service == BIRTHS:
                for record in fields.get("births", []):
                    if record.get("child_resident_id") in (None, principal):
                        continue
                    found.setdefault(access.Relation.CHILD, set()).add(record["child_resident_id"])
                    found.setdefault(access.Relation.CO_PARENT, set()).update(
                        parent
                        for parent in (record.get("mother_resident_id"), record.get("father_resident_id"))
                        if parent and parent != principal
                    )
        return {relation: frozenset(numbers) for relation, numbers in found.items()}

    def check_may_read(self, material: Material, service: str, person: Person) -> None:
        """Apply the household and delegation rules (:func:`access.decide_citizen_read`) to a read about a
        person; raise when it may not happen (nothing is asked of the exchange then)."""
        entry = exchange.catalogue_entry(service)
        if entry is None or not access.is_person_read(entry.service, person.identifier):
            return
        relatives = self.relatives()
        relation = next(
            (relation for relation, numbers in relatives.items() if person.identifier in numbers),
            access.Relation.SELF,
        )
        decision = access.decide_citizen_read(
            access.CitizenReadRequest(
                principal=self.principal(),
                subject=person.identifier,
                relation=relation,
                declared=declared_relations(material),
                relatives=relatives,
            )
        )
        if not decision.allowed:
            self.refused.append({"service": service, "refusal": decision.refusal})
            raise _Unresolvable(decision.message)

    def fetch(self, material: Material, service: str, person: Person) -> SharedLookup:
        """The answer of ``service`` about ``person`` for this application: asked once, then reused."""
        lookup = self.lookups.get((service, person.identifier))
        if lookup is None:
            self.check_may_read(material, service, person)
            item, version = self.guides[material.item_codes[0]]
            case_reference = self.application.case_numbers.get(item.implementation_code, "")
            legal_basis_code = exchange.guide_basis_code(
                service, item.department, version.content.get("legal_basis", [])
            )
            consent_id = (
                None if legal_basis_code else exchange.usable_consent_id(person.identifier, item.department)
            )
            result = exchange.resolve_shared_material(
                item.department,
                SYSTEM_NAME,
                service,
                person.identifier,
                legal_basis_code=legal_basis_code,
                consent_id=consent_id,
                case_reference=case_reference,
                # Whose own request this is: they are not told of reads about themself (a represented citizen
                # gets one message per batch from the delegation instead); relatives are told.
                on_behalf_of=self.principal(),
                parameters={"name": person.name} if service == IDENTITY_CHECK else None,
            )
            lookup = SharedLookup.objects.create(
                application=self.application,
                data_service=service,
                subject=person.identifier,
                subject_name=person.name,
                consumer=item.department,
                case_reference=case_reference,
                outcome=result.outcome,
                refusal=result.refusal,
                message=result.message,
                fields=result.fields,
                provider_code=result.provider_code,
                provider_name=result.provider_name,
                request_id=result.request_id,
                request_digest=result.request_digest,
                payload=result.payload,
                signature=result.signature,
                kid=result.kid,
                responded_at=result.responded_at,
            )
            self.lookups[(service, person.identifier)] = lookup
        if lookup.refusal in UNAVAILABLE:
            raise _Unavailable
        if lookup.refusal:
            raise _Unresolvable(
                _("The registry refused the request (%(reason)s); upload this material.")
                % {"reason": lookup.message}
            )
        if lookup.outcome != FOUND:
            raise _Unresolvable(
                _("%(provider)s holds no record of %(name)s; upload this material.")
                % {"provider": lookup.provider_name, "name": person.name or person.identifier}
            )
        if service == IDENTITY_CHECK and not lookup.fields.get("match"):
            raise _Unresolvable(
                _(
                    "The population registry could not confirm the name and resident ID number of %(name)s; "
                    "upload this material."
                )
                % {"name": person.name or person.identifier}
            )
        return lookup

    def settle(self, material: Material) -> None:
        """Fetch everything ``material`` needs and set its status (免提交, upload, or left to the department)."""
        lookups: list[SharedLookup] = []
        try:
            for person in self.people(material):
                lookups.append(self.fetch(material, material.data_service, person))
        except _Unavailable:
            material.status, material.shared_problem = MaterialStatus.SHARED_PENDING, ""
        except _Unresolvable as problem:
            has_files = material.files.filter(replaced_at__isnull=True).exists()
            material.status = MaterialStatus.PROVIDED if has_files else MaterialStatus.MISSING
            material.shared_problem = str(problem)
        else:
            material.status, material.shared_problem = MaterialStatus.SHARED, ""
            material.lookups.set(lookups)
        material.save(update_fields=["status", "shared_problem"])

    def run(self) -> list[Material]:
        """Settle every shared material not settled yet; returns those settled now."""
        pending = list(
            self.application.materials.filter(
                source=MaterialSource.SHARED, status=MaterialStatus.SHARED_PENDING, shared_problem=""
            ).order_by("position", "pk")
        )
        for material in pending:
            self.settle(material)
        return pending

    def prefill(self) -> dict[str, str]:
        """Form fields from the applicant's household record (户籍信息), when a material fetched it."""
        try:
            holder = self.holder()
        except _Unresolvable:
            return {}
        lookup = self.lookups.get((HOUSEHOLD, holder.identifier))
        if lookup is None or lookup.outcome != FOUND:
            return {}
        return {
            name: value
            for name, value in (
                ("contact_name", lookup.fields.get("name")),
                ("address", lookup.fields.get("address")),
            )
            if value
        }
