"""Writing and verifying the audit chain (审计链)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from yiwang.core.models import AuditHead, AuditRecord
from yiwang.core.request_context import current_request_id

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace, so equal data always hashes the same."""
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    """The SHA-256 of ``text`` (UTF-8) as 64 hex digits: the digest every hash chain here uses."""
    return hashlib.sha256(text.encode()).hexdigest()


def compute_record_hash(record: AuditRecord) -> str:
    """The SHA-256 over the previous hash and every field of ``record``."""
    body = {
        "seq": record.seq,
        "created_at": record.created_at.isoformat(),
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "change_digest": record.change_digest,
        "request_id": record.request_id,
        "prev_hash": record.prev_hash,
    }
    return sha256_hex(canonical_json(body))


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system"
    return actor.pk, str(actor.get_username())


def record_audit(
    actor: Any,
    action: str,
    obj: models.Model | tuple[str, str],
    changes: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain. Must run inside the action's ``transaction.atomic()`` block.

    ``obj`` is a saved model instance or an ``(object_type, object_id)`` pair; ``changes`` is a JSON-able
    description of what changed (never secrets such as passwords or codes).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_audit() must be called inside the action's transaction")
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    change_json = canonical_json(dict(changes or {}))
    head, _created = AuditHead.objects.select_for_update().get_or_create(
        singleton=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
    )
    actor_id, actor_label = _actor_fields(actor)
    record = AuditRecord(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=json.loads(change_json),
        change_digest=sha256_hex(change_json),
        request_id=current_request_id.get(),
        prev_hash=head.last_hash,
    )
    record.record_hash = compute_record_hash(record)
    record.save(force_insert=True)
    head.last_seq, head.last_hash = record.seq, record.record_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return record


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain does not hold."""

    seq: int
    record_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _records_in_order(batch_size: int = 2000) -> Iterator[AuditRecord]:
    return AuditRecord.objects.order_by("seq").iterator(chunk_size=batch_size)


def verify_chain() -> ChainReport:
    """Walk the whole chain and report the first altered, inserted or missing record (审计链校验)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    with transaction.atomic():
        for record in _records_in_order():
            if record.seq != expected_seq:
                return ChainReport(
                    checked,
                    ChainProblem(
                        expected_seq, None, f"record #{expected_seq} is missing (next found is #{record.seq})"
                    ),
                )
            if record.prev_hash != expected_prev:
                return ChainReport(
                    checked,
                    ChainProblem(record.seq, record.pk, "does not link to the record before it"),
                )
            if sha256_hex(canonical_json(record.changes)) != record.change_digest:
                return ChainReport(
                    checked, ChainProblem(record.seq, record.pk, "its change does not match its digest")
                )
            if compute_record_hash(record) != record.record_hash:
                return ChainReport(
                    checked, ChainProblem(record.seq, record.pk, "its content does not match its hash")
                )
            checked += 1
            expected_prev = record.record_hash
            expected_seq += 1
        head = AuditHead.objects.filter(singleton=1).first()
        last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
        if (last_seq, last_hash) != (expected_seq - 1, expected_prev):
            return ChainReport(
                checked,
                ChainProblem(
                    last_seq,
                    None,
                    f"the chain ends at #{expected_seq - 1} but its head records #{last_seq}: "
                    "newest records were deleted or the head was altered",
                ),
            )
    return ChainReport(checked, None)
