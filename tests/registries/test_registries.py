"""The demo registries (consistent, deterministic, fast), L2 verification through the exchange, and the rule that
no other app reads registry tables directly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pytest_django.fixtures import Settings

from tests.registries.conftest import POPULATION, District
from yiwang.accounts.models import AssuranceLevel
from yiwang.accounts.verification import do_verify_identity_l2
from yiwang.core.models import AuditRecord
from yiwang.core.validators import validate_resident_id, validate_uscc
from yiwang.demo import identities
from yiwang.registries.models import (
    AccessLogEntry,
    BirthRecord,
    Entity,
    MaritalStatus,
    Person,
    Relation,
)
from yiwang.registries.population import load_population

pytestmark = pytest.mark.django_db

YIWANG = Path(__file__).resolve().parents[2] / "yiwang"


def test_demo_citizens_are_in_the_registry_with_their_ids_and_names(district: District) -> None:
    for index in (1, 57, 200):
        person = Person.objects.get(resident_id=identities.resident_id(index))
        assert person.name == identities.citizen_name(index)
        assert person.birth_date == identities.citizen_birth_date(index)
    assert Person.objects.count() == POPULATION


def test_generated_people_are_consistent(district: District) -> None:
    people = {person.resident_id: person for person in Person.objects.all()}
    for person in people.values():
        validate_resident_id(person.resident_id)
        assert (int(person.resident_id[16]) % 2 == 1) == (person.sex == "M")
        if person.marital_status == MaritalStatus.MARRIED:
            spouse = people[person.spouse_id]  # type: ignore[index]
            assert spouse.spouse_id == person.resident_id and spouse.sex != person.sex
            assert spouse.household_id == person.household_id
        if person.death_date:
            assert person.death_date > person.birth_date
    heads = Person.objects.filter(relation_to_head=Relation.HEAD)
    assert heads.count() == heads.values("household").distinct().count()
    for record in BirthRecord.objects.all():
        child = people[record.child_id]
        assert child.relation_to_head == Relation.CHILD
        assert record.mother_id is None or people[record.mother_id].birth_date < child.birth_date
    for entity in Entity.objects.all():
        validate_uscc(entity.uscc)


def test_loading_is_deterministic_and_idempotent(district: District) -> None:
    before = list(Person.objects.order_by("resident_id").values_list("resident_id", "name", "spouse_id"))
    assert load_population(POPULATION).already_loaded
    load_population(POPULATION + 1)
    load_population(POPULATION)
    after = list(Person.objects.order_by("resident_id").values_list("resident_id", "name", "spouse_id"))
    assert before == after
    assert AuditRecord.objects.filter(action="registries.population_loaded").count() == 3


def test_demo_command_loads_the_population(district: District, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("registries", "load-population", "300")
    assert "persons per second" in capsys.readouterr().out
    assert Person.objects.count() == 300


def test_l2_registration_checks_the_population_registry_through_the_exchange(
    district: District, settings: Settings
) -> None:
    settings.IDENTITY_VERIFIER = "yiwang.registries.identity.PopulationRegistryVerifier"
    settings.PHONE_OWNER_VERIFIER = "tests.accounts.fakes.CarrierFake"
    citizen = district.citizen
    citizen.claimed_resident_id, citizen.resident_id = citizen.resident_id or "", None
    citizen.assurance_level = AssuranceLevel.L1
    citizen.save()
    do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L2
    entry = AccessLogEntry.objects.get()
    assert (entry.service_name, entry.consumer, entry.fields) == (
        "人口.身份核验",
        district.operator,
        ["match"],
    )


def test_l2_refused_when_the_name_does_not_match(district: District, settings: Settings) -> None:
    settings.IDENTITY_VERIFIER = "yiwang.registries.identity.PopulationRegistryVerifier"
    settings.PHONE_OWNER_VERIFIER = "tests.accounts.fakes.CarrierFake"
    citizen = district.citizen
    citizen.claimed_resident_id, citizen.resident_id = citizen.resident_id or "", None
    citizen.real_name, citizen.assurance_level = "查无此人", AssuranceLevel.L1
    citizen.save()
    with pytest.raises(ValidationError, match="人口库不能确认"):
        do_verify_identity_l2(citizen)
    citizen.refresh_from_db()
    assert citizen.assurance_level == AssuranceLevel.L1 and citizen.resident_id is None


REGISTRY_DATA_MODULES = {
    "yiwang.registries.models",
    "yiwang.registries.providers",
    "yiwang.registries.population",
}
DEMO_LOADER_NAMES = {"DEMO_POPULATION", "load_demo_registries"}  # the demo command fills the registries
REGISTRY_DATA_MODELS = {"Person", "Household", "BirthRecord", "Entity", "StandardAddress"}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, set[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
    return found


def test_no_code_outside_the_exchange_reads_registry_tables() -> None:
    """Other apps may only use the gateway; inside the app only the providers (and the demo loader) touch data."""
    offenders = []
    for path in YIWANG.rglob("*.py"):
        relative = path.relative_to(YIWANG.parent)
        inside = relative.parts[1] == "registries"
        if inside and (relative.parts[2] in ("providers.py", "population.py", "models.py", "migrations")):
            continue
        text = path.read_text(encoding="utf-8")
        if not inside and ('get_model("registries"' in text or "get_model('registries'" in text):
            offenders.append(f"{relative}: apps.get_model('registries', …)")
        for module, names in _imports(path):
            if not inside and module in REGISTRY_DATA_MODULES and names - DEMO_LOADER_NAMES:
                offenders.append(f"{relative}: imports {module}")
            if module == "yiwang.registries.models" and names & REGISTRY_DATA_MODELS:
                offenders.append(f"{relative}: imports {sorted(names & REGISTRY_DATA_MODELS)}")
            if not inside and module == "yiwang.registries" and names & {"models", "providers", "population"}:
                offenders.append(f"{relative}: imports yiwang.registries.{names}")
    assert offenders == [], "registry data read outside the exchange:\n" + "\n".join(offenders)
