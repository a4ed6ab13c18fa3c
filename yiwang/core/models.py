"""Shared kernel models: the append-only audit chain (审计链) and the legal-time calendar and clocks (法定时限)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    """One audit record (审计记录), chained by SHA-256 to the record before it.

    Rows are only ever inserted, by :func:`yiwang.core.audit.record_audit`, inside the transaction of the action
    they record. ``record_hash`` covers every other field and ``prev_hash``, so editing, inserting or deleting a row
    breaks the chain, which ``yiwang audit verify`` detects.
    """

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    created_at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=100)
    changes = models.JSONField(_("change"), default=dict)
    change_digest = models.CharField(_("change digest"), max_length=64)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's head (审计链头): the last sequence number and hash.

    A single row, locked by every writer so records are appended one at a time on every database, and compared
    by the verifier so that deleting the newest records is detected too.
    """

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"


class CalendarDayKind(models.TextChoices):
    """What a special day is in the State Council schedule (国务院办公厅节假日安排)."""

    HOLIDAY = "holiday", _("statutory holiday")
    MAKEUP_WORKDAY = "workday", _("make-up workday")


class CalendarDay(models.Model):
    """A day that breaks the weekday/weekend rule (特殊日): a holiday (法定节假日) or a make-up workday (调休上班日).

    A weekday is a working day and a weekend day is not, unless a row here says otherwise.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule is loaded (已载入年度); deadlines in other years are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded at"))

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarVersion(models.Model):
    """A counter bumped whenever the calendar changes, so every process drops its in-memory copy (日历版本)."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("calendar version")

    def __str__(self) -> str:
        return f"calendar v{self.version}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("running")
    STOPPED = "stopped", _("stopped")
    FINISHED = "finished", _("finished")


class StopReason(models.TextChoices):
    """Why the clock is stopped: periods that do not count (行政许可法 Art. 45, 补正)."""

    CORRECTION = "correction", _("correction of materials")
    HEARING = "hearing", _("hearing")
    TESTING = "testing", _("testing and inspection")
    APPRAISAL = "appraisal", _("appraisal")
    EXPERT_REVIEW = "expert_review", _("expert review")
    PUBLICITY = "publicity", _("public notice")
    TENDER = "tender", _("tender or auction")
    QUARANTINE = "quarantine", _("quarantine")
    ON_SITE_INSPECTION = "inspection", _("on-site inspection")


class Clock(models.Model):
    """A handling-time clock (办理时限计时) of a case or a hotline ticket, counted in working days.

    ``started_on`` is day 0 (the acceptance date); the period starts on the next working day. The due dates and
    ``provisional`` are stored (recomputed on every change and whenever a calendar year is loaded) so lists and
    the SLA scan can filter on them with plain indexes; the overdue level is always computed, never stored.
    While the clock is stopped the due dates are unknown and stored as NULL.
    """

    owner_type = models.CharField(_("owner type"), max_length=100)
    owner_id = models.CharField(_("owner id"), max_length=100)
    legal_days = models.PositiveSmallIntegerField(_("legal limit (working days)"))
    promised_days = models.PositiveSmallIntegerField(
        _("promised limit (working days)"), null=True, blank=True
    )
    extension_limit = models.PositiveSmallIntegerField(_("extension allowed (working days)"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("extension granted (working days)"), default=0)
    started_on = models.DateField(_("accepted on"))
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    legal_due_on = models.DateField(_("legal deadline"), null=True, blank=True)
    promised_due_on = models.DateField(_("promised deadline"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        constraints = [
            models.UniqueConstraint(fields=["owner_type", "owner_id"], name="core_clock_one_per_owner"),
        ]
        indexes = [
            models.Index(fields=["state", "legal_due_on"], name="core_clock_state_legal_due"),
            models.Index(fields=["state", "promised_due_on"], name="core_clock_state_promised_due"),
        ]

    def __str__(self) -> str:
        return f"clock {self.owner_type}:{self.owner_id}"


class ClockSegment(models.Model):
    """One stretch of a clock (计时区段): running, or stopped with a reason.

    A segment covers the working days after ``started_on`` up to and including ``ended_on`` (open while NULL),
    the same day-0 convention as the clock itself.
    """

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="segments")
    running = models.BooleanField(_("running"))
    reason = models.CharField(_("stop reason"), max_length=20, choices=StopReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock segment")
        verbose_name_plural = _("clock segments")
        ordering = ["clock", "started_on", "id"]

    def __str__(self) -> str:
        return f"{'running' if self.running else self.reason} {self.started_on}..{self.ended_on or ''}"


class ClockExtension(models.Model):
    """An approved extension of the legal limit (延期), with who approved it and why."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("working days"))
    granted_on = models.DateField(_("granted on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("clock extension")
        verbose_name_plural = _("clock extensions")
        ordering = ["clock", "granted_on", "id"]

    def __str__(self) -> str:
        return f"+{self.days} on {self.granted_on}"
