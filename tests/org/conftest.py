"""Fixtures of the org tests: two ordinary departments, the platform operator and people in each."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import DepartmentFactory, StaffFactory, StaffRoleFactory, UserFactory
from yiwang.accounts.models import User
from yiwang.org.models import Department, Role


@dataclass
class District:
    market: Department  # 市场监管
    health: Department  # 卫健
    operator: Department  # 行政审批局, runs the platform
    market_clerk: User
    market_admin: User
    health_clerk: User
    platform_admin: User
    unassigned_staff: User
    citizen: User


@pytest.fixture
def district(db: None) -> District:
    market = DepartmentFactory(code="scjg", name="广安区市场监督管理局")
    health = DepartmentFactory(code="wjj", name="广安区卫生健康委员会", division=market.division)
    operator = DepartmentFactory(
        code="spj", name="广安区行政审批局", division=market.division, is_platform_operator=True
    )
    market_clerk = StaffRoleFactory(
        department=market, role=Role.WINDOW_CLERK, user__real_name="周晓燕", user__username="market-clerk"
    ).user
    market_admin = StaffRoleFactory(
        department=market, role=Role.DEPARTMENT_ADMIN, user__real_name="袁德明", user__username="market-admin"
    ).user
    health_clerk = StaffRoleFactory(
        department=health, role=Role.WINDOW_CLERK, user__real_name="杨婷", user__username="health-clerk"
    ).user
    platform_admin = StaffRoleFactory(
        department=operator,
        role=Role.PLATFORM_ADMIN,
        user__real_name="罗建国",
        user__username="platform-admin",
    ).user
    return District(
        market=market,
        health=health,
        operator=operator,
        market_clerk=market_clerk,
        market_admin=market_admin,
        health_clerk=health_clerk,
        platform_admin=platform_admin,
        unassigned_staff=StaffFactory(username="new-staff", real_name="新同事"),
        citizen=UserFactory(real_name="王芳"),
    )
