"""E-licences (电子证照): licence types, signed licences, their number sequences and the signing keys' public
halves."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.org.models import Department


class SigningKey(models.Model):
    """The public half of a department's Ed25519 signing key (签章公钥). Public keys are not secret; the private
    half lives with the signer (:mod:`yiwang.licences.signer`), never in the database.

    A department has one current key (``retired_at`` empty); rotation retires it, and retired keys stay here so
    licences signed with them keep verifying.
    """

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="signing_keys"
    )
    public_key = models.CharField(_("public key (base64url)"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["department__code", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(retired_at__isnull=True),
                name="one_current_key_per_department",
            )
        ]

    def __str__(self) -> str:
        return self.kid


class LicenceType(models.Model):
    """A kind of licence (证照类型), e.g. 食品经营许可证, with the prefix of its numbers."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    number_prefix = models.CharField(
        _("number prefix"),
        max_length=20,
        unique=True,
        help_text=_("Licence numbers are this prefix, the year and a sequence, e.g. JY2511602 2026 000001."),
    )
    validity_years = models.PositiveSmallIntegerField(
        _("validity in years"), null=True, blank=True, help_text=_("Empty for a long-term licence.")
    )

    class Meta:
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LicenceNumberSequence(models.Model):
    """The last sequence number used for one licence type in one year (证照编号序列); locked to allocate."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="sequences")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("licence number sequence")
        verbose_name_plural = _("licence number sequences")
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "year"], name="one_sequence_per_type_and_year")
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.number_prefix}{self.year}: {self.last_value}"


class HolderKind(models.TextChoices):
    PERSON = "person", _("Person")  # 自然人
    COMPANY = "company", _("Legal person")  # 法人


class LicenceStatus(models.TextChoices):
    """Stored status. Expiry is not a status: it is computed from ``valid_until``."""

    ISSUED = "issued", _("Issued")  # 已签发
    REVOKED = "revoked", _("Revoked")  # 已注销


class VerificationStatus(models.TextChoices):
    """The answer of a verification (核验结果); computed, never stored."""

    VALID = "valid", _("Valid")  # 有效
    REVOKED = "revoked", _("Revoked")  # 已注销
    EXPIRED = "expired", _("Expired")  # 已过期
    NOT_GENUINE = "not_genuine", _("Not a genuine licence")  # 非真实证照


class LicenceQuerySet(models.QuerySet["Licence"]):
    def in_force_on(self, day: dt.date) -> LicenceQuerySet:
        """Issued, not revoked, and within their validity on ``day``."""
        return self.filter(status=LicenceStatus.ISSUED, valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def expired_on(self, day: dt.date) -> LicenceQuerySet:
        return self.filter(valid_until__lt=day)


class Licence(models.Model):
    """An electronic licence (电子证照) signed by its issuing department's key.

    The signature covers :func:`yiwang.licences.signer.licence_payload` — every field below that a holder or a
    verifier relies on — so a changed row no longer verifies. ``type_name`` and ``issuer_name`` keep the names
    as printed, so renaming a type or a department later does not break old signatures.
    """

    number = models.CharField(_("licence number"), max_length=40, unique=True)
    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("licence type"), on_delete=models.PROTECT, related_name="licences"
    )
    type_name = models.CharField(_("licence name as issued"), max_length=100)
    holder_kind = models.CharField(_("holder kind"), max_length=10, choices=HolderKind.choices)
    holder_name = models.CharField(_("holder name"), max_length=200)
    holder_identifier = models.CharField(
        _("holder identifier"),
        max_length=18,
        db_index=True,
        help_text=_("Resident ID number of a person, unified social credit code of a company."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("issuing department"), on_delete=models.PROTECT, related_name="licences"
    )
    issuer_name = models.CharField(_("issuing department as named on the licence"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty = long-term."))
    details = models.JSONField(_("details"), default=dict, blank=True)
    case_reference = models.CharField(_("case reference"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    signing_key = models.ForeignKey(
        SigningKey, verbose_name=_("signing key"), on_delete=models.PROTECT, related_name="licences"
    )
    signature = models.CharField(_("signature (base64url)"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.ISSUED
    )
    revoked_at = models.DateTimeField(pgettext_lazy("licence", "revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=500, blank=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.number}"

    def is_expired_on(self, day: dt.date) -> bool:
        """Expired once the last valid day has passed (the licence is valid through ``valid_until``)."""
        return self.valid_until is not None and day > self.valid_until

    @property
    def is_expired(self) -> bool:
        return self.is_expired_on(timezone.localdate())
