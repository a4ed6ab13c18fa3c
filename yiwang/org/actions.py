"""State changes of the org app: granting and revoking staff roles (岗位授权)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import can_manage_roles
from yiwang.org.models import Department, Role, StaffRole


def check_can_manage_role(actor: Any, department: Department, role: str) -> None:
    """Raise PermissionDenied unless ``actor`` may grant or revoke ``role`` in ``department``."""
    if not can_manage_roles(actor, department, role):
        if role == Role.PLATFORM_ADMIN:
            raise PermissionDenied(_("Only a platform administrator may grant or revoke that role."))
        raise PermissionDenied(
            _("Only an administrator of %(department)s may change its roles.")
            % {"department": department.name}
        )


def check_grantable(user: User, department: Department, role: str) -> None:
    """Raise ValidationError unless ``role`` can be held by ``user`` in ``department``."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    if not user.is_government_staff or not user.is_active:
        raise ValidationError({"username": _("Roles can only be granted to active staff accounts.")})
    if role == Role.PLATFORM_ADMIN and not department.is_platform_operator:
        raise ValidationError(
            {"role": _("The platform administrator role belongs to the department that runs the platform.")}
        )


def _role_changes(staff_role: StaffRole) -> dict[str, str]:
    return {
        "user": staff_role.user.username,
        "department": staff_role.department.code,
        "role": staff_role.role,
    }


def do_grant_role(actor: Any, user: User, department: Department, role: str) -> StaffRole:
    """Grant ``user`` the ``role`` in ``department`` (授予岗位), audited."""
    check_can_manage_role(actor, department, role)
    check_grantable(user, department, role)
    with transaction.atomic():
        staff_role, created = StaffRole.objects.get_or_create(user=user, department=department, role=role)
        if not created:
            raise ValidationError(
                {
                    "role": _("%(name)s already holds this role here.")
                    % {"name": user.real_name or user.username}
                }
            )
        record_audit(actor, "org.role_granted", staff_role, _role_changes(staff_role))
    return staff_role


def do_revoke_role(actor: Any, staff_role: StaffRole) -> None:
    """Revoke one staff role (撤销岗位), audited. The last platform administrator cannot be revoked."""
    check_can_manage_role(actor, staff_role.department, staff_role.role)
    with transaction.atomic():
        locked = StaffRole.objects.select_for_update().filter(pk=staff_role.pk).first()
        if locked is None:
            raise ActionConflict(_("This role was already revoked."))
        if (
            locked.role == Role.PLATFORM_ADMIN
            and not StaffRole.objects.filter(role=Role.PLATFORM_ADMIN).exclude(pk=locked.pk).exists()
        ):
            raise ValidationError(
                _("The last platform administrator cannot be revoked; grant the role to someone else first.")
            )
        changes = _role_changes(staff_role)
        object_ref = (StaffRole._meta.label_lower, str(locked.pk))
        locked.delete()
        record_audit(actor, "org.role_revoked", object_ref, changes)
