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
from yiwang.registries.models import DataService, LegalBasis
from yiwang.registries.population import load_population

POPULATION = 400

#: The legal bases listed for 民政局 (and 卫健局), by data service: what staff name as ``legal_basis_code``.
BASES = {
    "人口.户籍信息": "MZ-HJ",
    "人口.婚姻状况": "MZ-HY",
    "人口.出生医学证明": "MZ-CS",
    "证照.按持证人查询": "MZ-ZZ",
}
#: A basis whose law allows the person's notice to wait (an investigation), for 人口.户籍信息.
DEFERRING_BASIS = "MZ-DC"
DEFERRAL_DAYS = 30


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
    citizen: User  # demo citizen no. 1, in the population registry (verified, L2)
    office: Department  # the platform supervision office (督查室)
    office_supervisor: User
    health_clerk: User  # window clerk of 卫健局, a department without a supervisor


def _list_bases(departments: list[Department]) -> None:
    for service_name, code in BASES.items():
        basis = LegalBasis.objects.create(
            service=DataService.objects.get(name=service_name), code=code, law="《社会救助暂行办法》",
            article="第十一条", text="……通过信息查询等方式，对申请人的家庭收入状况、财产状况进行调查核实……",
        )  # fmt: skip
        basis.departments.set(departments)
    deferring = LegalBasis.objects.create(
        service=DataService.objects.get(name="人口.户籍信息"), code=DEFERRING_BASIS,
        law="《社会救助暂行办法》", article="第六十八条", text="骗取社会救助资金的调查", defers_notice=True,
        deferral_reason="调查骗取社会救助资金，告知将妨碍调查", deferral_days=DEFERRAL_DAYS,
    )  # fmt: skip
    deferring.departments.set(departments)


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
    _list_bases([civil, departments["区卫健局"]])
    office = _department("区政务数据督查室", "dept-dcs", county, is_supervision_office=True)
    citizen = CitizenFactory(
        real_name=identities.citizen_name(1), resident_id=identities.resident_id(1), assurance_level=2
    )
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
        office=office,
        office_supervisor=StaffRoleFactory(
            department=office, role=Role.SUPERVISOR, user__real_name="白志明"
        ).user,
        health_clerk=StaffRoleFactory(department=departments["区卫健局"], role=Role.WINDOW_CLERK).user,
    )
