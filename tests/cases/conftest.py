"""Fixtures for the cases tests: the seeded calendar, the active licence process, two departments reviewing one
item in parallel, their staff, and a citizen applicant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    LicenceTypeFactory,
    ServiceItemFactory,
    StaffFactory,
    StaffRoleFactory,
)
from yiwang.accounts.models import User
from yiwang.cases.actions import do_add_material_file, do_create_application
from yiwang.cases.models import Application
from yiwang.catalog.models import GuideVersion, ServiceItem
from yiwang.org.models import Department, Role
from yiwang.workflow.actions import do_activate_definition, do_load_definition, read_definition_file
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def guide_content(
    department: Department, co_departments: list[Department], licence_type: str = "", legal: int = 20
) -> dict[str, Any]:
    return {
        "department": department.code,
        "co_departments": [co.code for co in co_departments],
        "materials": [
            {"name": "申请书", "source": "applicant", "necessity": "required", "notes": ""},
            {"name": "场所平面图", "source": "applicant", "necessity": "required", "notes": ""},
            {
                "name": "营业执照",
                "source": "shared",
                "necessity": "required",
                "data_service": "法人.登记信息",
            },
            {"name": "授权委托书", "source": "applicant", "necessity": "optional", "notes": ""},
        ],
        "legal_limit_days": legal,
        "promised_limit_days": min(10, legal),
        "result": {"name": licence_type or "批复", "licence_type": licence_type, "delivery": ["electronic"]},
    }


def publish(item: ServiceItem, content: dict[str, Any]) -> GuideVersion:
    return GuideVersion.objects.create(item=item, number=1, status="published", content=content)


@dataclass
class World:
    main: Department
    co: Department
    item: ServiceItem
    clerk: User
    reviewer: User
    co_reviewer: User
    approver: User
    supervisor: User
    citizen: User


@pytest.fixture(autouse=True)
def upload_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path / "uploads"


@pytest.fixture
def licence_process(db: None) -> None:
    stored = do_load_definition(None, read_definition_file(LICENCE_DEFINITION_FILE))
    do_activate_definition(None, stored.key, stored.version)


def staff(department: Department, *roles: str) -> User:
    user = StaffFactory()
    for role in roles:
        StaffRoleFactory(user=user, department=department, role=role)
    return user


@pytest.fixture
def world(seeded_calendar: None, licence_process: None) -> World:
    main, co = DepartmentFactory(name="市场监督管理局"), DepartmentFactory(name="卫生健康局")
    licence_type = LicenceTypeFactory(name="食品经营许可证")
    item = ServiceItemFactory(department=main, name="食品经营许可")
    publish(item, guide_content(main, [co], licence_type.name))
    return World(
        main=main,
        co=co,
        item=item,
        clerk=staff(main, Role.WINDOW_CLERK),
        reviewer=staff(main, Role.REVIEWER),
        co_reviewer=staff(co, Role.REVIEWER),
        approver=staff(main, Role.APPROVER),
        supervisor=staff(main, Role.SUPERVISOR),
        citizen=CitizenFactory(),
    )


@pytest.fixture
def ready_application(world: World) -> Callable[..., Application]:
    """A draft by the world's citizen with every required upload in place."""

    def make(**kwargs: Any) -> Application:
        kwargs.setdefault("item", world.item)
        application = do_create_application(world.citizen, **kwargs)
        for material in application.materials.filter(source="applicant", necessity="required"):
            do_add_material_file(world.citizen, material, content=PDF, filename="a.pdf")
        return application

    return make


TODAY = dt.date(2026, 3, 2)
