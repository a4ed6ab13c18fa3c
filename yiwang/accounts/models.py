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
    claimed_resident_id = models.CharField(
        _("claimed resident ID number"),
        max_length=18,
        blank=True,
        db_index=True,
        help_text=_(
            "The number given at registration, not yet verified. It is bound (resident ID number) only once "
            "verified; an unverified claim never blocks the person it belongs to."
        ),
    )
    phone_verified_at = models.DateTimeField(
        _("mobile number verified at"),
        null=True,
        blank=True,
        help_text=_("When a carrier check last confirmed that the mobile number is this person's."),
    )

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

    @property
    def is_verified_citizen(self) -> bool:
        """A citizen whose resident ID number is bound after verification (L2 or L3, 已实名核验)."""
        return (
            self.kind == UserKind.CITIZEN
            and bool(self.resident_id)
            and self.assurance_level >= AssuranceLevel.L2
        )


class VerificationMethod(models.TextChoices):
    POPULATION_REGISTRY = "population_registry", _("Population registry and carrier check")  # 人口库 + 三要素
    IN_PERSON = "in_person", _("In person with the identity document")  # 现场核验


class IdentityDocument(models.TextChoices):
    RESIDENT_ID_CARD = "resident_id_card", _("Resident identity card")  # 居民身份证
    TEMPORARY_ID_CARD = "temporary_id_card", _("Temporary resident identity card")  # 临时居民身份证
    HOUSEHOLD_BOOKLET = "household_booklet", _("Household register booklet")  # 户口簿
    PASSPORT = "passport", _("Passport")  # 护照


class IdentityVerification(models.Model):
    """One successful identity verification (实名核验记录): how, by whom, where, with which document."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="identity_verifications"
    )
    level = models.PositiveSmallIntegerField(_("assurance level"), choices=AssuranceLevel.choices)
    method = models.CharField(_("method"), max_length=30, choices=VerificationMethod.choices)
    resident_id = models.CharField(_("resident ID number"), max_length=18)
    verified_by = models.ForeignKey(
        User,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identity_verifications_made",
    )
    place = models.ForeignKey(
        "org.Department",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.CharField(_("document"), max_length=30, choices=IdentityDocument.choices, blank=True)
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")
        ordering = ["-verified_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · L{self.level} · {self.get_method_display()}"


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


class CodePurpose(models.TextChoices):
    """What a one-time code (一次性验证码) proves; a code is only ever checked for its own purpose."""

    LOGIN = "login", _("Login")  # 登录
    REGISTRATION = "registration", _("Registration")  # 注册
    DELEGATION = "delegation", _("Delegation confirmation")  # 代办确认
    STEP_UP = "step_up", _("Confirmation of a sensitive action")  # 敏感操作再次验证


class OneTimeCode(models.Model):
    """A one-time code texted to a phone (短信验证码) for one purpose and scope; only its HMAC is kept.

    ``scope`` ties a code to one object (e.g. a delegation's id), so a code sent for one matter cannot confirm
    another. Codes are ephemeral: expired and used rows may be deleted at any time.
    """

    purpose = models.CharField(_("purpose"), max_length=20, choices=CodePurpose.choices)
    phone = models.CharField(_("mobile number"), max_length=11)
    scope = models.CharField(_("scope"), max_length=100, blank=True, default="")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["purpose", "phone", "scope", "-created_at"], name="onetimecode_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.phone[:3]}****{self.phone[-4:]}"


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
