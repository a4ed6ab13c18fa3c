"""Registries jobs: tell people about reads of their data once the legal basis's deferral of the notice ended."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.registries.actions import do_send_due_read_notices


@db_periodic_task(crontab(minute="*/15"))
def send_due_read_notices() -> int:
    """Every 15 minutes: send the notices of reads whose deferral has ended (查询告知)."""
    return do_send_due_read_notices()
