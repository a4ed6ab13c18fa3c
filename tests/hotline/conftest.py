"""Fixtures for the hotline tests: the hotline centre with a dispatcher and a supervisor, two handling
departments with staff, a citizen, and a fake router behind the app's routing adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    DivisionFactory,
    StaffFactory,
    StaffRoleFactory,
)
from yiwang.accounts.models import User
from yiwang.hotline import actions
from yiwang.hotline.actions import RoutingAdvice
from yiwang.org.models import Department, Division, Role


@dataclass
class FakeRouter:
    """Answers every message with the configured department and confidence; ``fail`` makes it raise."""

    department: str = ""
    confidence: float = 0.99
    threshold: float = 0.9
    fail: bool = False
    labels: list[tuple[str, str, str]] = field(default_factory=list)

    def propose(self, text: str) -> RoutingAdvice:
        if self.fail:
            raise RuntimeError("router unavailable")
        runner_up = {"department": "runner-up", "confidence": round(1 - self.confidence, 4)}
        return RoutingAdvice(
            [{"department": self.department, "confidence": self.confidence}, runner_up],
            f"关键词匹配：{text[:6]}",
            self.confidence >= self.threshold,
        )

    def record(self, actor: Any, text: str, department: Department, source: str) -> None:
        self.labels.append((text, department.code, source))


@dataclass
class Hotline:
    division: Division
    centre: Department
    roads: Department
    water: Department
    dispatcher: User
    supervisor: User
    roads_clerk: User
    water_clerk: User
    citizen: User
    router: FakeRouter


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> FakeRouter:
    fake = FakeRouter()
    monkeypatch.setattr(actions, "propose_routing", fake.propose)
    monkeypatch.setattr(actions, "_record_routing_label", fake.record)
    return fake


@pytest.fixture
def hotline(db: None, router: FakeRouter) -> Hotline:
    division = DivisionFactory(name="广安区")
    centre = DepartmentFactory(code="hotline-centre", name="12345热线中心", is_platform_operator=True)
    roads = DepartmentFactory(code="roads", name="城市管理局", division=division)
    water = DepartmentFactory(code="water", name="水务局", division=division)
    dispatcher = StaffFactory(real_name="派单员")
    StaffRoleFactory(user=dispatcher, department=centre, role=Role.DISPATCHER)
    supervisor = StaffFactory(real_name="督查员")
    StaffRoleFactory(user=supervisor, department=centre, role=Role.SUPERVISOR)
    roads_clerk = StaffFactory(real_name="城管办件员")
    StaffRoleFactory(user=roads_clerk, department=roads, role=Role.WINDOW_CLERK)
    water_clerk = StaffFactory(real_name="水务办件员")
    StaffRoleFactory(user=water_clerk, department=water, role=Role.REVIEWER)
    router.department = roads.code
    return Hotline(
        division,
        centre,
        roads,
        water,
        dispatcher,
        supervisor,
        roads_clerk,
        water_clerk,
        CitizenFactory(),
        router,
    )


STREETLIGHT = "小区门口的路灯坏了一个月了，晚上出行很不安全，请尽快维修。"
