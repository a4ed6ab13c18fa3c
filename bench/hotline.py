"""Benchmark: work orders accepted per second through ``POST /api/v1/tickets`` beside /healthz (ratio).

BENCH_THREADS threads (default 4) each send BENCH_TICKETS (default 50) anonymous messages as the portal API does:
validate, ask the router, allocate the number, look for duplicates, start the clock, audit, notify, and dispatch
automatically when the router is sure — one transaction each. The baseline is ``GET /healthz`` from as many
threads, measured in the same run before and after. The rate limits are lifted for the run (one client address).

SQLite (default): a throw-away database file. PostgreSQL: set DATABASE_URL; the database it names is created for
the run and dropped afterwards, e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/yw_bench_hotline .venv/bin/python bench/hotline.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DATA_DIR = Path(os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-")))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("HOTLINE_RATE_PER_IP_PER_HOUR", "1000000")
os.environ.setdefault("HOTLINE_RATE_PER_PHONE_PER_HOUR", "1000000")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from bench._threads import run_threads, use_bench_database  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PER_THREAD = int(os.environ.get("BENCH_TICKETS", "50"))
MESSAGES = [
    "小区门口的路灯坏了一个月了，晚上出行很不安全，请尽快维修。",
    "楼下餐馆油烟很大，每天晚上排放到居民楼里，请相关部门查处。",
    "咨询一下新生儿医保怎么办理，需要带哪些材料？",
    "建议在人民公园增加儿童游乐设施和休息座椅。",
    "自来水水质发黄，已经持续三天，请尽快处理。",
]


def main() -> None:
    setup_test_environment()
    use_bench_database(DATA_DIR, "bench-hotline")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from tests.factories import DivisionFactory
        from yiwang.hotline.models import Ticket, TicketStatus

        division = DivisionFactory()
        failures: list[str] = []

        def submit(index: int) -> None:
            try:
                client = Client()
                for number in range(PER_THREAD):
                    body = {
                        "kind": "help",
                        "text": f"{MESSAGES[number % len(MESSAGES)]}（{index}-{number}）",
                        "division": division.code,
                        "contact_phone": f"139{index:04d}{number:04d}",
                    }
                    response = client.post("/api/v1/tickets", body, content_type="application/json")
                    if response.status_code != 201:
                        failures.append(f"{response.status_code} {response.content[:200]!r}")
            except Exception as error:  # report, don't die in a thread
                failures.append(repr(error))
            finally:
                connection.close()

        def health(index: int) -> None:
            try:
                client = Client()
                for _ in range(PER_THREAD):
                    if client.get("/healthz").status_code != 200:
                        failures.append("healthz")
            finally:
                connection.close()

        total = THREADS * PER_THREAD
        health_before = total / run_threads(health, THREADS)
        submit_rate = total / run_threads(submit, THREADS)
        health_after = total / run_threads(health, THREADS)
        health_rate = (health_before + health_after) / 2
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        dispatched = Ticket.objects.filter(status=TicketStatus.DISPATCHED).count()
        print(f"database: {engine}, threads: {THREADS}, requests per kind: {total}")
        print(
            f"work orders: {Ticket.objects.count()} (expected {total}), dispatched automatically: {dispatched}"
        )
        print(f"failures: {len(failures)}")
        for failure in failures[:5]:
            print(f"  failure: {failure}")
        print(
            f"GET /healthz          {health_rate:9.1f} req/s  (before {health_before:.1f}, after {health_after:.1f})"
        )
        print(f"POST /api/v1/tickets  {submit_rate:9.1f} req/s  ratio {submit_rate / health_rate:.3f}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
