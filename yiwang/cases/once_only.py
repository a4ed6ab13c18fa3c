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
from yiwang.catalog.models import GuideVersion, ServiceItem
from yiwang.registries import exchange

SYSTEM_NAME = "cases.application"
FOUND = "ok"  # the exchange's outcome when the registry answered with a record
IDENTITY_CHECK = "人口.身份核验"
HOUSEHOLD = "人口.户籍信息"
BIRTHS = "人口.出生医学证明"
COMPANY_SERVICES = ("法人.",)
HOLDER_SERVICES = ("证照.按持证人查询", "不动产.登记信息")
NEWBORN_MAX_AGE = dt.timedelta(days=3 * 366)
# Refusals that mean "no registry on the platform answers this": the department checks it itself.
UNAVAILABLE = {exchange.Refusal.NOT_CONNECTED, exchange.Refusal.UNKNOWN_SERVICE}
# Who a material is about, from its name in the guide; the first keyword found wins.
ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("母亲", "mother"),
    ("父亲", "father"),
    ("父母双方", "parents"),
    ("新生儿或未成年人", "newborn"),
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


def legal_basis_text(version: GuideVersion) -> str:
    """The guide's legal basis as one line, e.g. 《中华人民共和国户口登记条例》第七条."""
    return "；".join(
        f"{entry.get('law', '')}{entry.get('article', '')}"
        for entry in version.content.get("legal_basis", [])
    )


def role_of(material: Material) -> str:
    """Whom a shared material is about: applicant, mother, father, parents, newborn, or another person."""
    if material.data_service == BIRTHS:
        return "applicant"  # a parent's record lists the certificates of their children
    for keyword, role in ROLE_KEYWORDS:
        if keyword in material.name:
            return role
    return "applicant"


class Resolver:
    """Resolves the shared materials of one application; lookups already made are reused, never repeated."""

    def __init__(self, application: Application, guides: list[tuple[ServiceItem, GuideVersion]]) -> None:
        self.application = application
        self.guides = {item.implementation_code: (item, version) for item, version in guides}
        self.lookups = {
            (lookup.data_service, lookup.subject): lookup for lookup in application.shared_lookups.all()
        }
        self.today = timezone.localdate()

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
        """The certificate of the applicant's youngest child born recently, from the birth registry."""
        lookup = self.fetch(material, BIRTHS, self.holder())
        births = [
            record
            for record in lookup.fields.get("births", [])
            if record.get("child_resident_id") != lookup.subject and record.get("birth_date")
        ]
        recent = [
            record
            for record in births
            if dt.date.fromisoformat(record["birth_date"]) >= self.today - NEWBORN_MAX_AGE
        ]
        if not recent:
            raise _Unresolvable(
                _("The birth certificate registry has no recent birth certificate of your child.")
            )
        return max(recent, key=lambda record: (record["birth_date"], record["certificate_number"]))

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

    def fetch(self, material: Material, service: str, person: Person) -> SharedLookup:
        """The answer of ``service`` about ``person`` for this application: asked once, then reused."""
        lookup = self.lookups.get((service, person.identifier))
        if lookup is None:
            item, version = self.guides[material.item_codes[0]]
            case_reference = self.application.case_numbers.get(item.implementation_code, "")
            legal_basis = legal_basis_text(version)
            consent_id = (
                None if legal_basis else exchange.usable_consent_id(person.identifier, item.department)
            )
            result = exchange.resolve_shared_material(
                item.department,
                SYSTEM_NAME,
                service,
                person.identifier,
                legal_basis=legal_basis,
                consent_id=consent_id,
                case_reference=case_reference,
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
