"""Fixtures of the routing tests: a private model directory and the demo departments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import DepartmentFactory
from yiwang.demo.departments import PROFILES, catalogue_departments
from yiwang.org.models import Department


@pytest.fixture(autouse=True)
def model_directory(settings: Any, tmp_path: Path) -> Path:
    """Model files of each test under its own DATA_DIR; the calibrated threshold decides."""
    settings.DATA_DIR = tmp_path
    settings.ROUTING_AUTO_DISPATCH_THRESHOLD = None
    return tmp_path / "routing"


@pytest.fixture
def demo_departments(db: None) -> dict[str, Department]:
    """The demo district's departments with their codes and duties, by short name."""
    departments = {}
    for entry in catalogue_departments():
        full_name, duties = PROFILES[entry.short_name]
        departments[entry.short_name] = DepartmentFactory(
            code=entry.code, name=full_name, short_name=entry.short_name, duties=duties
        )
    return departments
