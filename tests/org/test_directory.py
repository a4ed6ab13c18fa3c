"""The public department directory and division tree, on pages and in the API."""

from __future__ import annotations

from django.test import Client

from tests.factories import DepartmentFactory, DivisionFactory
from tests.org.conftest import District
from yiwang.org.models import DivisionLevel


def test_directory_lists_departments_in_chinese(client: Client, district: District) -> None:
    response = client.get("/org/departments/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "部门名录" in page
    assert "广安区市场监督管理局" in page
    assert "0826-2330000" in page
    assert "负责测试事项的受理和办理。" in page


def test_directory_search_by_duty(client: Client, district: District) -> None:
    DepartmentFactory(name="广安区民政局", duties="负责婚姻登记和社会救助。")
    page = client.get("/org/departments/", {"q": "婚姻"}).content.decode()
    assert "广安区民政局" in page
    assert "广安区市场监督管理局" not in page
    page = client.get("/org/departments/", {"q": "没有这种职责"}).content.decode()
    assert "没有符合条件的部门" in page


def test_department_public_page(client: Client, district: District) -> None:
    page = client.get("/org/departments/scjg/").content.decode()
    assert "广安区市场监督管理局" in page
    assert "职责" in page
    assert "周晓燕" not in page  # staff are internal


def test_unknown_department_is_404(client: Client, db: None) -> None:
    assert client.get("/org/departments/nope/").status_code == 404
    response = client.get("/api/v1/departments/nope")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def _three_levels() -> None:
    province = DivisionFactory(code="510000000000", name="四川省", level=DivisionLevel.PROVINCE)
    city = DivisionFactory(code="511600000000", name="广安市", level=DivisionLevel.CITY, parent=province)
    county = DivisionFactory(code="511602000000", name="广安区", level=DivisionLevel.COUNTY, parent=city)
    DivisionFactory(code="511602002000", name="北辰街道", level=DivisionLevel.TOWN, parent=county)
    DivisionFactory(code="511602001000", name="浓洄街道", level=DivisionLevel.TOWN, parent=county)


def test_division_tree_page(client: Client, db: None) -> None:
    _three_levels()
    page = client.get("/org/divisions/").content.decode()
    assert "行政区划" in page
    assert page.index("四川省") < page.index("广安市") < page.index("广安区") < page.index("浓洄街道")
    assert page.index("浓洄街道") < page.index("北辰街道")  # in code order
    assert "街道" in page


def test_divisions_api_tree_and_children(client: Client, db: None) -> None:
    _three_levels()
    tree = client.get("/api/v1/divisions").json()
    assert [node["code"] for node in tree] == ["510000000000"]
    county = tree[0]["children"][0]["children"][0]
    assert county["name"] == "广安区"
    assert [town["name"] for town in county["children"]] == ["浓洄街道", "北辰街道"]
    children = client.get("/api/v1/divisions", {"parent": "511602000000"}).json()
    assert [(town["code"], town["parent_code"]) for town in children] == [
        ("511602001000", "511602000000"),
        ("511602002000", "511602000000"),
    ]
    assert client.get("/api/v1/divisions", {"parent": "999999999999"}).status_code == 404


def test_departments_api_is_public(client: Client, district: District) -> None:
    rows = client.get("/api/v1/departments").json()
    assert {row["code"] for row in rows} == {"scjg", "wjj", "spj"}
    detail = client.get("/api/v1/departments/spj").json()
    assert detail["name"] == "广安区行政审批局"
    assert detail["is_platform_operator"] is True
    assert "staff" not in detail
