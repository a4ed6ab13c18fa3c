"""Benchmark: application submissions per second through the API beside /healthz requests per second (ratio).

BENCH_THREADS threads (default 4) each log in their own citizen with Django's test client (in process, no
network) and send BENCH_SUBMISSIONS (default 50) ``POST /api/v1/applications`` with two base64 PDFs: create the
draft, store both files, submit, allocate the case number, start the clock, audit and notify — one transaction.
The baseline is ``GET /healthz`` from as many threads, measured in the same run (after a warm-up round) before and
after the submissions.

SQLite (default): a throw-away database file in a throw-away data directory (a file, not the test runner's shared
in-memory database, whose table locks fail concurrent writers). PostgreSQL: set DATABASE_URL; the database it
names is created for the run and dropped afterwards, e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/yw_bench_cases .venv/bin/python bench/cases.py``.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DATA_DIR = Path(os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-")))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from bench._threads import run_threads, use_bench_database  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PER_THREAD = int(os.environ.get("BENCH_SUBMISSIONS", "50"))
PDF = base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode()


def main() -> None:
    setup_test_environment()
    use_bench_database(DATA_DIR, "bench-cases")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from tests.cases.conftest import guide_content, publish
        from tests.factories import CitizenFactory, DepartmentFactory, ServiceItemFactory
        from yiwang.cases.models import Case
        from yiwang.core.legaltime.schedule import seed_from_chinese_calendar
        from yiwang.core.models import CalendarYear

        if not CalendarYear.objects.exists():
            seed_from_chinese_calendar()
        main_department, co = DepartmentFactory(), DepartmentFactory()
        item = ServiceItemFactory(department=main_department)
        publish(item, guide_content(main_department, [co]))
        citizens = [CitizenFactory() for _ in range(THREADS)]
        body = {
            "item": item.implementation_code,
            "materials": [
                {"name": name, "files": [{"filename": "a.pdf", "content_base64": PDF}]}
                for name in ("申请书", "场所平面图")
            ],
        }
        failures: list[str] = []

        def submit(index: int) -> None:
            try:
                client = Client()
                client.force_login(citizens[index])
                for _ in range(PER_THREAD):
                    response = client.post("/api/v1/applications", body, content_type="application/json")
                    if response.status_code != 201:
                        failures.append(f"{response.status_code} {response.content[:200]!r}")
            except Exception as error:  # a benchmark reports failures instead of dying in a thread
                failures.append(repr(error))
            finally:
                connection.close()

        def health(index: int) -> None:
            try:
                client = Client()
                for _ in range(PER_THREAD):
                    response = client.get("/healthz")
                    if response.status_code != 200:
                        failures.append(f"healthz {response.status_code}")
            finally:
                connection.close()

        total = THREADS * PER_THREAD
        run_threads(health, THREADS)  # warm-up: imports, URL resolver, template and connection caches
        health_before = total / run_threads(health, THREADS)
        submit_rate = total / run_threads(submit, THREADS)
        health_after = total / run_threads(health, THREADS)
        health_rate = (health_before + health_after) / 2
        cases = Case.objects.count()
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {engine}, threads: {THREADS}, requests per kind: {total}")
        print(f"cases created: {cases} (expected {total}), failures: {len(failures)}")
        for failure in failures[:5]:
            print(f"  failure: {failure}")
        print(
            f"GET /healthz              {health_rate:9.1f} req/s  (before {health_before:.1f}, after {health_after:.1f})"
        )
        print(f"POST /api/v1/applications {submit_rate:9.1f} req/s  ratio {submit_rate / health_rate:.3f}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
