"""Template answers (答复模板), Open311 client apps with hashed keys, and what an Open311 request brought along."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import Ticket
from yiwang.org.models import Department


class TemplateAnswer(models.Model):
    """A department's reusable answer to a frequent question (答复模板), kept up to date by its staff."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="template_answers"
    )
    title = models.CharField(_("question"), max_length=100)
    body = models.TextField(_("answer"))
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("template answer")
        verbose_name_plural = _("template answers")
        ordering = ["department__code", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "title"], name="hotline_public_template_title_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Open311Client(models.Model):
    """A third-party app allowed to post Open311 service requests (Open311 接入应用); only the key's hash is kept."""

    name = models.CharField(_("app name"), max_length=100, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 client app")
        verbose_name_plural = _("Open311 client apps")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Open311Submission(models.Model):
    """What an Open311 POST carried beyond the work order (e-mail, media URL, token, the client's ids)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="open311")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="submissions")
    token = models.CharField(max_length=40, unique=True)
    service_code = models.CharField(max_length=30)
    email = models.EmailField(blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return self.token
