"""Public catalogue pages (in Chinese, without JavaScript) and the public API: guides, browsing, bundles, lists."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.catalog.conftest import guide_for
from tests.factories import DepartmentFactory, ServiceItemFactory
from yiwang.catalog.actions import do_load_guide, do_save_bundle
from yiwang.catalog.guide import BundleFile, guide_json, parse_guide
from yiwang.catalog.models import Bundle, NegativeListEntry, ServiceItem


def publish(item: ServiceItem, **changes: object) -> None:
    do_load_guide(None, item, parse_guide(guide_for(item, **changes)), "测试")


@pytest.fixture
def restaurant(item: ServiceItem) -> Bundle:
    """开办餐饮店一件事: the food licence (published guide) and a business registration at another department."""
    publish(item)
    registration = ServiceItemFactory(
        name="个体工商户登记", item_type="licence", department=DepartmentFactory(name="区行政审批局")
    )
    publish(
        registration,
        legal_limit_days=15,
        promised_limit_days=3,
        materials=[
            {
                "name": "营业执照",
                "source": "shared",
                "data_service": "法人.登记信息",
                "necessity": "optional",
            },
            {"name": "经营场所使用证明", "source": "applicant", "necessity": "required"},
        ],
    )
    bundle = do_save_bundle(
        None,
        BundleFile(
            code="restaurant",
            name="开办餐饮店一件事",
            description="一次申请开好餐饮店。",
            audiences=["person"],
            items=[registration.implementation_code, item.implementation_code],
        ),
    )
    assert bundle is not None
    return bundle


def test_guide_page_shows_every_element_in_chinese_and_marks_shared_materials(
    client: Client, item: ServiceItem
) -> None:
    publish(item)

    page = client.get(f"/services/items/{item.implementation_code}/").content.decode()

    for text in (
        "食品经营许可核发",
        "设定依据",
        "《中华人民共和国食品安全法》",
        "受理条件",
        "申请材料",
        "法定办结时限",
        "20个工作日",
        "承诺办结时限",
        "5个工作日",
        "现场核查",
        "不计入办结时限",
        "办理结果",
        "食品经营许可证",
        "广安区政务服务中心二楼市场监管窗口",
        "12345",
        "常见问题",
        "不收费",
        "全程网办",
    ):
        assert text in page, text
    assert "免提交" in page and "由部门通过共享数据（法人.登记信息）获取，无需提交。" in page
    assert 'href="/static/catalog/guide.css"' in page and "<script" not in page.split("<main")[1]


def test_guide_page_names_the_co_departments(client: Client, item: ServiceItem) -> None:
    health = DepartmentFactory(name="区卫生健康局")
    publish(item, co_departments=[health.code])

    page = client.get(f"/services/items/{item.implementation_code}/").content.decode()

    assert "联办部门" in page and "区卫生健康局" in page
    assert health.code not in page


def test_print_stylesheet_hides_navigation() -> None:
    from django.contrib.staticfiles import finders

    stylesheet = open(finders.find("catalog/guide.css"), encoding="utf-8").read()  # noqa: SIM115
    assert "@media print" in stylesheet and ".site-header" in stylesheet.split("@media print")[1]


def test_item_without_guide_says_so(client: Client, item: ServiceItem) -> None:
    page = client.get(f"/services/items/{item.implementation_code}/").content.decode()

    assert "该事项的办事指南尚未发布" in page
    assert client.get("/services/items/no-such-code/").status_code == 404


def test_browse_by_department_and_by_audience(client: Client, item: ServiceItem) -> None:
    publish(item, audiences=["company"])
    ServiceItemFactory(name="居民身份证办理", item_type="public_service")

    departments = client.get("/services/departments/").content.decode()
    companies = client.get("/services/?audience=company").content.decode()
    persons = client.get("/services/?audience=person").content.decode()
    by_department = client.get(f"/services/?department={item.department.code}").content.decode()

    assert "按部门浏览" in departments and item.department.name in departments
    assert "食品经营许可核发" in companies and "居民身份证办理" not in companies
    assert "食品经营许可核发" not in persons
    assert "共1个事项" in by_department and "居民身份证办理" not in by_department


def test_bundle_page_shows_the_combined_guide(client: Client, restaurant: Bundle) -> None:
    page = client.get("/services/bundles/restaurant/").content.decode()

    assert "开办餐饮店一件事" in page and "合并办事指南" in page
    assert "区行政审批局" in page and "广安市广安区市场监督管理局" in page
    assert "最长20个工作日" in page and "最长5个工作日" in page
    assert page.count("<td>营业执照") == 1, "the licence both items need is listed once"
    assert "个体工商户登记、食品经营许可核发" in page


def test_lists_pages(client: Client, item: ServiceItem) -> None:
    publish(item)
    ServiceItemFactory(name="学生资助政策咨询", item_type="public_service", department=item.department)
    entry = NegativeListEntry.objects.create(
        number="201", title="未获得许可，不得从事食品经营", measures="食品经营许可"
    )
    entry.items.add(item)

    power = client.get("/services/lists/power/").content.decode()
    responsibility = client.get(f"/services/lists/responsibility/{item.department.code}/").content.decode()
    negative = client.get("/services/lists/negative/").content.decode()

    assert (
        "权力清单" in power
        and "食品经营许可核发" in power
        and "《中华人民共和国食品安全法》第三十五条" in power
    )
    assert "学生资助政策咨询" not in power
    assert (
        "责任清单" in responsibility
        and "学生资助政策咨询" in responsibility
        and "负责测试事项" in responsibility
    )
    assert "未获得许可，不得从事食品经营" in negative and "许可准入类" in negative


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_returns_the_published_guide_in_the_file_format(client: Client, item: ServiceItem) -> None:
    publish(item)

    response = client.get(f"/api/v1/services/{item.implementation_code}")

    assert response.status_code == 200
    assert response.json() == guide_json(parse_guide(guide_for(item)))


def test_api_answers_404_problem_json_without_a_published_guide(client: Client, item: ServiceItem) -> None:
    response = client.get(f"/api/v1/services/{item.implementation_code}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    # Every 404 answers alike (no reason), so that a missing object and another person's cannot be told apart.
    assert response.json()["status"] == 404 and "detail" not in response.json()


def test_api_lists_services_with_filters(client: Client, item: ServiceItem) -> None:
    publish(item)
    ServiceItemFactory(name="居民身份证办理", item_type="public_service")

    everything = client.get("/api/v1/services").json()
    licences = client.get("/api/v1/services?type=licence&audience=company").json()

    assert everything["count"] == 2
    assert licences == {
        "count": 1,
        "results": [
            {
                "code": item.implementation_code,
                "name": "食品经营许可核发",
                "type": "licence",
                "type_label": "行政许可",
                "department": item.department.code,
                "department_name": item.department.name,
                "audiences": ["person", "company"],
                "has_guide": True,
                "url": f"/services/items/{item.implementation_code}/",
            }
        ],
    }


def test_api_bundles(client: Client, restaurant: Bundle) -> None:
    listing = client.get("/api/v1/bundles").json()
    detail = client.get("/api/v1/bundles/restaurant").json()

    assert [bundle["code"] for bundle in listing] == ["restaurant"]
    assert detail["legal_limit_days"] == 20 and detail["promised_limit_days"] == 5
    assert [department["name"] for department in detail["departments"]] == [
        "区行政审批局",
        "广安市广安区市场监督管理局",
    ]
    licence = next(material for material in detail["materials"] if material["name"] == "营业执照")
    assert licence["necessity"] == "required", "the strictest necessity wins when merged"
    assert len(licence["items"]) == 2
    assert client.get("/api/v1/bundles/nothing").status_code == 404


def test_api_lists(client: Client, item: ServiceItem) -> None:
    publish(item)

    power = client.get("/api/v1/lists/power").json()
    responsibility = client.get(f"/api/v1/lists/responsibility/{item.department.code}").json()

    assert power[0]["legal_basis"][0]["law"] == "《中华人民共和国食品安全法》"
    assert responsibility["duties"] == item.department.duties
    assert [entry["code"] for entry in responsibility["items"]] == [item.implementation_code]
