"""Fixtures of the catalogue tests: a department with staff, a service item and a guide that passes every check."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.factories import DepartmentFactory, ServiceItemFactory, StaffRoleFactory
from yiwang.accounts.models import User
from yiwang.catalog.models import ServiceItem
from yiwang.org.models import Department, Role

VALID_GUIDE: dict[str, Any] = {
    "basic_code": "511A0000000001",
    "item_type": "licence",
    "co_departments": [],
    "audiences": ["person", "company"],
    "legal_basis": [
        {
            "law": "《中华人民共和国食品安全法》",
            "article": "第三十五条",
            "text": "从事食品销售和餐饮服务应当依法取得许可。",
        }
    ],
    "conditions": ["有与经营的食品品种、数量相适应的经营场所", "有食品安全专业技术人员和管理人员"],
    "refusal_reasons": ["经营场所不符合食品安全要求"],
    "materials": [
        {
            "name": "食品经营许可申请书",
            "source": "applicant",
            "medium": "both",
            "original": True,
            "count": 1,
            "necessity": "required",
            "trust_level": "A",
        },
        {
            "name": "营业执照",
            "source": "shared",
            "data_service": "法人.登记信息",
            "medium": "electronic",
            "original": False,
            "count": 1,
            "necessity": "required",
            "trust_level": "A",
        },
    ],
    "fees": [],
    "legal_limit_days": 20,
    "promised_limit_days": 5,
    "special_procedures": [
        {"name": "现场核查", "time_limit_days": 10, "basis": "《食品经营许可管理办法》第二十一条"}
    ],
    "result": {
        "name": "食品经营许可证",
        "licence_type": "食品经营许可证",
        "validity": "5年",
        "delivery": ["electronic", "post"],
    },
    "online_depth": 4,
    "visits": 0,
    "appointment": True,
    "post": True,
    "place": "广安区政务服务中心二楼市场监管窗口",
    "hours": "工作日 9:00—17:00",
    "contact_phone": "0826-2330001",
    "complaint_phone": "12345",
    "faqs": [{"question": "要多久？", "answer": "5个工作日。"}],
    "version": "1.0",
    "effective_date": "2026-01-01",
    "change_log": [{"date": "2026-01-01", "change": "首次发布"}],
    "keywords": ["开饭店"],
}


def guide_for(item: ServiceItem, **changes: Any) -> dict[str, Any]:
    """A complete, valid guide of ``item`` with ``changes`` applied on top."""
    guide = copy.deepcopy(VALID_GUIDE)
    guide.update(
        implementation_code=item.implementation_code,
        name=item.name,
        item_type=item.item_type,
        department=item.department.code,
    )
    guide.update(changes)
    return guide


@pytest.fixture
def department(db: None) -> Department:
    return DepartmentFactory(name="广安市广安区市场监督管理局", short_name="区市监局")


@pytest.fixture
def item(department: Department) -> ServiceItem:
    return ServiceItemFactory(name="食品经营许可核发", department=department)


def staff_with(department: Department, *roles: str) -> User:
    first = StaffRoleFactory(department=department, role=roles[0])
    for role in roles[1:]:
        StaffRoleFactory(department=department, role=role, user=first.user)
    return first.user


@pytest.fixture
def admin_user(department: Department) -> User:
    """The department administrator (部门管理员) of ``department``."""
    return staff_with(department, Role.DEPARTMENT_ADMIN)


@pytest.fixture
def reviewer(department: Department) -> User:
    return staff_with(department, Role.REVIEWER)
