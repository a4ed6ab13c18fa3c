"""Service catalogue (事项目录): service items, their guide versions, life-event bundles and negative-list entries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.org.models import Department


class ItemType(models.TextChoices):
    """Item types (事项类型) of the national catalogue standard."""

    LICENCE = "licence", _("Administrative licence")  # 行政许可
    PENALTY = "penalty", _("Administrative penalty")  # 行政处罚
    ENFORCEMENT = "enforcement", _("Administrative enforcement")  # 行政强制
    LEVY = "levy", _("Administrative levy")  # 行政征收
    BENEFIT = "benefit", _("Administrative benefit")  # 行政给付
    INSPECTION = "inspection", _("Administrative inspection")  # 行政检查
    CONFIRMATION = "confirmation", _("Administrative confirmation")  # 行政确认
    AWARD = "award", _("Administrative award")  # 行政奖励
    ADJUDICATION = "adjudication", _("Administrative adjudication")  # 行政裁决
    OTHER_POWER = "other_power", _("Other administrative power")  # 其他行政权力
    PUBLIC_SERVICE = "public_service", _("Public service")  # 公共服务


# The task_type numbers of the provincial catalogue export (事项类型编码) → item type.
TASK_TYPE_CODES: dict[str, ItemType] = {
    "1": ItemType.LICENCE,
    "2": ItemType.PENALTY,
    "3": ItemType.ENFORCEMENT,
    "4": ItemType.LEVY,
    "5": ItemType.BENEFIT,
    "6": ItemType.INSPECTION,
    "7": ItemType.CONFIRMATION,
    "8": ItemType.AWARD,
    "9": ItemType.ADJUDICATION,
    "10": ItemType.OTHER_POWER,
    "20": ItemType.PUBLIC_SERVICE,
}

# Administrative powers (行政权力) make up the power list; public services do not.
POWER_TYPES = frozenset(ItemType) - {ItemType.PUBLIC_SERVICE}


class Audience(models.TextChoices):
    PERSON = "person", _("Individuals")  # 个人 / 自然人
    COMPANY = "company", _("Legal entities")  # 法人


class ItemStatus(models.TextChoices):
    ACTIVE = "active", _("In force")  # 在用
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已取消


class ServiceItem(models.Model):
    """A government service item (政务服务事项) as implemented in one district."""

    implementation_code = models.CharField(_("implementation code"), max_length=120, unique=True)
    basic_code = models.CharField(_("basic code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=200)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="service_items"
    )
    catalogue_department_code = models.CharField(
        _("department code in the catalogue"),
        max_length=40,
        blank=True,
        help_text=_("The implementing unit's code as the imported catalogue gives it (may be a sub-unit's)."),
    )
    main_item_name = models.CharField(_("main item"), max_length=200, blank=True)
    area_code = models.CharField(_("division code"), max_length=12)
    source_url = models.URLField(_("source link"), max_length=500, blank=True)
    popularity = models.PositiveIntegerField(
        _("popularity"),
        default=0,
        help_text=_("Applications or visits per year; higher ranks first in search."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.ACTIVE
    )
    serves_persons = models.BooleanField(_("for individuals"), default=False)
    serves_companies = models.BooleanField(_("for legal entities"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["department__code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_power(self) -> bool:
        return self.item_type in POWER_TYPES


class GuideStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 草稿
    IN_REVIEW = "in_review", _("In review")  # 待审核
    PUBLISHED = "published", _("Published")  # 已发布
    REJECTED = "rejected", _("Rejected")  # 已退回
    ARCHIVED = "archived", _("Archived")  # 已归档


OPEN_GUIDE_STATUSES = (GuideStatus.DRAFT, GuideStatus.IN_REVIEW)


class GuideVersion(models.Model):
    """One version of an item's guide (办事指南版本): draft → in review → published or rejected; a published
    version is archived when a newer one is published."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("service item"), on_delete=models.CASCADE, related_name="guide_versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(
        _("status"), max_length=10, choices=GuideStatus.choices, default=GuideStatus.DRAFT
    )
    content = models.JSONField(_("content"))
    change_note = models.CharField(_("change note"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guide version")
        verbose_name_plural = _("guide versions")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_guide_version_number"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="published"), name="one_published_guide_per_item"
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_guide_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"


class Bundle(models.Model):
    """A life-event bundle (一件事一次办): items across departments done as one."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    beneficiary = models.CharField(
        _("the services are for"),
        max_length=20,
        choices=[("applicant", _("the applicant")), ("newborn", _("the newborn child"))],
        default="applicant",
    )
    items: models.ManyToManyField[ServiceItem, BundleItem] = models.ManyToManyField(
        ServiceItem, through="BundleItem", related_name="bundles"
    )

    class Meta:
        verbose_name = _("life-event bundle")
        verbose_name_plural = _("life-event bundles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def ordered_items(self) -> list[ServiceItem]:
        return [entry.item for entry in self.entries.select_related("item__department").order_by("position")]

    def as_file(self) -> dict[str, Any]:
        """The bundle in its file format (see docs/catalog-format.md)."""
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "audiences": list(self.audiences),
            "items": [item.implementation_code for item in self.ordered_items()],
            "keywords": list(self.keywords),
            "beneficiary": self.beneficiary,
        }


class BundleItem(models.Model):
    """One item of a bundle, in the order the citizen meets it."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="bundle_entries")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["bundle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="unique_bundle_item"),
            models.UniqueConstraint(fields=["bundle", "position"], name="unique_bundle_position"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle} · {self.position}. {self.item}"


class NegativeListEntry(models.Model):
    """An entry of the market-access negative list (市场准入负面清单), linked to the items that implement it."""

    class Kind(models.TextChoices):
        PROHIBITED = "prohibited", _("Prohibited")  # 禁止准入类
        PERMITTED = "permitted", _("Permitted with approval")  # 许可准入类

    number = models.CharField(_("entry number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERMITTED)
    title = models.CharField(_("title"), max_length=200)
    measures = models.TextField(_("measures"), blank=True)
    items = models.ManyToManyField(ServiceItem, verbose_name=_("service items"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("negative-list entry")
        verbose_name_plural = _("negative-list entries")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
