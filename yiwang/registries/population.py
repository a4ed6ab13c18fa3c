"""Generating the demo registries (演示基础库): people, households, marriages, births, deaths, companies.

Deterministic (a seeded random generator, a fixed reference date) and fast: rows are built as tuples with
precomputed check digits and written with one ``executemany`` per batch; one audit record covers the whole load.
The 200 demo citizens and 20 demo companies of :mod:`yiwang.demo.loader` come first, with the same resident ID
numbers, credit codes and names, so their lookups through the exchange find them.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction

from yiwang.core.audit import record_audit
from yiwang.core.validators import USCC_ALPHABET
from yiwang.demo import identities
from yiwang.org.models import Department, Division, DivisionLevel
from yiwang.registries.actions import do_publish_demo_catalogue, do_sync_guide_legal_bases
from yiwang.registries.models import (
    BirthRecord,
    Entity,
    EntityStatus,
    EntityType,
    Household,
    MaritalStatus,
    Person,
    Relation,
    StandardAddress,
)
from yiwang.registries.queries import published_guides

DEMO_POPULATION = 100_000
REFERENCE_DATE = dt.date(2026, 1, 1)  # "today" of the generated data, so every load gives the same people
BATCH_SIZE = 5_000
DEMO_CITIZENS = 200
_DEMO_COMPANY_COUNT = 20

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SEQUENCE_SUMS = [
    sum(int(d) * w for d, w in zip(f"{n:03d}", _ID_WEIGHTS[14:], strict=True)) for n in range(1000)
]
_STREETS = (
    "渠江北路",
    "建设路",
    "金安大道",
    "洪洲大道",
    "城南大道",
    "思源大道",
    "白塔路",
    "滨河路",
    "解放路",
    "东门街",
)
_HOSPITALS = ("广安市人民医院", "广安区人民医院", "广安市妇幼保健院", "广安区中医医院")
_ETHNICITIES = ("汉族",) * 95 + ("土家族", "苗族", "彝族", "回族", "藏族")
_TRADES = ("商贸", "餐饮", "建筑", "物流", "农业", "家政", "汽车维修", "医药", "食品", "建材", "传媒", "酒店", "教育咨询",
           "物业", "电子商务", "印务", "水产", "旅游", "机械", "服装")  # fmt: skip
_BRANDS = ("渠江", "思源", "金安", "北辰", "白塔", "浓洄", "枣山", "万盛", "中桥", "广福", "悦来", "龙台", "洪洲",
           "滨河", "城南", "桂花", "银杏", "文昌", "双河", "桃园", "协兴", "奎阁", "前锋", "花桥", "井河")  # fmt: skip
_ENTITY_KINDS = (
    (EntityType.LIMITED_COMPANY, "91", "有限公司"),
    (EntityType.SOLE_PROPRIETOR, "92", "经营部"),
    (EntityType.COOPERATIVE, "93", "专业合作社"),
)


def _years_after(day: dt.date, years: int) -> dt.date:
    """About ``years`` years after ``day`` (leap days counted), without the 29 February trap."""
    return day + dt.timedelta(days=365 * years + years // 4)


@dataclass
class PopulationReport:
    """What a load wrote (or found already there)."""

    counts: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False


def _resident_id_maker(region: str, reserved: set[str]) -> Any:
    """A function (birth date, is_male) → a new unique resident ID number, check digit from precomputed sums."""
    prefix_sums: dict[dt.date, tuple[str, int]] = {}
    next_sequence: dict[tuple[dt.date, bool], int] = {}

    def make(birth_date: dt.date, is_male: bool) -> str:
        cached = prefix_sums.get(birth_date)
        if cached is None:
            prefix = f"{region}{birth_date:%Y%m%d}"
            cached = (prefix, sum(int(d) * w for d, w in zip(prefix, _ID_WEIGHTS, strict=False)))
            prefix_sums[birth_date] = cached
        prefix, prefix_sum = cached
        sequence = next_sequence.get((birth_date, is_male), 1 if is_male else 0)
        while True:
            if sequence > 999:
                raise ValueError(f"more than 500 people of one sex born on {birth_date}")
            resident_id = f"{prefix}{sequence:03d}{_ID_CHECK[(prefix_sum + _SEQUENCE_SUMS[sequence]) % 11]}"
            sequence += 2  # odd for men, even for women (GB 11643)
            if resident_id not in reserved:
                break
        next_sequence[(birth_date, is_male)] = sequence
        return resident_id

    return make


class _Generator:
    def __init__(self, count: int, villages: Sequence[Division], seed: int) -> None:
        self.count = count
        self.villages = villages
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.uniform = self.rng.random  # one float per draw: much cheaper than randint/choice
        reserved = {identities.resident_id(index) for index in range(1, DEMO_CITIZENS + 1)}
        self.new_id = _resident_id_maker(identities.DEMO_REGION, reserved)
        self.addresses: list[tuple[Any, ...]] = []
        self.households: list[tuple[Any, ...]] = []
        self.people: list[tuple[Any, ...]] = []
        self.births: list[tuple[Any, ...]] = []
        self.entities: list[tuple[Any, ...]] = []

    # --- small helpers -----------------------------------------------------------------------------------

    def _date_between(self, first: dt.date, last: dt.date) -> dt.date:
        low = first.toordinal()
        return dt.date.fromordinal(low + self._below(max(first, last).toordinal() - low + 1))

    def _below(self, limit: int) -> int:
        """A whole number in [0, limit)."""
        return int(self.uniform() * limit)

    def _pick(self, options: Sequence[Any]) -> Any:
        return options[int(self.uniform() * len(options))]

    def _given_name(self, is_male: bool) -> str:
        names = identities.MALE_GIVEN_NAMES if is_male else identities.FEMALE_GIVEN_NAMES
        return self._pick(names)

    def _surname(self) -> str:
        return self._pick(identities.SURNAMES)

    def _new_address(self) -> int:
        address_id = len(self.addresses) + 1
        village = self.villages[address_id % len(self.villages)]
        town = village.parent.name if village.parent else ""
        street = self._pick(_STREETS)
        number = str(1 + self._below(300))
        draw = self._below(12 * 3 * 30 * 4)
        unit = f"{1 + draw % 12}栋{1 + draw // 12 % 3}单元{1 + draw // 36 % 30}0{1 + draw // 1080}"
        full_text = f"四川省广安市广安区{town}{village.name}{street}{number}号{unit}"
        self.addresses.append(
            (address_id, f"{village.code}{address_id:07d}", village.pk, street, number, unit, full_text)
        )
        return address_id

    def _new_household(self, registered_on: dt.date) -> int:
        household_id = len(self.households) + 1
        self.households.append((household_id, f"5116{household_id:08d}", self._new_address(), registered_on))
        return household_id

    def _person(
        self,
        resident_id: str,
        name: str,
        is_male: bool,
        birth_date: dt.date,
        household_id: int,
        relation: str,
        marital: str = MaritalStatus.SINGLE,
        spouse: str | None = None,
        married_on: dt.date | None = None,
        death_date: dt.date | None = None,
    ) -> None:
        ethnicity = self._pick(_ETHNICITIES)
        self.people.append(
            (
                resident_id,
                name,
                "M" if is_male else "F",
                birth_date,
                ethnicity,
                household_id,
                relation,
                marital,
                spouse,
                married_on,
                death_date,
            )
        )

    def _birth(self, child: str, birth_date: dt.date, mother: str | None, father: str | None) -> None:
        if birth_date.year < 1996:  # 出生医学证明 were introduced in 1996
            return
        number = f"Q{len(self.births) + 1:09d}"
        place = self._pick(_HOSPITALS)
        self.births.append(
            (number, child, mother, father, place, birth_date + dt.timedelta(days=self._below(4)))
        )

    # --- households --------------------------------------------------------------------------------------

    def family(
        self,
        head: tuple[str, str, bool, dt.date] | None = None,
        *,
        newborn: bool = False,
        room: int | None = None,
    ) -> None:
        """One household: a head, perhaps a spouse, children (with birth records) and an elderly parent.

        ``room`` caps the number of people (the last household of a load).
        """
        rng = self.rng
        if head is None:
            is_male = rng.random() < 0.5
            birth = self._date_between(dt.date(1941, 1, 1), dt.date(2002, 12, 31))
            head = (self.new_id(birth, is_male), self._surname() + self._given_name(is_male), is_male, birth)
        head_id, head_name, head_male, head_birth = head
        limit = room if room is not None else 99
        household_id = self._new_household(
            self._date_between(head_birth + dt.timedelta(days=18 * 365), REFERENCE_DATE)
        )
        roll = rng.random()
        adult_by = _years_after(head_birth, 22) if head_birth.year < 2004 else REFERENCE_DATE
        can_marry = adult_by < REFERENCE_DATE and limit >= 2
        if (newborn or roll < 0.7) and can_marry:
            spouse_male = not head_male
            spouse_birth = self._date_between(
                head_birth - dt.timedelta(days=5 * 365),
                min(head_birth + dt.timedelta(days=5 * 365), dt.date(2001, 12, 31)),
            )
            spouse_id = self.new_id(spouse_birth, spouse_male)
            surname = head_name[0] if head_male else self._surname()
            spouse_name = (self._surname() if head_male else surname) + self._given_name(spouse_male)
            married_on = self._date_between(
                max(adult_by, _years_after(spouse_birth, 22)),
                min(REFERENCE_DATE - dt.timedelta(days=400), adult_by + dt.timedelta(days=10 * 365)),
            )
            self._person(
                head_id,
                head_name,
                head_male,
                head_birth,
                household_id,
                Relation.HEAD,
                MaritalStatus.MARRIED,
                spouse_id,
                married_on,
            )
            self._person(
                spouse_id,
                spouse_name,
                spouse_male,
                spouse_birth,
                household_id,
                Relation.SPOUSE,
                MaritalStatus.MARRIED,
                head_id,
                married_on,
            )
            father, mother = (head_id, spouse_id) if head_male else (spouse_id, head_id)
            family_name = head_name[0] if head_male else spouse_name[0]
            limit -= 2
            children = min(limit, self._pick((0, 1, 1, 2, 2, 3)))
            for _index in range(children):
                born = self._date_between(
                    married_on + dt.timedelta(days=300),
                    min(married_on + dt.timedelta(days=15 * 365), REFERENCE_DATE - dt.timedelta(days=60)),
                )
                if born >= REFERENCE_DATE:
                    continue
                child_male = rng.random() < 0.51
                child_id = self.new_id(born, child_male)
                self._person(
                    child_id,
                    family_name + self._given_name(child_male),
                    child_male,
                    born,
                    household_id,
                    Relation.CHILD,
                )
                self._birth(child_id, born, mother, father)
            limit -= children
            if newborn and limit >= 1:
                born = self._date_between(dt.date(2025, 10, 1), dt.date(2025, 12, 20))
                child_male = rng.random() < 0.5
                child_id = self.new_id(born, child_male)
                self._person(
                    child_id,
                    family_name + self._given_name(child_male),
                    child_male,
                    born,
                    household_id,
                    Relation.CHILD,
                )
                self._birth(child_id, born, mother, father)
                limit -= 1
        else:
            status = MaritalStatus.SINGLE if roll < 0.9 or not can_marry else MaritalStatus.DIVORCED
            self._person(head_id, head_name, head_male, head_birth, household_id, Relation.HEAD, status)
            limit -= 1
        if limit >= 1 and head_birth.year >= 1960 and rng.random() < 0.12:
            parent_male = rng.random() < 0.4
            parent_birth = self._date_between(
                head_birth - dt.timedelta(days=32 * 365), head_birth - dt.timedelta(days=22 * 365)
            )
            died = (
                self._date_between(dt.date(2015, 1, 1), REFERENCE_DATE - dt.timedelta(days=1))
                if rng.random() < 0.35
                else None
            )
            surname = head_name[0] if parent_male and head_male else self._surname()
            self._person(
                self.new_id(parent_birth, parent_male),
                surname + self._given_name(parent_male),
                parent_male,
                parent_birth,
                household_id,
                Relation.PARENT,
                MaritalStatus.WIDOWED,
                death_date=died,
            )

    def demo_citizens(self) -> None:
        """The demo district's citizens, each heading a household; those born since 1985 have a newborn."""
        for index in range(1, min(DEMO_CITIZENS, self.count) + 1):
            head = (
                identities.resident_id(index),
                identities.citizen_name(index),
                identities.citizen_is_male(index),
                identities.citizen_birth_date(index),
            )
            young_parent = 1985 <= head[3].year <= 2000
            self.family(
                head,
                newborn=young_parent,
                room=min(5, self.count - len(self.people) - (DEMO_CITIZENS - index)),
            )

    def everyone_else(self) -> None:
        while len(self.people) < self.count:
            self.family(room=self.count - len(self.people))

    # --- legal entities ----------------------------------------------------------------------------------

    def companies(self, count: int, demo_companies: Sequence[str]) -> None:
        used: set[str] = set()
        adults = [row for row in self.people if row[3].year <= 2000 and row[10] is None]
        for index, name in enumerate(demo_companies):
            representative = 1 + index * (DEMO_CITIZENS // _DEMO_COMPANY_COUNT)
            self._entity(
                identities.uscc("91", name),
                name,
                EntityType.LIMITED_COMPANY,
                identities.citizen_name(representative),
                identities.resident_id(representative),
                used,
                in_business=True,
            )
        serial = 0
        while len(self.entities) < count:
            serial += 1
            kind, prefix, suffix = _ENTITY_KINDS[0 if serial % 10 < 7 else (1 if serial % 10 < 9 else 2)]
            name = f"广安{self._pick(_BRANDS)}{self._pick(_TRADES)}{serial}号{suffix}"
            adult = self._pick(adults)
            self._entity(identities.uscc(prefix, name), name, kind, adult[1], adult[0], used)

    def _entity(
        self,
        uscc: str,
        name: str,
        kind: str,
        rep_name: str,
        rep_id: str,
        used: set[str],
        *,
        in_business: bool = False,
    ) -> None:
        """One market entity whose legal representative (``rep_id``) is a living adult of the registry.

        ``in_business`` keeps a demo company in business (存续) so its representative can claim it; the random
        draws are made all the same, so the rest of the registry does not change.
        """
        if uscc in used or any(char not in USCC_ALPHABET for char in uscc):
            return
        used.add(uscc)
        established = self._date_between(dt.date(1995, 1, 1), dt.date(2025, 6, 30))
        roll = self.rng.random()
        status = (
            EntityStatus.ACTIVE
            if roll < 0.9
            else (EntityStatus.DEREGISTERED if roll < 0.97 else EntityStatus.REVOKED)
        )
        closed = None if status == EntityStatus.ACTIVE else self._date_between(established, REFERENCE_DATE)
        if in_business:
            status, closed = EntityStatus.ACTIVE, None
        capital = f"{self._pick((3, 5, 10, 50, 100, 200, 500, 1000))}.00"
        self.entities.append(
            (uscc, name, kind, rep_name, rep_id, self._new_address(), capital, status, established, closed)
        )


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # noqa: S101 - a concrete field of our own model
    return field.column


def _insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(_column(model, name)) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from _meta
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


_REGISTRY_MODELS: tuple[type[models.Model], ...] = (BirthRecord, Entity, Person, Household, StandardAddress)


@contextmanager
def _bulk_load_cache() -> Iterator[None]:
    """On SQLite, a larger page cache while the registries are written (indexes stay in memory)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute("PRAGMA cache_size=-262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(previous)}")


def _clear_registries() -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in _REGISTRY_MODELS:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608 - name from _meta


def _demo_company_names() -> list[str]:
    from yiwang.demo.loader import _COMPANY_NAMES

    return list(_COMPANY_NAMES[:_DEMO_COMPANY_COUNT])


def load_population(count: int = DEMO_POPULATION, *, seed: int = 20260101) -> PopulationReport:
    """Fill the base registries with ``count`` people (and one company per 50 people), replacing what is there.

    Loading the same ``count`` again finds the registries complete and changes nothing.
    """
    if count < DEMO_CITIZENS:
        raise ValueError(f"the demo population has at least the {DEMO_CITIZENS} demo citizens")
    if (
        Person.objects.count() == count
        and Person.objects.filter(resident_id=identities.resident_id(1)).exists()
    ):
        return PopulationReport({"registries.person": count}, already_loaded=True)
    villages = list(
        Division.objects.filter(level=DivisionLevel.VILLAGE).select_related("parent").order_by("code")
    )
    if not villages:
        raise ValueError("load the demo district (its villages and communities) before the population")
    generator = _Generator(count, villages, seed)
    generator.demo_citizens()
    generator.everyone_else()
    generator.companies(max(_DEMO_COMPANY_COUNT, count // 50), _demo_company_names())
    generator.people.sort()  # by resident ID number: the unique index grows in order
    with transaction.atomic(), _bulk_load_cache():
        _clear_registries()
        _insert(
            StandardAddress,
            ("id", "code", "division", "street", "house_number", "unit", "full_text"),
            generator.addresses,
        )
        _insert(Household, ("id", "number", "address", "registered_on"), generator.households)
        _insert(
            Person,
            (
                "resident_id",
                "name",
                "sex",
                "birth_date",
                "ethnicity",
                "household",
                "relation_to_head",
                "marital_status",
                "spouse",
                "married_on",
                "death_date",
            ),
            generator.people,
        )
        _insert(
            BirthRecord,
            ("certificate_number", "child", "mother", "father", "birth_place", "issued_on"),
            generator.births,
        )
        _insert(
            Entity,
            (
                "uscc",
                "name",
                "entity_type",
                "legal_representative_name",
                "legal_representative_id",
                "registered_address",
                "registered_capital",
                "status",
                "established_on",
                "closed_on",
            ),
            generator.entities,
        )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(_REGISTRY_MODELS)):
                cursor.execute(statement)
        counts = {
            "registries.standardaddress": len(generator.addresses),
            "registries.household": len(generator.households),
            "registries.person": len(generator.people),
            "registries.birthrecord": len(generator.births),
            "registries.entity": len(generator.entities),
        }
        record_audit(
            None, "registries.population_loaded", ("registries.person", "*"), {"seed": seed, **counts}
        )
    return PopulationReport(counts)


def load_demo_registries(count: int = DEMO_POPULATION) -> str:
    """Publish the demo catalogue (providers and allow-lists) and load ``count`` people; says how fast it went.

    Used by ``yiwang demo load --population N`` and ``yiwang registries load-population N``.
    """
    started = time.monotonic()
    services = do_publish_demo_catalogue(
        {department.short_name: department for department in Department.objects.all()}
    )
    bases = do_sync_guide_legal_bases(published_guides())
    report = load_population(count)
    if report.already_loaded:
        return (
            f"data services: {services} published, {bases} legal-basis entries from the guides; "
            f"population registry already holds {count} people"
        )
    elapsed = time.monotonic() - started
    counts = ", ".join(f"{label} {number}" for label, number in report.counts.items())
    rate = report.counts["registries.person"] / elapsed if elapsed else 0
    return (
        f"data services: {services} published, {bases} legal-basis entries from the guides; {counts} in "
        f"{elapsed:.1f} s ({rate:,.0f} persons per second)"
    )
