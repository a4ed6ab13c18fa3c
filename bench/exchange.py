"""Benchmark: exchange lookups (共享交换) against a direct indexed SELECT of the same rows.

Loads the demo district and BENCH_PERSONS people (default 1,000,000) into a throw-away database (SQLite file in a
temporary data directory by default; set DATABASE_URL for PostgreSQL), then for BENCH_LOOKUPS random residents:
- baseline: the provider's indexed SELECTs of the same rows (person + household + address, household members);
- exchange: the full gateway call for 人口.户籍信息 — checks, the same SELECTs, Ed25519 signature by the provider
  department, and the hash-chained access log entry, one transaction per lookup.
Prints lookups per second and p50/p99 latency of both and their ratio; the target is p99 ≤ 5 ms per lookup.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_TESTING", "true")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from yiwang.demo.loader import load_demo  # noqa: E402
from yiwang.org.models import Department  # noqa: E402
from yiwang.registries import exchange, providers  # noqa: E402
from yiwang.registries.exchange import verify_access_log  # noqa: E402
from yiwang.registries.models import Person  # noqa: E402
from yiwang.registries.population import load_demo_registries  # noqa: E402

PERSONS = int(os.environ.get("BENCH_PERSONS", "1000000"))
LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "5000"))


def measure(label: str, subjects: list[str], lookup: Callable[[str], object]) -> tuple[float, float, float]:
    latencies = []
    started = time.perf_counter()
    for subject in subjects:
        before = time.perf_counter()
        lookup(subject)
        latencies.append((time.perf_counter() - before) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    rate = len(subjects) / elapsed
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"  {label:<44} {rate:>9,.0f} /s   p50 {p50:6.3f} ms   p99 {p99:6.3f} ms")
    return rate, p50, p99


def main() -> None:
    if connection.vendor == "sqlite":  # a real file (WAL, synchronous=NORMAL) as in production, not :memory:
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["YIWANG_DATA_DIR"], "bench.sqlite3"
        )
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        load_demo()
        started = time.perf_counter()
        print(load_demo_registries(PERSONS))
        print(f"  registries loaded in {time.perf_counter() - started:.1f} s")
        consumer = Department.objects.get(short_name="区民政局")
        rng = random.Random(7)
        top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
        ids = [rng.randint(1, top) for _ in range(LOOKUPS)]
        subjects = list(Person.objects.filter(id__in=ids).values_list("resident_id", flat=True))
        rng.shuffle(subjects)
        print(f"exchange benchmark on {connection.vendor}, {PERSONS:,} persons, {len(subjects):,} lookups")

        def direct(subject: str) -> object:
            return providers.household(subject, {})

        def through_exchange(subject: str) -> object:
            result = exchange.query(
                consumer=consumer,
                system="bench",
                service_name="人口.户籍信息",
                subject=subject,
                purpose="case_handling",
                legal_basis="《中华人民共和国户口登记条例》",
                case_reference="YW20260105000001",
            )
            assert result.found
            return result

        measure("warm-up (exchange)", subjects[:200], through_exchange)
        base_rate, _base_p50, base_p99 = measure("baseline: direct indexed SELECT", subjects, direct)
        rate, _p50, p99 = measure("exchange: check + SELECT + sign + log", subjects, through_exchange)
        print(f"  ratio exchange / baseline: throughput {rate / base_rate:.2f}, p99 {p99 / base_p99:.1f}x")
        print(f"  target p99 <= 5 ms: {'met' if p99 <= 5 else 'NOT met'} ({p99:.2f} ms)")
        report = verify_access_log()
        print(f"  access log verified: {report.checked:,} entries, {'intact' if report.ok else 'BROKEN'}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
