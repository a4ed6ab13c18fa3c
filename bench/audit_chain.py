"""Benchmark: cost of the audit chain (审计链) on writes and of verifying it.

Prints, for the configured database (SQLite by default; set DATABASE_URL for PostgreSQL):
- actions per second that write one audit record each, beside the same transactions writing a plain row
  without the chain (the baseline), and the ratio;
- records per second that ``verify_chain`` checks.
Runs in a throw-away data directory / database schema; nothing of the installation is touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_TESTING", "true")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from yiwang.core.audit import record_audit, verify_chain  # noqa: E402
from yiwang.notify.models import NotificationTemplate  # noqa: E402

ACTIONS = int(os.environ.get("BENCH_ACTIONS", "3000"))


def timed(label: str, count: int, work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"  {label:<52} {rate:>10,.0f} /s   ({elapsed:.2f} s for {count:,})")
    return rate


def plain_writes() -> None:
    for index in range(ACTIONS):
        with transaction.atomic():
            NotificationTemplate.objects.create(key=f"bench-{index}", channel="inbox", name="b", body="b")


def audited_writes() -> None:
    for index in range(ACTIONS):
        with transaction.atomic():
            template = NotificationTemplate.objects.create(
                key=f"bench-audited-{index}", channel="inbox", name="b", body="b"
            )
            record_audit(None, "bench.created", template, {"key": template.key})


def main() -> None:
    if connection.vendor == "sqlite":  # a real file (WAL, synchronous=NORMAL) as in production, not :memory:
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["YIWANG_DATA_DIR"], "bench.sqlite3"
        )
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"audit chain benchmark on {connection.vendor}, {ACTIONS:,} actions, one transaction each")
        baseline = timed("baseline: action without audit record", ACTIONS, plain_writes)
        audited = timed("action + chained audit record", ACTIONS, audited_writes)
        print(f"  ratio audited / baseline: {audited / baseline:.2f}")
        verified = timed("verify_chain (records checked)", ACTIONS, lambda: verify_chain())
        print(f"  verify vs baseline writes: {verified / baseline:.1f}x")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
