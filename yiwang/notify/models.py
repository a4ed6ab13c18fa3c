"""Notifications (消息通知): templates with personalisation and every message sent, with its status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-site inbox")  # 站内信
    EMAIL = "email", _("E-mail")  # 电子邮件
    SMS = "sms", _("SMS")  # 短信


class NotificationTemplate(models.Model):
    """A message template (消息模板); ``((name))`` placeholders are filled from the personalisation."""

    key = models.SlugField(_("key"), max_length=80)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    contains_secret = models.BooleanField(
        _("contains a secret"),
        default=False,
        help_text=_(
            "For messages such as login codes: the personalisation is not kept and the text is erased once "
            "delivered (except in the demo SMS outbox)."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [models.UniqueConstraint(fields=["key", "channel"], name="unique_template_per_channel")]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_channel_display()})"


class DeliveryStatus(models.TextChoices):
    CREATED = "created", _("Created")  # 已创建
    SENDING = "sending", _("Sending")  # 发送中
    DELIVERED = "delivered", _("Delivered")  # 已送达
    FAILED = "failed", _("Failed")  # 发送失败


class Notification(models.Model):
    """One message to one recipient on one channel, with its reference and delivery status."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    template = models.ForeignKey(
        NotificationTemplate, verbose_name=_("template"), null=True, on_delete=models.SET_NULL
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    to_address = models.CharField(_("recipient address"), max_length=254, blank=True)
    personalisation = models.JSONField(_("personalisation"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.CREATED
    )
    status_detail = models.CharField(_("status detail"), max_length=500, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the status last changed: how the sweeper finds messages stuck in "created" or "sending".
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"]),
            models.Index(fields=["status", "status_changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_channel_display()} {self.get_status_display()}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
