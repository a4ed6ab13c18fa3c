"""Permission checks (权限校验): the one place that decides who may see and do what, for pages and the API.

Roles are granted per department (:class:`yiwang.org.models.StaffRole`). Only active staff accounts hold roles;
a role row attached to a citizen account is ignored. Staff of one department never see another department's
private data; the platform administrator (平台管理员) is the only role that reaches across departments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from yiwang.accounts.decorators import staff_otp_required
from yiwang.org.models import Department, Role, StaffRole

if TYPE_CHECKING:
    from yiwang.accounts.models import User


def _is_active_staff(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_government_staff", False)
    )


def roles_of(user: Any) -> QuerySet[StaffRole]:
    """Every role the user holds (人员岗位), with its department; empty for citizens and anonymous users."""
    if not _is_active_staff(user):
        return StaffRole.objects.none()
    return (
        StaffRole.objects.filter(user=user).select_related("department").order_by("department__code", "role")
    )


def has_role(user: Any, role: str, department: Department | None = None) -> bool:
    """Whether the user holds ``role`` — in ``department`` when given, else in any department."""
    held = roles_of(user).filter(role=role)
    if department is not None:
        held = held.filter(department=department)
    return held.exists()


def departments_where(user: Any, *roles: str) -> QuerySet[Department]:
    """The departments where the user holds any of ``roles`` (any role at all when none are given)."""
    held = roles_of(user)
    if roles:
        held = held.filter(role__in=roles)
    return Department.objects.filter(pk__in=held.values("department_id")).order_by("code")


@contextmanager
def not_found_unless_allowed() -> Iterator[None]:
    """Turn a failed check about one object into 404 (not 403), for pages and the API alike.

    Another person's application, case, work order or consent — or another department's private object — must
    look exactly like one that does not exist, so that an id or number is no oracle of what exists. Keep 403 for
    "you may not do this kind of thing at all" (a citizen at a staff endpoint), checked before the object is looked
    up.
    """
    try:
        yield
    except PermissionDenied:
        raise Http404 from None


def is_platform_admin(user: Any) -> bool:
    """Whether the user is a platform administrator (平台管理员)."""
    return has_role(user, Role.PLATFORM_ADMIN)


def can_view_department_private(user: Any, department: Department) -> bool:
    """Whether the user may see the department's internal data: its own staff (any role), or a platform admin."""
    return roles_of(user).filter(department=department).exists() or is_platform_admin(user)


def check_department_access(user: Any, department: Department) -> None:
    """Raise PermissionDenied unless the user may see ``department``'s internal data."""
    if not can_view_department_private(user, department):
        raise PermissionDenied(
            _("Only staff of %(department)s may see this.") % {"department": department.name}
        )


def can_manage_roles(user: Any, department: Department, role: str) -> bool:
    """Whether the user may grant or revoke ``role`` in ``department`` (岗位授权).

    Platform admins may manage any role anywhere; a department admin (部门管理员) manages the roles of their own
    department, except the platform administrator role.
    """
    if is_platform_admin(user):
        return True
    return role != Role.PLATFORM_ADMIN and has_role(user, Role.DEPARTMENT_ADMIN, department)


def is_verified_staff(user: Any) -> bool:
    """Whether the user is active staff whose session passed the authenticator-code step (动态口令)."""
    is_verified = getattr(user, "is_verified", None)
    return _is_active_staff(user) and callable(is_verified) and bool(is_verified())


def check_verified_staff(user: Any) -> None:
    """Raise PermissionDenied unless the session belongs to verified staff."""
    if not is_verified_staff(user):
        raise PermissionDenied(_("Only staff logged in with an authenticator code may do this."))


def check_role(user: Any, *roles: str, department: Department | None = None) -> None:
    """Raise PermissionDenied unless the user holds one of ``roles`` (in ``department`` when given).

    A platform admin passes every role check.
    """
    if is_platform_admin(user):
        return
    held = roles_of(user).filter(role__in=roles)
    if department is not None:
        held = held.filter(department=department)
    if not held.exists():
        labels = "、".join(str(Role(role).label) for role in roles)
        raise PermissionDenied(_("This needs one of these roles: %(roles)s.") % {"roles": labels})


staff_required = staff_otp_required
"""Page decorator: verified staff only (the accounts app's ``staff_otp_required``, re-exported here so pages take
every guard from this module). Visitors and staff without an authenticator code go to the login page; citizens
get 403."""


def require_role(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Page decorator: verified staff (see ``staff_required``) holding one of ``roles`` in some department,
    or a platform admin; other staff and citizens get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @staff_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            check_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_staff_user(request: HttpRequest, *roles: str) -> User:
    """For ninja endpoints: the verified staff user of the request, holding one of ``roles`` when given.

    Raises PermissionDenied, which the API answers as problem+json 403.
    """
    user = request.user
    check_verified_staff(user)
    if roles:
        check_role(user, *roles)
    return user  # type: ignore[return-value]
