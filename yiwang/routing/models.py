"""Routing labels and model versions (分拨标注与模型版本)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LabelSource(models.TextChoices):
    SEED = "seed", _("Seed message")  # 种子样例
    CORRECTION = "correction", _("Dispatcher correction")  # 派单员纠正
    DISPATCH = "dispatch", _("Manual dispatch")  # 人工派单 (from the triage queue)
    REASSIGN = "reassign", _("Reassignment")  # 改派
    SEND_BACK = "send_back", _("Send-back reason")  # 退单
    IMPORT = "import", _("Import")  # 导入


class RoutingLabel(models.Model):
    """A message with the department (or category) it belongs to: what the router learns from (分拨标注)."""

    text = models.TextField(_("message text"))
    department = models.CharField(
        _("department code"),
        max_length=100,
        help_text=_("A department code, or a category name for models trained on categories."),
    )
    source = models.CharField(_("source"), max_length=20, choices=LabelSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("routing label")
        verbose_name_plural = _("routing labels")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["department"])]

    def __str__(self) -> str:
        return f"{self.text[:30]} → {self.department}"


class RoutingModel(models.Model):
    """One trained model version (模型版本); its file lives under DATA_DIR/routing and must match ``file_sha256``."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=100)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    training = models.JSONField(_("training metadata"), default=dict)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_routing_model"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def threshold(self) -> float:
        return float(self.training.get("threshold", 1.0))
