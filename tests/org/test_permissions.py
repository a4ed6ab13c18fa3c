"""The permission matrix (权限矩阵): who sees which department's internal data, on pages and in the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from tests.factories import StaffRoleFactory
from tests.org.conftest import District
from yiwang.accounts.models import User
from yiwang.core.permissions import (
    can_view_department_private,
    check_department_access,
    check_role,
    departments_where,
    has_role,
    is_platform_admin,
    require_role,
    roles_of,
)
from yiwang.org.models import Role

Login = Callable[[Client, User], Client]


def test_roles_are_per_department(district: District) -> None:
    assert has_role(district.market_clerk, Role.WINDOW_CLERK)
    assert has_role(district.market_clerk, Role.WINDOW_CLERK, district.market)
    assert not has_role(district.market_clerk, Role.WINDOW_CLERK, district.health)
    assert not has_role(district.market_clerk, Role.APPROVER)
    assert list(departments_where(district.market_clerk)) == [district.market]
    assert list(departments_where(district.market_clerk, Role.APPROVER)) == []
    assert list(departments_where(district.market_admin, Role.DEPARTMENT_ADMIN, Role.APPROVER)) == [
        district.market
    ]


def test_only_platform_admin_is_platform_admin(district: District) -> None:
    assert is_platform_admin(district.platform_admin)
    assert not is_platform_admin(district.market_admin)
    assert not is_platform_admin(district.citizen)


@pytest.mark.parametrize(
    ("person", "department", "allowed"),
    [
        ("market_clerk", "market", True),
        ("market_clerk", "health", False),
        ("market_clerk", "operator", False),
        ("market_admin", "health", False),
        ("health_clerk", "market", False),
        ("platform_admin", "market", True),
        ("platform_admin", "health", True),
        ("unassigned_staff", "market", False),
        ("citizen", "market", False),
    ],
)
def test_private_data_matrix(district: District, person: str, department: str, allowed: bool) -> None:
    user, dept = getattr(district, person), getattr(district, department)
    assert can_view_department_private(user, dept) is allowed
    if allowed:
        check_department_access(user, dept)
    else:
        with pytest.raises(PermissionDenied, match="仅限"):
            check_department_access(user, dept)


def test_a_role_on_a_citizen_account_counts_for_nothing(district: District) -> None:
    StaffRoleFactory(user=district.citizen, department=district.market, role=Role.APPROVER)
    assert not roles_of(district.citizen).exists()
    assert not can_view_department_private(district.citizen, district.market)


def test_a_deactivated_staff_account_loses_its_roles(district: District) -> None:
    district.market_clerk.is_active = False
    district.market_clerk.save()
    assert not can_view_department_private(district.market_clerk, district.market)


def test_check_role_names_the_missing_roles_in_chinese(district: District) -> None:
    with pytest.raises(PermissionDenied, match="决定"):
        check_role(district.market_clerk, Role.APPROVER)
    check_role(district.market_clerk, Role.WINDOW_CLERK, department=district.market)
    check_role(district.platform_admin, Role.APPROVER, department=district.health)


def log_in(client: Client, login_verified_staff: Login, user: User) -> None:
    """Staff with their authenticator code, citizens with their password."""
    if user.is_government_staff:
        login_verified_staff(client, user)
    else:
        client.force_login(user)


@pytest.mark.parametrize(
    ("person", "department", "status"),
    [
        ("market_clerk", "market", 200),
        ("market_clerk", "health", 403),
        ("health_clerk", "market", 403),
        ("platform_admin", "market", 200),
        ("platform_admin", "health", 200),
        ("citizen", "market", 403),
    ],
)
def test_staff_page_matrix(
    client: Client, login_verified_staff: Login, district: District, person: str, department: str, status: int
) -> None:
    user, dept = getattr(district, person), getattr(district, department)
    log_in(client, login_verified_staff, user)
    response = client.get(f"/org/departments/{dept.code}/staff/")
    assert response.status_code == status
    page = response.content.decode()
    if status == 200:
        assert f"{dept.name}工作人员" in page
    else:
        assert "您无权访问此页面" in page
        assert all(staff_role.user.real_name not in page for staff_role in dept.staff_roles.all())


def test_staff_page_sends_visitors_and_unverified_staff_to_log_in(client: Client, district: District) -> None:
    response = client.get(f"/org/departments/{district.market.code}/staff/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(district.market_clerk)  # password only, no authenticator code yet
    response = client.get(f"/org/departments/{district.market.code}/staff/")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("person", "department", "status"),
    [
        ("market_clerk", "market", 200),
        ("market_clerk", "health", 403),
        ("platform_admin", "health", 200),
        ("citizen", "market", 403),
    ],
)
def test_staff_api_matrix(
    client: Client, login_verified_staff: Login, district: District, person: str, department: str, status: int
) -> None:
    user, dept = getattr(district, person), getattr(district, department)
    log_in(client, login_verified_staff, user)
    response = client.get(f"/api/v1/departments/{dept.code}/staff")
    assert response.status_code == status
    if status == 200:
        assert {row["username"] for row in response.json()} >= {
            staff_role.user.username for staff_role in dept.staff_roles.all()
        }
    else:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 403
        assert all(
            staff_role.user.username not in response.content.decode() for staff_role in dept.staff_roles.all()
        )


def test_staff_api_needs_a_login(client: Client, district: District) -> None:
    response = client.get(f"/api/v1/departments/{district.market.code}/staff")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_staff_api_refuses_a_session_without_authenticator_code(client: Client, district: District) -> None:
    client.force_login(district.market_clerk)
    response = client.get(f"/api/v1/departments/{district.market.code}/staff")
    assert response.status_code == 403
    assert "动态口令" in response.json()["detail"]


def _page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _request_as(user: Any, verified: bool) -> HttpRequest:
    request = RequestFactory().get("/office/approvals/")
    user.is_verified = lambda: verified
    request.user = user
    return request


def test_require_role_decorator(district: District) -> None:
    approvers_only = require_role(Role.APPROVER)(_page)
    with pytest.raises(PermissionDenied, match="决定"):
        approvers_only(_request_as(district.market_clerk, verified=True))
    assert approvers_only(_request_as(district.platform_admin, verified=True)).status_code == 200
    assert approvers_only(_request_as(district.market_clerk, verified=False)).status_code == 302
    assert approvers_only(_request_as(AnonymousUser(), verified=False)).status_code == 302
    with pytest.raises(PermissionDenied):
        approvers_only(_request_as(district.citizen, verified=False))
