"""``yiwang catalog load-guides``: guide files become published versions after the checks; bundle files become
bundles; loading twice changes nothing; the shipped demo guides all load on the real catalogue."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.catalog.conftest import guide_for
from yiwang.catalog.importer import BUNDLES_DIR, GUIDES_DIR, import_items, load_files
from yiwang.catalog.models import Bundle, GuideVersion, ServiceItem

DEMO_CSV = Path(__file__).resolve().parents[2] / "yiwang" / "demo" / "data" / "guangan-service-items.csv"


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_good_files_load_and_bad_ones_are_reported(tmp_path: Path, item: ServiceItem) -> None:
    write(tmp_path / "good.json", guide_for(item))
    write(tmp_path / "bad.json", guide_for(item, promised_limit_days=99, implementation_code="unknown-code"))
    write(
        tmp_path / "bundle.json",
        {"code": "food", "name": "开餐馆一件事", "items": [item.implementation_code]},
    )
    write(tmp_path / "bad-bundle.json", {"code": "broken", "name": "坏的一件事", "items": ["nope"]})

    report = load_files([tmp_path])

    assert report.counts == {"published": 1, "refused": 1, "bundles saved": 1, "bundles refused": 1}
    assert report.problems == [
        "unknown-code\timplementation_code\t事项不存在，请先导入事项目录。",
        "broken\titems\t事项不存在：nope",
    ]
    assert item.guide_versions.get().status == "published"
    assert Bundle.objects.get().ordered_items() == [item]


def test_loading_the_same_files_again_changes_nothing(tmp_path: Path, item: ServiceItem) -> None:
    write(tmp_path / "guide.json", guide_for(item))
    load_files([tmp_path])

    again = load_files([tmp_path])

    assert again.counts == {"unchanged": 1}
    assert GuideVersion.objects.count() == 1


def test_a_guide_failing_the_checks_is_not_loaded(tmp_path: Path, item: ServiceItem) -> None:
    write(tmp_path / "guide.json", guide_for(item, conditions=["其他材料"]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 problems"):
        call_command("catalog", "load-guides", str(tmp_path), stdout=io.StringIO(), stderr=err)

    assert (
        err.getvalue().strip()
        == f"{item.implementation_code}\tconditions.0\t含兜底表述“其他材料”，请逐项列明具体要求。"
    )
    assert not GuideVersion.objects.exists()


@pytest.mark.skipif(not any(GUIDES_DIR.glob("*.json")), reason="no demo guides shipped")
@pytest.mark.django_db
def test_the_shipped_demo_guides_and_bundles_load_cleanly() -> None:
    assert not import_items(DEMO_CSV, "csv").errors
    out = io.StringIO()

    call_command("catalog", "load-guides", stdout=out, stderr=io.StringIO())
    call_command("catalog", "check", stdout=out)

    assert GuideVersion.objects.filter(status="published").count() == len(list(GUIDES_DIR.glob("*.json")))
    assert Bundle.objects.count() == len(list(BUNDLES_DIR.glob("*.json")))
    assert "no problems" in out.getvalue()
