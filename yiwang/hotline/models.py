"""Hotline work orders (工单): one record per citizen message from any channel, its timeline, files and extensions.

State changes live in :mod:`yiwang.hotline.actions`; the allowed transitions are the table in
:mod:`yiwang.hotline.states`. Deadlines come from the order's current core ``Clock`` (owner type
``hotline.ticket``); overdue is computed from it, never stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import Clock
from yiwang.notify.rendering import mask_phone
from yiwang.org.models import Department, Division


class Channel(models.TextChoices):
    """Where the message came in (来源渠道)."""

    PORTAL = "portal", _("Portal")  # 网站留言
    PHONE = "phone", _("Phone call")  # 电话
    API = "api", _("API")  # 接口
    OPEN311 = "open311", _("Open311")
    MAILBOX = "mailbox", _("Mayor's mailbox")  # 市长信箱


class TicketKind(models.TextChoices):
    """What the citizen wants (诉求类型)."""

    CONSULTATION = "consultation", _("Consultation")  # 咨询
    HELP = "help", _("Request for help")  # 求助
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    REPORT = "report", _("Report of wrongdoing")  # 举报
    SUGGESTION = "suggestion", _("Suggestion")  # 建议
    PRAISE = "praise", _("Praise")  # 表扬


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")  # 一般
    URGENT = "urgent", _("Urgent")  # 紧急


class TicketStatus(models.TextChoices):
    """Where the work order stands in the handling loop (办理状态)."""

    TRIAGE = "triage", _("Awaiting dispatch")  # 待派单
    DISPATCHED = "dispatched", _("Awaiting sign-for")  # 待签收
    IN_PROGRESS = "in_progress", _("Being handled")  # 办理中
    REPLIED = "replied", _("Replied, awaiting callback")  # 已答复待回访
    CALLED_BACK = "called_back", _("Called back")  # 已回访
    CLOSED = "closed", _("Closed")  # 已办结
    MERGED = "merged", _("Merged into another order")  # 已合并


OPEN_STATUSES = (
    TicketStatus.TRIAGE,
    TicketStatus.DISPATCHED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.REPLIED,
    TicketStatus.CALLED_BACK,
)
#: Statuses in which the department's clock runs (派单 → 回复).
HANDLING_STATUSES = (TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS)


class CallbackResult(models.TextChoices):
    """What the callback (回访) found."""

    SATISFIED = "satisfied", _("Satisfied")  # 满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意
    UNREACHABLE = "unreachable", _("Could not be reached")  # 联系不上


class Ticket(models.Model):
    """A 12345 work order (工单).

    ``routing`` keeps the router's answer at intake: ``{"proposals": [{"department": code, "confidence": float}],
    "reason": str, "auto": bool}``; ``routed_at`` is NULL until the router answered (a job retries). ``clock`` is
    the current round's clock; a redo (重办) starts round ``round + 1`` with a new clock.
    """

    number = models.CharField(_("work order number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("type"), max_length=15, choices=TicketKind.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("message"))
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotline_tickets",
    )
    consent_to_publish = models.BooleanField(_("agrees to publication"), default=False)
    subject_resident_id = models.CharField(
        _("resident ID number of the person concerned"),
        max_length=18,
        blank=True,
        help_text=_(
            "Given by the caller and entered by a hotline dispatcher: the departments handling the order may then "
            "read this person's registry data for it (the person is told)."
        ),
    )
    status = models.CharField(
        _("status"), max_length=15, choices=TicketStatus.choices, default=TicketStatus.TRIAGE
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("handling department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    routing = models.JSONField(_("routing proposal"), default=dict, blank=True)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    duplicate_candidates = models.JSONField(_("possible duplicates"), default=list, blank=True)
    clock = models.OneToOneField(
        Clock, verbose_name=_("clock"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    received_at = models.DateTimeField(_("received at"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    callback_result = models.CharField(
        _("callback result"), max_length=15, choices=CallbackResult.choices, blank=True
    )
    callback_note = models.TextField(_("callback note"), blank=True)
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="hotline_ticket_status_recv"),
            models.Index(fields=["department", "status"], name="hotline_ticket_dept_status"),
            models.Index(fields=["contact_phone"], name="hotline_ticket_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="hotline_ticket_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="hotline_ticket_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="hotline_ticket_rating_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="hotline_ticket_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def masked_phone(self) -> str:
        """The contact phone as lists show it (138****8000)."""
        return mask_phone(self.contact_phone) if self.contact_phone else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """One step in a work order's timeline (办理记录); ``public_text`` is shown to the citizen."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_before = models.CharField(_("status before"), max_length=15, blank=True)
    status_after = models.CharField(_("status after"), max_length=15, blank=True)
    public_text = models.TextField(_("public text"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class TicketAttachment(models.Model):
    """A file attached to a work order (附件), kept in the content-addressed upload store by SHA-256."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=50)
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["ticket", "id"]

    def __str__(self) -> str:
        return self.original_name


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # 待审批
    APPROVED = "approved", _("Approved")  # 已批准
    REJECTED = "rejected", _("Not approved")  # 不予批准


class TicketExtension(models.Model):
    """A department's request for more time (延期申请), decided by the hotline centre."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    round = models.PositiveSmallIntegerField(_("handling round"))
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["ticket", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="hotline_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.days}"


class TicketNumberSequence(models.Model):
    """The last work order number handed out on a day (工单号序列), locked while a number is taken."""

    day = models.DateField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("work order number sequence")

    def __str__(self) -> str:
        return f"{self.day} #{self.last_value}"
