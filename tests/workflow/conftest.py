"""Fixtures of the workflow tests: a lead department and two reviewing departments with staff in every role."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import DepartmentFactory, StaffRoleFactory
from yiwang.accounts.models import User
from yiwang.org.models import Department, Role
from yiwang.workflow.actions import do_activate_definition, do_load_definition, do_start_instance
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE
from yiwang.workflow.models import ProcessDefinition, ProcessInstance


def licence_spec() -> dict[str, Any]:
    return copy.deepcopy(json.loads(LICENCE_DEFINITION_FILE.read_text(encoding="utf-8")))


def staff_with(department: Department, role: str) -> User:
    return StaffRoleFactory(department=department, role=role).user


@dataclass
class Office:
    """The lead department (市场监管局) and a co-department (卫健委), each with one person per role."""

    market: Department
    health: Department
    clerk: User
    market_reviewer: User
    health_reviewer: User
    approver: User
    supervisor: User

    def start(self, definition_key: str = "licence", **variables: Any) -> ProcessInstance:
        bound = {
            "item_department": self.market.code,
            "review_departments": [self.market.code, self.health.code],
            "limit_working_days": 20,
            **variables,
        }
        return do_start_instance(None, definition_key, "cases.case", "1001", bound)


def activate(spec: dict[str, Any]) -> ProcessDefinition:
    stored = do_load_definition(None, spec)
    return do_activate_definition(None, stored.key, stored.version)


@pytest.fixture
def office(db: None) -> Office:
    market = DepartmentFactory(code="scjgj", name="区市场监督管理局")
    health = DepartmentFactory(code="wjw", name="区卫生健康委员会")
    activate(licence_spec())
    return Office(
        market=market,
        health=health,
        clerk=staff_with(market, Role.WINDOW_CLERK),
        market_reviewer=staff_with(market, Role.REVIEWER),
        health_reviewer=staff_with(health, Role.REVIEWER),
        approver=staff_with(market, Role.APPROVER),
        supervisor=staff_with(market, Role.SUPERVISOR),
    )
