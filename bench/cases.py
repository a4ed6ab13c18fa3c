"""Benchmark: application submissions per second through the API beside /healthz requests per second (ratio).

Each thread has its own Django test client and citizen; a submission is ``POST /api/v1/applications`` with two
base64 PDFs (create, upload, submit, start the clock, notify). Runs on the configured database (SQLite by default;
set DATABASE_URL for PostgreSQL) in a throw-away test database and data directory.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PER_THREAD = int(os.environ.get("BENCH_SUBMISSIONS", "50"))
PDF = base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode()


def run_threads(work: Callable[[int], None]) -> float:
    threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def main() -> None:
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from tests.cases.conftest import guide_content, publish
        from tests.factories import CitizenFactory, DepartmentFactory, ServiceItemFactory
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
        failures: list[int] = []

        def submit(index: int) -> None:
            client = Client()
            client.force_login(citizens[index])
            for _ in range(PER_THREAD):
                response = client.post("/api/v1/applications", body, content_type="application/json")
                if response.status_code != 201:
                    failures.append(response.status_code)
            connection.close()

        def health(index: int) -> None:
            client = Client()
            for _ in range(PER_THREAD):
                client.get("/healthz")
            connection.close()

        total = THREADS * PER_THREAD
        health_rate = total / run_threads(health)
        submit_rate = total / run_threads(submit)
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(
            f"database: {engine}, threads: {THREADS}, requests per kind: {total}, failures: {len(failures)}"
        )
        print(f"/healthz              {health_rate:10.1f} req/s")
        print(f"POST /applications    {submit_rate:10.1f} req/s   ratio {submit_rate / health_rate:.3f}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
