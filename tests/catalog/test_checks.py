"""Guide checks (指南校验): a complete guide passes; each kind of broken guide is caught with its element."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.catalog.conftest import VALID_GUIDE, guide_for
from yiwang.catalog.actions import do_load_guide
from yiwang.catalog.checks import check_guide_data
from yiwang.catalog.guide import parse_guide
from yiwang.catalog.models import ServiceItem


def _material(**changes: Any) -> dict[str, Any]:
    return {**VALID_GUIDE["materials"][0], **changes}


def test_a_complete_guide_has_no_problem(item: ServiceItem) -> None:
    assert check_guide_data(guide_for(item), item) == []


BROKEN_GUIDES = [
    pytest.param({"promised_limit_days": 25}, "promised_limit_days", "承诺", id="promised longer than legal"),
    pytest.param({"legal_basis": []}, "legal_basis", "缺少", id="no legal basis"),
    pytest.param({"conditions": []}, "conditions", "缺少", id="no conditions"),
    pytest.param({"materials": []}, "materials", "缺少", id="no materials"),
    pytest.param({"legal_limit_days": None}, "legal_limit_days", "缺少", id="no legal limit"),
    pytest.param({"place": ""}, "place", "缺少", id="no place"),
    pytest.param({"hours": ""}, "hours", "缺少", id="no hours"),
    pytest.param({"contact_phone": ""}, "contact_phone", "缺少", id="no contact"),
    pytest.param({"refusal_reasons": []}, "refusal_reasons", "缺少", id="licence without refusal reasons"),
    pytest.param({"result": {"name": "", "delivery": ["post"]}}, "result.name", "缺少", id="no result"),
    pytest.param(
        {"materials": [_material(source=None)]}, "materials.0.source", "来源", id="material without source"
    ),
    pytest.param(
        {"materials": [_material(necessity=None)]},
        "materials.0.necessity",
        "必要性",
        id="material without necessity",
    ),
    pytest.param(
        {"materials": [_material(source="shared")]},
        "materials.0.data_service",
        "数据服务",
        id="shared without service",
    ),
    pytest.param(
        {"materials": [_material(source="shared", data_service="人口.不存在的服务")]},
        "materials.0.data_service",
        "人口.不存在的服务",
        id="shared with unknown service",
    ),
    pytest.param(
        {"materials": [_material(source="applicant", subject="newborn")]},
        "materials.0.subject",
        "共享获取",
        id="subject on a material handed in",
    ),
    pytest.param(
        {"materials": [_material(source="shared", data_service="人口.出生医学证明", subject="grandmother")]},
        "materials.0.subject",
        "newborn",
        id="unknown subject",
    ),
    pytest.param(
        {"conditions": ["有经营场所", "法律法规规定的其他条件"]},
        "conditions.1",
        "兜底",
        id="catch-all condition",
    ),
    pytest.param({"conditions": ["有身份证、户口簿等"]}, "conditions.0", "兜底", id="condition ending in 等"),
    pytest.param(
        {"materials": [_material(name="其他相关材料")]}, "materials.0.name", "兜底", id="catch-all material"
    ),
    pytest.param({"online_depth": 4, "visits": 1}, "visits", "全程网办", id="fully online but a visit"),
    pytest.param({"online_depth": 3, "visits": 2}, "visits", "最多", id="pre-review but two visits"),
    pytest.param(
        {"online_depth": 2, "visits": 0}, "visits", "网上申请", id="zero visits without online application"
    ),
    pytest.param(
        {"result": {"name": "许可证", "delivery": ["window"]}},
        "result.delivery",
        "窗口",
        id="zero visits, window only",
    ),
    pytest.param(
        {"fees": [{"item": "工本费", "standard": "20元/本", "basis": ""}]},
        "fees.0.basis",
        "依据",
        id="fee without basis",
    ),
    pytest.param(
        {"special_procedures": [{"name": "专家评审", "time_limit_days": 10, "basis": ""}]},
        "special_procedures.0.basis",
        "依据",
        id="special procedure without basis",
    ),
    pytest.param({"name": "别的名称"}, "name", "食品经营许可核发", id="name differs from the catalogue"),
    pytest.param({"item_type": "benefit"}, "item_type", "事项类型", id="type differs from the catalogue"),
    pytest.param({"department": "someone-else"}, "department", "部门", id="department differs"),
    pytest.param(
        {"materials": [_material(source="mailbox")]}, "materials.0.source", "取值", id="unknown source value"
    ),
    pytest.param({"visits": 3}, "visits", "2", id="visits out of range"),
    pytest.param({"favourite_colour": "红"}, "favourite_colour", "格式", id="element not in the format"),
]


@pytest.mark.parametrize(("changes", "element", "message_part"), BROKEN_GUIDES)
def test_each_kind_of_broken_guide_is_caught(
    item: ServiceItem, changes: dict[str, Any], element: str, message_part: str
) -> None:
    problems = check_guide_data(guide_for(item, **changes), item)

    assert [problem.element for problem in problems] == [element]
    assert message_part in problems[0].message
    assert str(problems[0]).split("\t") == [item.implementation_code, element, problems[0].message]


def test_a_public_service_needs_no_legal_basis_nor_refusal_reasons(item: ServiceItem) -> None:
    item.item_type = "public_service"
    guide = guide_for(item, legal_basis=[], refusal_reasons=[])

    assert check_guide_data(guide, item) == []


def test_check_command_prints_one_line_per_problem_and_fails(
    item: ServiceItem, capsys: pytest.CaptureFixture[str]
) -> None:
    do_load_guide(None, item, parse_guide(guide_for(item)), "测试")
    # The published guide is then broken behind the workflow's back, as a data fix gone wrong would.
    version = item.guide_versions.get()
    version.content = {
        **version.content,
        "promised_limit_days": 30,
        "fees": [{"item": "工本费", "standard": "10元"}],
    }
    version.save()

    with pytest.raises(CommandError, match="2 problems in 1 guides"):
        call_command("catalog", "check")

    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        [item.implementation_code, "promised_limit_days"],
        [item.implementation_code, "fees.0.basis"],
    ]
    assert "超过法定时限" in lines[0]


def test_check_command_is_clean_on_good_guides(item: ServiceItem, capsys: pytest.CaptureFixture[str]) -> None:
    do_load_guide(None, item, parse_guide(guide_for(item)), "测试")

    call_command("catalog", "check", "--item", item.implementation_code)

    assert "1 guides checked, no problems" in capsys.readouterr().out
