"""The audit chain: every change is provable afterwards (审计链)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from yiwang.core.audit import record_audit, verify_chain
from yiwang.core.models import AuditHead, AuditRecord


def write_records(count: int) -> list[AuditRecord]:
    records = []
    with transaction.atomic():
        for index in range(count):
            records.append(
                record_audit(None, "test.changed", ("test.thing", str(index)), {"field": "value", "n": index})
            )
    return records


def verify_output() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def raw_update(sql: str, params: list[object]) -> None:
    """Tamper with the table behind the application's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_verify_passes_and_counts_records() -> None:
    write_records(5)
    assert "5 records checked" in verify_output()


@pytest.mark.django_db
def test_empty_chain_verifies() -> None:
    assert "0 records checked" in verify_output()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        record_audit(None, "test.changed", ("test.thing", "1"), {})
    assert AuditRecord.objects.count() == 0


@pytest.mark.django_db
def test_record_is_rolled_back_with_its_action() -> None:
    with pytest.raises(ValueError), transaction.atomic():
        record_audit(None, "test.changed", ("test.thing", "1"), {})
        raise ValueError("the action failed")
    assert AuditRecord.objects.count() == 0
    assert "0 records checked" in verify_output()


@pytest.mark.django_db
def test_edited_change_is_detected_and_named() -> None:
    records = write_records(4)
    raw_update(
        f"UPDATE {AuditRecord._meta.db_table} SET changes = %s WHERE id = %s",
        ['{"field": "forged", "n": 2}', records[2].pk],
    )
    with pytest.raises(CommandError, match="record #3"):
        verify_output()


@pytest.mark.django_db
def test_edited_actor_is_detected() -> None:
    records = write_records(3)
    raw_update(
        f"UPDATE {AuditRecord._meta.db_table} SET actor_label = %s WHERE id = %s", ["mallory", records[0].pk]
    )
    with pytest.raises(CommandError, match="record #1"):
        verify_output()


@pytest.mark.django_db
def test_deleted_record_in_the_middle_is_detected() -> None:
    records = write_records(4)
    raw_update(f"DELETE FROM {AuditRecord._meta.db_table} WHERE id = %s", [records[1].pk])
    with pytest.raises(CommandError, match="record #2 is missing"):
        verify_output()


@pytest.mark.django_db
def test_deleted_newest_record_is_detected() -> None:
    records = write_records(3)
    raw_update(f"DELETE FROM {AuditRecord._meta.db_table} WHERE id = %s", [records[-1].pk])
    with pytest.raises(CommandError, match="head records #3"):
        verify_output()


@pytest.mark.django_db
def test_inserted_record_is_detected() -> None:
    records = write_records(2)
    forged = AuditRecord.objects.get(pk=records[1].pk)
    forged.pk = None
    forged.seq = 3
    forged.record_hash = "f" * 64
    forged.save(force_insert=True)
    AuditHead.objects.filter(singleton=1).update(last_seq=3, last_hash="f" * 64)
    with pytest.raises(CommandError, match="record #3"):
        verify_output()


class TestAnyTamperingIsFound(TestCase):
    """Property: whatever single record is altered, verification fails exactly at that record."""

    @settings(max_examples=25, deadline=None)
    @given(
        count=st.integers(min_value=1, max_value=8),
        data=st.data(),
        column=st.sampled_from(["action", "object_id", "request_id", "actor_label"]),
    )
    def test_alteration_is_found_at_that_record(self, count: int, data: st.DataObject, column: str) -> None:
        records = write_records(count)
        victim = data.draw(st.integers(min_value=0, max_value=count - 1))
        raw_update(
            f"UPDATE {AuditRecord._meta.db_table} SET {column} = %s WHERE id = %s",
            ["tampered", records[victim].pk],
        )
        report = verify_chain()
        assert report.problem is not None
        assert report.problem.seq == victim + 1
        assert report.checked == victim


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_linear_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database; the in-memory SQLite test database is shared by threads")
    from concurrent.futures import ThreadPoolExecutor

    def writer(worker: int) -> None:
        try:
            for index in range(10):
                with transaction.atomic():
                    record_audit(None, "test.concurrent", ("test.thing", f"{worker}-{index}"), {})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))
    report = verify_chain()
    assert report.ok
    assert report.checked == 40
