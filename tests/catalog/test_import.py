"""Importing a catalogue export (事项目录导入): broken rows are reported and leave nothing behind; repeating an
import changes nothing; departments are found or created so that an empty database works too."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import DepartmentFactory, DivisionFactory
from yiwang.catalog.importer import import_items
from yiwang.catalog.models import ItemType, ServiceItem
from yiwang.core.models import AuditRecord
from yiwang.org.models import Department, Division

DATA = Path(__file__).resolve().parent / "data"
SOCIAL_SECURITY = "1151130108778239R"


@pytest.mark.django_db
def test_good_rows_are_imported_and_broken_rows_reported_with_line_and_reason() -> None:
    report = import_items(DATA / "items.csv", "csv")

    assert report.counts == {"created": 3}
    assert [number for number, _reason in report.errors] == [5, 6, 7]
    reasons = dict(report.errors)
    assert "未知的事项类型编码（task_type）“99”" in reasons[5]
    assert "item_name 为空" in reasons[6]
    assert "area_code 须为12位行政区划代码" in reasons[7] and "link 不是有效的网址" in reasons[7]
    assert not Department.objects.filter(code="NEW-DEPT").exists(), (
        "a broken row writes nothing, not even its department"
    )
    assert set(ServiceItem.objects.values_list("name", flat=True)) == {
        "失业保险金申领",
        "社会保障卡申领",
        "企业职工正常退休申请",
    }


@pytest.mark.django_db
def test_items_are_typed_and_linked_to_their_department() -> None:
    import_items(DATA / "items.csv", "csv")

    item = ServiceItem.objects.get(name="失业保险金申领")
    assert item.item_type == ItemType.BENEFIT
    assert item.basic_code == "512B0070200001"
    assert item.area_code == "511602000000"
    assert item.main_item_name == ""  # 未分类 means no main item
    assert item.source_url.startswith("http://www.sczwfw.gov.cn/")
    assert ServiceItem.objects.get(name="社会保障卡申领").main_item_name == "社会保障卡服务"


@pytest.mark.django_db
def test_on_an_empty_database_division_and_departments_are_created_once() -> None:
    import_items(DATA / "items.csv", "csv")

    division = Division.objects.get(code="511602000000")
    assert division.level == "county"
    # The sub-unit code (…_5143) belongs to the same department as the code most of its rows use.
    department = Department.objects.get()
    assert (department.code, department.name, department.division) == (SOCIAL_SECURITY, "区人社局", division)
    card = ServiceItem.objects.get(name="社会保障卡申领")
    assert card.department == department
    assert card.catalogue_department_code == f"{SOCIAL_SECURITY}_5143"


@pytest.mark.django_db
def test_existing_departments_are_used_by_code() -> None:
    existing = DepartmentFactory(
        code=SOCIAL_SECURITY, name="广安市广安区人力资源和社会保障局", short_name="区人社局"
    )

    import_items(DATA / "items.csv", "csv")

    assert Department.objects.count() == 1
    assert set(ServiceItem.objects.values_list("department", flat=True)) == {existing.pk}
    existing.refresh_from_db()
    assert existing.name == "广安市广安区人力资源和社会保障局", "the importer does not rename a department"


@pytest.mark.django_db
def test_importing_again_changes_nothing_and_a_changed_row_updates_its_item(tmp_path: Path) -> None:
    import_items(DATA / "items.csv", "csv")
    audit_count = AuditRecord.objects.count()

    again = import_items(DATA / "items.csv", "csv")
    assert again.counts == {"unchanged": 3}
    assert AuditRecord.objects.count() == audit_count

    rows = list(csv.DictReader((DATA / "items.csv").open(encoding="utf-8")))
    rows[0]["item_name"] = "失业保险金申领（含线上办理）"
    changed = tmp_path / "changed.csv"
    with changed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:3])
    report = import_items(changed, "csv")

    assert report.counts == {"updated": 1, "unchanged": 2}
    assert ServiceItem.objects.filter(name="失业保险金申领（含线上办理）").count() == 1
    record = AuditRecord.objects.filter(action="catalog.item_updated").get()
    assert record.changes == {"name": "失业保险金申领（含线上办理）"}


@pytest.mark.django_db
def test_json_export_with_another_district_code() -> None:
    DivisionFactory(code="511621000000", name="岳池县")

    report = import_items(DATA / "items.json", "json", area_code="511621000000")

    assert report.counts == {"created": 3}
    assert set(ServiceItem.objects.values_list("area_code", flat=True)) == {"511621000000"}
    assert Department.objects.get().division.name == "岳池县"


@pytest.mark.django_db
def test_json_rows_that_are_not_objects_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps(["不是对象", {"item_code": ""}]), encoding="utf-8")

    report = import_items(path, "json")

    assert [number for number, _reason in report.errors] == [1, 2]
    assert "不是对象" in report.errors[0][1]


@pytest.mark.django_db
def test_import_command_prints_counts_and_fails_on_broken_rows() -> None:
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="3 rows were not imported"):
        call_command("catalog", "import", str(DATA / "items.csv"), stdout=out, stderr=err)

    assert "created 3, updated 0, unchanged 0, failed 3" in out.getvalue()
    assert err.getvalue().splitlines()[0].startswith("row 5\t")


@pytest.mark.django_db
def test_import_command_succeeds_on_a_clean_json_file() -> None:
    out = io.StringIO()

    call_command("catalog", "import", str(DATA / "items.json"), stdout=out)

    assert "created 3" in out.getvalue()
