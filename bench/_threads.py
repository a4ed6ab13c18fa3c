"""Helpers shared by the request benchmarks: concurrent workers and a throw-away database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings


def run_threads(work: Callable[[int], None], threads: int) -> float:
    """Run ``work(index)`` in ``threads`` threads at once; the wall time in seconds."""
    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def use_bench_database(data_dir: Path, name: str) -> None:
    """Create the run's database as a file for SQLite (threads need a real file), or the named PostgreSQL one."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database["TEST"]["NAME"] = str(data_dir / f"{name}.sqlite3")
    else:
        database["TEST"]["NAME"] = database["NAME"]
