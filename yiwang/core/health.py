"""Health checks (健康检查) for the database and the job queue."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def queue_status() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    try:
        pending = HUEY.pending_count()
    except Exception as exc:  # storage unreachable
        return {"status": "error", "backend": settings.QUEUE, "error": exc.__class__.__name__}
    return {"status": "ok", "backend": settings.QUEUE, "pending": pending}


def overall_health() -> tuple[bool, dict[str, Any]]:
    checks = {"database": database_status(), "queue": queue_status()}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return healthy, {"status": "ok" if healthy else "error", "version": settings.YIWANG_VERSION, **checks}
