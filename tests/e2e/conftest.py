"""Browser journeys (Playwright) in Debian's Chromium against Django's live server.

Mark every journey ``@pytest.mark.e2e`` and ``@pytest.mark.django_db(transaction=True)`` (the live server needs a
transactional database). Other transactional tests flush the database, rows seeded by migrations included, so
the message templates are seeded again before each journey.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests when Chromium is missing, unless CI=true, where that is an error."""
    if CHROMIUM.exists():
        return
    reason = f"Chromium is not installed at {CHROMIUM}; install Debian's chromium to run browser tests"
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true: {reason}")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Browse as a user in mainland China: Chinese pages (Accept-Language) and Beijing time."""
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
