"""Fixtures of the registries tests: a small district whose departments provide and consume data services, its
staff, a population of a few hundred people (the 200 demo citizens first) and the demo catalogue published."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from tests.factories import CitizenFactory, DepartmentFactory, DivisionFactory, StaffRoleFactory
from yiwang.accounts.models import User
from yiwang.demo import identities
from yiwang.org.models import Department, DivisionLevel, Role
from yiwang.registries.actions import do_publish_demo_catalogue
from yiwang.registries.catalogue import DEMO_CONDITIONAL_CONSUMERS, SERVICES
from yiwang.registries.population import load_population

POPULATION = 400


@pytest.fixture(autouse=True)
def _private_key_directory(settings: Settings, tmp_path: Path) -> Path:
    """Each test keeps the departments' signing keys in its own data directory."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@dataclass
class District:
    police: Department  # 区公安分局: population registry
    health: Department  # 区卫健局: birth certificates
    market: Department  # 区市监局: legal entities
    operator: Department  # 区行政审批局: runs the platform, e-licence library
    civil_affairs: Department  # 区民政局: a consumer on the allow-lists
    transport: Department  # 区交通运输局: on no allow-list
    clerk: User  # window clerk of 民政局
    transport_clerk: User
    civil_supervisor: User  # supervisor of 民政局
    citizen: User  # demo citizen no. 1, in the population registry


def _department(short_name: str, code: str, county: object, **extra: object) -> Department:
    return DepartmentFactory(
        code=code, name=f"广安区{short_name}", short_name=short_name, division=county, **extra
    )


@pytest.fixture
def district(db: None) -> District:
    county = DivisionFactory(code="511602000000", name="广安区")
    town = DivisionFactory(code="511602001000", name="浓洄街道", level=DivisionLevel.TOWN, parent=county)
    for number, name in ((1, "南门社区"), (2, "浓洄社区")):
        DivisionFactory(code=f"511602001{number:03d}", name=name, level=DivisionLevel.VILLAGE, parent=town)
    short_names = sorted(
        {entry[4] for entry in SERVICES.values()} | set(DEMO_CONDITIONAL_CONSUMERS) | {"区交通运输局"}
    )
    departments = {
        name: _department(name, f"dept{index:02d}", county, is_platform_operator=name == "区行政审批局")
        for index, name in enumerate(short_names)
    }
    do_publish_demo_catalogue(departments)
    load_population(POPULATION)
    civil = departments["区民政局"]
    citizen = CitizenFactory(real_name=identities.citizen_name(1), resident_id=identities.resident_id(1))
    return District(
        police=departments["区公安分局"],
        health=departments["区卫健局"],
        market=departments["区市监局"],
        operator=departments["区行政审批局"],
        civil_affairs=civil,
        transport=departments["区交通运输局"],
        clerk=StaffRoleFactory(department=civil, role=Role.WINDOW_CLERK, user__real_name="高欣怡").user,
        transport_clerk=StaffRoleFactory(department=departments["区交通运输局"], role=Role.WINDOW_CLERK).user,
        civil_supervisor=StaffRoleFactory(
            department=civil, role=Role.SUPERVISOR, user__real_name="彭永红"
        ).user,
        citizen=citizen,
    )
