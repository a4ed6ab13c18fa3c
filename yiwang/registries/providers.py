"""The providers behind the data services (数据提供方): the only code that reads the registry tables.

Each provider takes a validated subject (and the request's parameters) and returns the service's answer as JSON-able
data, or None when the registry holds no record. The gateway (:mod:`yiwang.registries.exchange`) calls them after
every check has passed, and keeps only the fields the service declares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone

from yiwang.licences import queries as licence_queries
from yiwang.licences.models import Licence, LicenceStatus
from yiwang.registries.models import BirthRecord, Entity, EntityStatus, Person, Relation

Provider = Callable[[str, Mapping[str, str]], dict[str, Any] | None]

_RELATION_ORDER: dict[str, int] = {
    Relation.HEAD: 0,
    Relation.SPOUSE: 1,
    Relation.PARENT: 2,
    Relation.CHILD: 3,
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def identity_check(subject: str, parameters: Mapping[str, str]) -> dict[str, Any]:
    """人口.身份核验: yes or no only — whether the name belongs to this living person's ID number."""
    row = Person.objects.filter(resident_id=subject).values_list("name", "death_date").first()
    return {"match": row is not None and row[0] == parameters.get("name", "").strip() and row[1] is None}


def household(subject: str, parameters: Mapping[str, str]) -> dict[str, Any] | None:
    """人口.户籍信息: the person, their household, its address and its living members."""
    person = Person.objects.select_related("household__address").filter(resident_id=subject).first()
    if person is None:
        return None
    members = sorted(
        Person.objects.filter(household_id=person.household_id, death_date__isnull=True).values_list(
            "name", "resident_id", "relation_to_head", "birth_date"
        ),
        key=lambda member: (_RELATION_ORDER.get(member[2], 9), member[3]),
    )
    return {
        "resident_id": person.resident_id,
        "name": person.name,
        "sex": person.sex,
        "birth_date": _iso(person.birth_date),
        "ethnicity": person.ethnicity,
        "household_number": person.household.number,
        "address": person.household.address.full_text,
        "relation_to_head": person.relation_to_head,
        "members": [
            {"name": name, "resident_id": resident_id, "relation_to_head": relation}
            for name, resident_id, relation, _born in members
        ],
    }


def marital_status(subject: str, parameters: Mapping[str, str]) -> dict[str, Any] | None:
    """人口.婚姻状况: status, spouse and marriage date."""
    row = (
        Person.objects.filter(resident_id=subject)
        .values("marital_status", "spouse_id", "spouse__name", "married_on")
        .first()
    )
    if row is None:
        return None
    return {
        "marital_status": row["marital_status"],
        "spouse_name": row["spouse__name"],
        "spouse_resident_id": row["spouse_id"],
        "married_on": _iso(row["married_on"]),
    }


def births(subject: str, parameters: Mapping[str, str]) -> dict[str, Any] | None:
    """人口.出生医学证明: the person's own certificate and those of their children."""
    if not Person.objects.filter(resident_id=subject).exists():
        return None
    records = (
        BirthRecord.objects.filter(child__resident_id=subject)
        .union(
            BirthRecord.objects.filter(mother__resident_id=subject),
            BirthRecord.objects.filter(father__resident_id=subject),
        )
        .order_by("issued_on", "certificate_number")
    )
    people = {
        person.resident_id: person
        for person in Person.objects.filter(
            resident_id__in={
                resident_id
                for record in records
                for resident_id in (record.child_id, record.mother_id, record.father_id)
                if resident_id
            }
        )
    }

    def name_of(resident_id: str | None) -> str | None:
        return people[resident_id].name if resident_id in people else None

    return {
        "births": [
            {
                "certificate_number": record.certificate_number,
                "child_name": name_of(record.child_id),
                "child_resident_id": record.child_id,
                "child_sex": people[record.child_id].sex,
                "birth_date": _iso(people[record.child_id].birth_date),
                "birth_place": record.birth_place,
                "mother_name": name_of(record.mother_id),
                "mother_resident_id": record.mother_id,
                "father_name": name_of(record.father_id),
                "father_resident_id": record.father_id,
                "issued_on": _iso(record.issued_on),
            }
            for record in records
        ]
    }


def death(subject: str, parameters: Mapping[str, str]) -> dict[str, Any] | None:
    """人口.死亡信息: whether the person has died, and when."""
    row = Person.objects.filter(resident_id=subject).values_list("death_date", flat=True)
    if not row:
        return None
    return {"deceased": row[0] is not None, "death_date": _iso(row[0])}


def entity_registration(subject: str, parameters: Mapping[str, str]) -> dict[str, Any] | None:
    """法人.登记信息: the public registration data of a market entity (企业信息公示)."""
    entity = Entity.objects.select_related("registered_address").filter(uscc=subject).first()
    if entity is None:
        return None
    return {
        "uscc": entity.uscc,
        "name": entity.name,
        "entity_type": entity.entity_type,
        "legal_representative_name": entity.legal_representative_name,
        "registered_address": entity.registered_address.full_text,
        "registered_capital": str(entity.registered_capital),
        "status": entity.status,
        "established_on": _iso(entity.established_on),
        "closed_on": _iso(entity.closed_on),
    }


def legal_representative_check(subject: str, parameters: Mapping[str, str]) -> dict[str, Any]:
    """法人.法定代表人核验: yes or no only — whether the person with resident ID ``parameters["resident_id"]`` is the
    registered legal representative (法定代表人) of the entity, which is in business (not 注销 or 吊销), and alive."""
    resident_id = parameters.get("resident_id", "").strip().upper()
    representative = (
        Entity.objects.filter(uscc=subject, status=EntityStatus.ACTIVE)
        .values_list("legal_representative_id", flat=True)
        .first()
    )
    match = (
        bool(resident_id)
        and representative == resident_id
        and Person.objects.filter(resident_id=resident_id, death_date__isnull=True).exists()
    )
    return {"match": match}


def _licence_status(licence: Licence) -> str:
    if licence.status == LicenceStatus.REVOKED:
        return "revoked"
    return "expired" if licence.is_expired_on(timezone.localdate()) else "valid"


def _licence_fields(licence: Licence) -> dict[str, Any]:
    return {
        "number": licence.number,
        "type_name": licence.type_name,
        "holder_name": licence.holder_name,
        "issuer_name": licence.issuer_name,
        "valid_from": _iso(licence.valid_from),
        "valid_until": _iso(licence.valid_until),
        "status": _licence_status(licence),
    }


def licences_of_holder(subject: str, parameters: Mapping[str, str]) -> dict[str, Any]:
    """证照.按持证人查询: every licence the person or company holds, from the e-licence library."""
    return {"licences": [_licence_fields(licence) for licence in licence_queries.licences_of_holder(subject)]}


def licence_by_number(subject: str, parameters: Mapping[str, str]) -> dict[str, Any] | None:
    """证照.按证照编号查询: one licence by its number."""
    licence = licence_queries.licence_by_number(subject)
    return _licence_fields(licence) if licence is not None else None


PROVIDERS: dict[str, Provider] = {
    "人口.身份核验": identity_check,
    "人口.户籍信息": household,
    "人口.婚姻状况": marital_status,
    "人口.出生医学证明": births,
    "人口.死亡信息": death,
    "法人.登记信息": entity_registration,
    "法人.法定代表人核验": legal_representative_check,
    "证照.按持证人查询": licences_of_holder,
    "证照.按证照编号查询": licence_by_number,
}
