"""Shared kernel models: the append-only audit chain (审计链)."""

from __future__ import annotations

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
