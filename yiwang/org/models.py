"""Organisation (组织机构): administrative divisions, departments and staff roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.validators import validate_uscc


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")  # 省
    CITY = "city", _("City")  # 市
    COUNTY = "county", _("County / district")  # 县/区
    TOWN = "town", _("Town / street")  # 乡/镇/街道
    VILLAGE = "village", _("Village / community")  # 村/社区


class Division(models.Model):
    """An administrative division (行政区划) with its 12-digit code (GB/T 2260 + town and village digits)."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A government department (部门) within a division; ``duties`` feeds message routing later."""

    code = models.CharField(_("department code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_uscc],
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    duties = models.TextField(_("duties"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_platform_operator = models.BooleanField(
        _("platform operator"),
        default=False,
        help_text=_("The department that runs the platform (e.g. the government service administration)."),
    )
    is_supervision_office = models.BooleanField(
        _("platform supervision office"),
        default=False,
        help_text=_(
            "The office whose supervisors receive data-access alerts of departments without a supervisor "
            "of their own."
        ),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """Staff roles (岗位角色), each scoped to one department."""

    WINDOW_CLERK = "window_clerk", _("Window clerk")  # 窗口受理
    STATION_CLERK = "station_clerk", _("Service station clerk")  # 村(社区)便民服务站工作人员
    REVIEWER = "reviewer", _("Reviewer")  # 审查
    APPROVER = "approver", _("Approver")  # 决定
    DISPATCHER = "dispatcher", _("Hotline dispatcher")  # 派单员
    SUPERVISOR = "supervisor", _("Supervisor")  # 督查
    DEPARTMENT_ADMIN = "department_admin", _("Department administrator")  # 部门管理员
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")  # 平台管理员


class StaffRole(models.Model):
    """A staff member's role in one department (人员岗位)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="unique_staff_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"
