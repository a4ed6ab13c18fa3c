"""Pages of the org app (组织机构): the public directory and each department's staff page. Thin: they call
queries and actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.permissions import check_department_access, staff_required
from yiwang.org import queries
from yiwang.org.actions import do_grant_role, do_revoke_role
from yiwang.org.forms import GrantRoleForm
from yiwang.org.models import StaffRole


@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    """The public department directory (部门名录)."""
    search = request.GET.get("q", "")
    departments = queries.public_departments(search)
    return render(request, "org/department_list.html", {"departments": departments, "search": search})


@require_GET
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A department's public page: duties and contact details."""
    return render(request, "org/department_detail.html", {"department": queries.department_by_code(code)})


@require_GET
def division_tree(request: HttpRequest) -> HttpResponse:
    """The administrative divisions as a tree (行政区划)."""
    return render(request, "org/division_tree.html", {"tree": queries.division_tree()})


@staff_required
@require_http_methods(["GET", "POST"])
def department_staff(request: HttpRequest, code: str) -> HttpResponse:
    """A department's internal page (部门人员): its staff and their roles; its administrators grant roles here."""
    department = queries.department_by_code(code)
    check_department_access(request.user, department)
    form = GrantRoleForm(request.POST or None, actor=request.user, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            staff_role = do_grant_role(
                request.user, form.cleaned_data["username"], department, form.cleaned_data["role"]
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": staff_role.user, "role": staff_role.get_role_display()},
            )
            return redirect("org:department_staff", code=department.code)
    return render(
        request,
        "org/department_staff.html",
        {
            "department": department,
            "staff": queries.department_staff(department),
            "form": form if form.grantable_roles else None,
            "manageable_roles": {value for value, _label in form.grantable_roles},
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def revoke_role(request: HttpRequest, code: str, role_id: int) -> HttpResponse:
    """Revoke one role in the department (撤销岗位)."""
    department = queries.department_by_code(code)
    check_department_access(request.user, department)
    staff_role = get_object_or_404(
        StaffRole.objects.select_related("user"), pk=role_id, department=department
    )
    try:
        do_revoke_role(request.user, staff_role)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s no longer holds the role %(role)s.")
            % {"name": staff_role.user, "role": staff_role.get_role_display()},
        )
    return redirect("org:department_staff", code=department.code)
