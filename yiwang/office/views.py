"""Staff pages (工作台): thin views over queries and actions."""

from __future__ import annotations

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.core.permissions import is_platform_admin, roles_of, staff_required
from yiwang.org.models import Role, StaffRole


def _workflow_order(staff_role: StaffRole) -> int:
    return Role.values.index(staff_role.role)


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The staff landing page (工作台首页): the staff member's departments and roles."""
    departments = [
        (
            department,
            [staff_role.get_role_display() for staff_role in sorted(staff_roles, key=_workflow_order)],
        )
        for department, staff_roles in groupby(
            roles_of(request.user), key=lambda staff_role: staff_role.department
        )
    ]
    return render(
        request,
        "office/home.html",
        {"departments": departments, "is_platform_admin": is_platform_admin(request.user)},
    )
