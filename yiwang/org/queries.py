"""Read helpers of the org app (组织机构查询)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from yiwang.accounts.models import User
from yiwang.org.models import Department, Division, StaffRole


@dataclass
class DivisionNode:
    """One division with its children, for the division tree (行政区划树)."""

    division: Division
    children: list[DivisionNode] = field(default_factory=list)


def division_tree(root: Division | None = None) -> list[DivisionNode]:
    """The divisions as a tree: the roots (or ``root``'s children) with their descendants, in code order.

    One query: the whole table is small (a county has a few hundred divisions).
    """
    children_of: dict[int | None, list[Division]] = defaultdict(list)
    for division in Division.objects.order_by("code"):
        children_of[division.parent_id].append(division)

    def build(parent_id: int | None) -> list[DivisionNode]:
        return [DivisionNode(child, build(child.pk)) for child in children_of[parent_id]]

    return build(root.pk if root else None)


def child_divisions(parent: Division) -> QuerySet[Division]:
    return Division.objects.filter(parent=parent).order_by("code")


def public_departments(search: str = "", division: Division | None = None) -> QuerySet[Department]:
    """The public department directory (部门名录), optionally searched by name or duties."""
    departments = Department.objects.select_related("division").order_by("code")
    if division is not None:
        departments = departments.filter(division=division)
    search = search.strip()
    if search:
        departments = departments.filter(
            Q(name__icontains=search) | Q(short_name__icontains=search) | Q(duties__icontains=search)
        )
    return departments


def department_by_code(code: str) -> Department:
    return get_object_or_404(Department.objects.select_related("division"), code=code)


@dataclass(frozen=True)
class StaffMember:
    """A staff member of one department with the roles they hold there."""

    user: User
    roles: list[StaffRole]


def department_staff(department: Department) -> list[StaffMember]:
    """The department's staff (部门人员), each with their roles there, by username."""
    by_user: dict[int, StaffMember] = {}
    for staff_role in (
        StaffRole.objects.filter(department=department)
        .select_related("user")
        .order_by("user__username", "role")
    ):
        member = by_user.setdefault(staff_role.user_id, StaffMember(staff_role.user, []))
        member.roles.append(staff_role)
    return list(by_user.values())
