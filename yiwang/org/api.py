"""API endpoints of the org app: divisions, the department directory and each department's staff."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yiwang.accounts.models import User
from yiwang.core.permissions import api_staff_user, check_department_access
from yiwang.org import queries
from yiwang.org.actions import do_grant_role, do_revoke_role
from yiwang.org.models import Department, Division, StaffRole

router = Router(tags=["org"])


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = None
    children: list[DivisionOut] = []


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    division_code: str
    division_name: str
    duties: str
    phone: str
    address: str
    uscc: str | None
    is_platform_operator: bool


class StaffRoleOut(Schema):
    id: int
    username: str
    real_name: str
    role: str
    role_label: str
    granted_at: dt.datetime


class GrantRoleIn(Schema):
    username: str
    role: str


def _staff_role_out(staff_role: StaffRole) -> StaffRoleOut:
    return StaffRoleOut(
        id=staff_role.pk,
        username=staff_role.user.username,
        real_name=staff_role.user.real_name,
        role=staff_role.role,
        role_label=str(staff_role.get_role_display()),
        granted_at=staff_role.granted_at,
    )


def _division_out(node: queries.DivisionNode, parent_code: str | None) -> DivisionOut:
    division = node.division
    return DivisionOut(
        code=division.code,
        name=division.name,
        level=division.level,
        parent_code=parent_code,
        children=[_division_out(child, division.code) for child in node.children],
    )


def _department_out(department: Department) -> DepartmentOut:
    return DepartmentOut(
        code=department.code,
        name=department.name,
        short_name=department.short_name,
        division_code=department.division.code,
        division_name=department.division.name,
        duties=department.duties,
        phone=department.phone,
        address=department.address,
        uscc=department.uscc,
        is_platform_operator=department.is_platform_operator,
    )


@router.get("/divisions", response=list[DivisionOut], auth=None)
def list_divisions(request: HttpRequest, parent: str | None = None) -> list[DivisionOut]:
    """Administrative divisions (行政区划): the whole tree, or only the direct children of ``parent`` (a code)."""
    if parent is None:
        return [_division_out(node, None) for node in queries.division_tree()]
    parent_division = get_object_or_404(Division, code=parent)
    return [
        DivisionOut(code=child.code, name=child.name, level=child.level, parent_code=parent_division.code)
        for child in queries.child_divisions(parent_division)
    ]


@router.get("/departments", response=list[DepartmentOut], auth=None)
def list_departments(request: HttpRequest, q: str = "") -> list[DepartmentOut]:
    """The public department directory (部门名录), optionally searched by name or duties."""
    return [_department_out(department) for department in queries.public_departments(q)]


@router.get("/departments/{code}", response=DepartmentOut, auth=None)
def get_department(request: HttpRequest, code: str) -> DepartmentOut:
    """One department's public details."""
    return _department_out(queries.department_by_code(code))


@router.get("/departments/{code}/staff", response=list[StaffRoleOut])
def list_department_staff(request: HttpRequest, code: str) -> list[StaffRoleOut]:
    """The department's staff and roles (部门人员): its own staff and platform administrators only."""
    user = api_staff_user(request)
    department = queries.department_by_code(code)
    check_department_access(user, department)
    return [
        _staff_role_out(staff_role)
        for member in queries.department_staff(department)
        for staff_role in member.roles
    ]


@router.post("/departments/{code}/staff", response={201: StaffRoleOut})
def grant_department_role(request: HttpRequest, code: str, payload: GrantRoleIn) -> tuple[int, StaffRoleOut]:
    """Grant a staff account a role in the department (授予岗位): its administrators or a platform admin."""
    actor = api_staff_user(request)
    department = queries.department_by_code(code)
    user = User.objects.filter(username=payload.username.strip()).first()
    if user is None:
        raise ValidationError({"username": _("There is no account with this login name.")})
    return 201, _staff_role_out(do_grant_role(actor, user, department, payload.role))


@router.delete("/departments/{code}/staff/{role_id}", response={204: None})
def revoke_department_role(request: HttpRequest, code: str, role_id: int) -> tuple[int, None]:
    """Revoke one role in the department (撤销岗位)."""
    actor = api_staff_user(request)
    department = queries.department_by_code(code)
    check_department_access(actor, department)
    staff_role = get_object_or_404(
        StaffRole.objects.select_related("user", "department"), pk=role_id, department=department
    )
    do_revoke_role(actor, staff_role)
    return 204, None
