"""Reading catalogue exports (事项目录 CSV/JSON) and guide/bundle files, and feeding them to the actions row by row.

A broken row is reported with its row number and reason and nothing is written for it; good rows are written
whatever happens to their neighbours, so a run can be repeated after fixing the file (idempotent by
implementation code).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from yiwang.catalog.actions import (
    GuideCheckFailed,
    ItemRecord,
    do_import_item,
    do_load_guide,
    do_save_bundle,
    parse_guide_or_raise,
    reindex_items,
)
from yiwang.catalog.checks import GuideProblem, check_guide_data
from yiwang.catalog.guide import BundleFile, field_errors
from yiwang.catalog.models import TASK_TYPE_CODES, ServiceItem

GUIDES_DIR = Path(__file__).resolve().parent / "guides"
BUNDLES_DIR = Path(__file__).resolve().parent / "bundles"
UNCLASSIFIED = "未分类"  # the export's placeholder for "no main item"
_AREA_CODE = re.compile(r"^\d{12}$")
_url = URLValidator(schemes=["http", "https"])


@dataclass
class ImportReport:
    """What an import did; ``errors`` holds (row number, reason)."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path, file_format: str) -> list[tuple[int, dict[str, Any]]]:
    """(row number, row) pairs: the line number for CSV (the header is line 1), the position for JSON."""
    if file_format == "csv":
        with path.open(encoding="utf-8-sig", newline="") as csv_file:
            reader = csv.DictReader(csv_file)
            return [(reader.line_num, row) for row in reader]
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(_("A JSON catalogue must be a list of objects."))
    return list(enumerate(data, start=1))


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _canonical_department_codes(rows: Sequence[tuple[int, dict[str, Any]]]) -> dict[str, str]:
    """Department name → the dept_code most of its rows use (sub-units have codes of their own)."""
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    for _number, row in rows:
        if isinstance(row, dict) and _text(row, "department") and _text(row, "dept_code"):
            codes[_text(row, "department")][_text(row, "dept_code")] += 1
    return {name: counter.most_common(1)[0][0] for name, counter in codes.items()}


def parse_item_row(row: Any, canonical_codes: dict[str, str], area_code: str | None = None) -> ItemRecord:
    """Validate one row of the export; raises ValidationError with every reason at once."""
    if not isinstance(row, dict):
        raise ValidationError(_("The row is not an object."))
    errors: list[str] = []
    code, name = _text(row, "item_code"), _text(row, "item_name")
    department_name, department_code = _text(row, "department"), _text(row, "dept_code")
    task_type, link = _text(row, "task_type"), _text(row, "link")
    area = area_code or _text(row, "area_code")
    for value, label, limit in (
        (code, "item_code", 120),
        (name, "item_name", 200),
        (department_name, "department", 100),
        (department_code, "dept_code", 40),
    ):
        if not value:
            errors.append(_("%(column)s is empty.") % {"column": label})
        elif len(value) > limit:
            errors.append(
                _("%(column)s is longer than %(limit)s characters.") % {"column": label, "limit": limit}
            )
    if task_type not in TASK_TYPE_CODES:
        errors.append(_("Unknown task_type “%(value)s”.") % {"value": task_type})
    if not _AREA_CODE.match(area):
        errors.append(_("area_code must be a 12-digit division code."))
    if link:
        try:
            _url(link)
        except ValidationError:
            errors.append(_("link is not a web address."))
    if errors:
        raise ValidationError(errors)
    main_item = _text(row, "main_item")
    return ItemRecord(
        implementation_code=code,
        basic_code=code.split(f"-{area}-")[0] if f"-{area}-" in code else "",
        name=name,
        item_type=TASK_TYPE_CODES[task_type],
        department_name=department_name,
        department_code=department_code,
        canonical_department_code=canonical_codes.get(department_name, department_code),
        main_item_name="" if main_item == UNCLASSIFIED else main_item[:200],
        area_code=area,
        source_url=link,
    )


def import_items(
    path: Path, file_format: str, area_code: str | None = None, actor: Any = None
) -> ImportReport:
    """Import a catalogue export (事项目录) row by row."""
    report = ImportReport()
    rows = read_rows(path, file_format)
    canonical_codes = _canonical_department_codes(rows)
    changed: list[str] = []
    for number, row in rows:
        try:
            record = parse_item_row(row, canonical_codes, area_code)
            outcome = do_import_item(actor, record)
        except ValidationError as error:
            report.errors.append((number, "；".join(error.messages)))
        else:
            report.counts[outcome] += 1
            if outcome != "unchanged":
                changed.append(record.implementation_code)
    reindex_items(changed)
    return report


@dataclass
class LoadReport:
    """What ``load-guides`` did: counts per outcome and every problem found."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def json_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return files


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def is_bundle(data: Any) -> bool:
    return isinstance(data, dict) and "items" in data and "implementation_code" not in data


def load_files(paths: Sequence[Path], actor: Any = None) -> LoadReport:
    """Load guide files as published versions and bundle files as bundles (guides first: bundles use them)."""
    report = LoadReport()
    parsed: list[tuple[Path, Any]] = []
    for path in json_files(paths):
        try:
            parsed.append((path, read_json(path)))
        except (OSError, ValueError) as error:
            message = _("Cannot read the file: %(error)s") % {"error": error}
            report.problems.append(str(GuideProblem(path.name, "-", message)))
    for path, data in sorted(parsed, key=lambda entry: is_bundle(entry[1])):
        if is_bundle(data):
            _load_bundle(path, data, actor, report)
        else:
            _load_guide(path, data, actor, report)
    return report


def _load_guide(path: Path, data: Any, actor: Any, report: LoadReport) -> None:
    code = data.get("implementation_code", "") if isinstance(data, dict) else ""
    item = ServiceItem.objects.select_related("department").filter(implementation_code=code).first()
    if item is None:
        message = _("No such service item; import the catalogue first.")
        report.problems.append(str(GuideProblem(code or path.name, "implementation_code", message)))
        report.counts["refused"] += 1
        return
    problems = check_guide_data(data, item)
    if not problems:
        try:
            version = do_load_guide(
                actor, item, parse_guide_or_raise(data), _("Loaded from %(file)s") % {"file": path.name}
            )
        except GuideCheckFailed as error:
            problems = error.problems
        else:
            report.counts["published" if version else "unchanged"] += 1
            return
    report.problems += [str(problem) for problem in problems]
    report.counts["refused"] += 1


def _load_bundle(path: Path, data: Any, actor: Any, report: LoadReport) -> None:
    name = data.get("code") or path.name
    try:
        bundle = do_save_bundle(actor, BundleFile.model_validate(data))
    except PydanticValidationError as error:
        report.problems += [
            str(GuideProblem(name, element, message)) for element, message in field_errors(error)
        ]
    except ValidationError as error:
        report.problems += [
            str(GuideProblem(name, element, message))
            for element, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        report.counts["bundles saved" if bundle else "bundles unchanged"] += 1
        return
    report.counts["bundles refused"] += 1
