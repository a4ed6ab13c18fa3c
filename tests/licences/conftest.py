"""Fixtures of the licences tests: a district with a market regulator and a health department, their staff, a
citizen and a company with its legal representative, and a helper that issues a licence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.factories import (
    CitizenFactory,
    CompanyFactory,
    DepartmentFactory,
    LicenceTypeFactory,
    StaffRoleFactory,
)
from yiwang.accounts.models import AgentRole, Company, CompanyAgent, User
from yiwang.licences.actions import do_issue_licence
from yiwang.licences.models import HolderKind, Licence, LicenceType
from yiwang.org.models import Department, Role


@pytest.fixture(autouse=True)
def _private_key_directory(settings: Settings, tmp_path: Path) -> Path:
    """Each test keeps its signing keys in its own data directory."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@dataclass
class District:
    market: Department  # 市场监管局
    health: Department  # 卫健委
    operator: Department  # 行政审批局 (runs the platform)
    market_approver: User
    market_clerk: User
    market_admin: User
    health_approver: User
    platform_admin: User
    food_licence: LicenceType  # 食品经营许可证
    citizen: User
    other_citizen: User
    company: Company
    company_agent: User


@pytest.fixture
def district(db: None) -> District:
    market = DepartmentFactory(code="scjg", name="广安区市场监督管理局")
    health = DepartmentFactory(code="wjj", name="广安区卫生健康委员会", division=market.division)
    operator = DepartmentFactory(
        code="spj", name="广安区行政审批局", division=market.division, is_platform_operator=True
    )
    company = CompanyFactory(name="广安区味道餐饮有限公司")
    company_agent = CitizenFactory(real_name="李四")
    CompanyAgent.objects.create(
        company=company, user=company_agent, role=AgentRole.LEGAL_REPRESENTATIVE, approved_at=timezone.now()
    )
    return District(
        market=market,
        health=health,
        operator=operator,
        market_approver=StaffRoleFactory(department=market, role=Role.APPROVER).user,
        market_clerk=StaffRoleFactory(department=market, role=Role.WINDOW_CLERK).user,
        market_admin=StaffRoleFactory(department=market, role=Role.DEPARTMENT_ADMIN).user,
        health_approver=StaffRoleFactory(department=health, role=Role.APPROVER).user,
        platform_admin=StaffRoleFactory(department=operator, role=Role.PLATFORM_ADMIN).user,
        food_licence=LicenceTypeFactory(
            code="food-business", name="食品经营许可证", number_prefix="JY2511602"
        ),
        citizen=CitizenFactory(real_name="王小明"),
        other_citizen=CitizenFactory(real_name="赵六"),
        company=company,
        company_agent=company_agent,
    )


IssueLicence = Callable[..., Licence]


@pytest.fixture
def issue(district: District) -> IssueLicence:
    """Issue a food business licence to the company (keyword arguments override any field), as the system."""

    def issue_licence(actor: Any = None, **overrides: Any) -> Licence:
        fields: dict[str, Any] = {
            "licence_type": district.food_licence,
            "department": district.market,
            "holder_kind": HolderKind.COMPANY,
            "holder_name": district.company.name,
            "holder_identifier": district.company.uscc,
            "valid_from": dt.date(2026, 3, 2),
            "valid_until": dt.date(2031, 3, 1),
            "details": {"经营项目": "热食类食品制售", "经营场所": "广安区建设路18号"},
            "case_reference": "BJ-2026-000123",
        }
        fields.update(overrides)
        return do_issue_licence(actor, **fields)

    return issue_licence
