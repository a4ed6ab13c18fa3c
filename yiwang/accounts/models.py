"""Accounts (账户): citizens, staff, companies and the people acting for them."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.core.validators import validate_phone, validate_resident_id, validate_uscc


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")  # 公众
    STAFF = "staff", _("Staff")  # 工作人员


class AssuranceLevel(models.IntegerChoices):
    """Identity assurance level (实名等级)."""

    L1 = 1, _("L1 self-registered")  # 自行注册
    L2 = 2, _("L2 verified against the population registry")  # 人口库核验
    L3 = 3, _("L3 verified in person")  # 现场核验


class User(AbstractUser):
    """Anyone who logs in: a citizen (公众) or a staff member (工作人员)."""

    kind = models.CharField(_("kind"), max_length=10, choices=UserKind.choices, default=UserKind.CITIZEN)
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    phone = models.CharField(
        _("mobile number"), max_length=11, unique=True, null=True, blank=True, validators=[validate_phone]
    )
    resident_id = models.CharField(
        _("resident ID number"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_resident_id],
    )
    assurance_level = models.PositiveSmallIntegerField(
        _("assurance level"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    assurance_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def is_citizen(self) -> bool:
        return self.kind == UserKind.CITIZEN

    @property
    def is_government_staff(self) -> bool:
        return self.kind == UserKind.STAFF


class Company(models.Model):
    """A company or other legal entity (法人) that does business on the platform."""

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("name"), max_length=200)
    legal_representative_name = models.CharField(_("legal representative"), max_length=50)
    legal_representative_id = models.CharField(
        _("legal representative's resident ID number"), max_length=18, validators=[validate_resident_id]
    )
    registered_address = models.CharField(_("registered address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")  # 法定代表人
    AUTHORISED_AGENT = "authorised_agent", _("Authorised agent")  # 经办人


class CompanyAgent(models.Model):
    """A person allowed to act for a company (企业经办授权).

    A legal representative (法定代表人) is approved on registration when their resident ID number matches the
    company's; anyone else who registers a company is a pending authorised agent (待授权经办人) until the legal
    representative approves them. An agent acts for the company while approved, not revoked and not expired.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="agents"
    )
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="company_roles"
    )
    role = models.CharField(_("capacity"), max_length=30, choices=AgentRole.choices)
    granted_by = models.ForeignKey(
        User, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("company agent")
        verbose_name_plural = _("company agents")
        constraints = [
            models.UniqueConstraint(fields=["company", "user", "role"], name="unique_company_agent")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.company} · {self.get_role_display()}"

    def is_active_at(self, moment: datetime) -> bool:
        """Whether this agent may act for the company at ``moment``."""
        return (
            self.approved_at is not None
            and self.revoked_at is None
            and (self.expires_at is None or self.expires_at > moment)
        )


class LoginCode(models.Model):
    """A one-time login code sent by SMS (短信验证码); only its hash is kept."""

    phone = models.CharField(_("mobile number"), max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"code for {self.phone[:3]}****{self.phone[-4:]}"


class ApiToken(models.Model):
    """A personal API access token (接口令牌) for apps acting as this user; only its SHA-256 is kept."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("token name"), max_length=100)
    prefix = models.CharField(_("token prefix"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(pgettext_lazy("token", "revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
