"""Guide checks (指南校验): what a guide must satisfy before the public sees it.

The same checks run on ``yiwang catalog check``, on ``load-guides`` and when a reviewer publishes. Each problem
names the item, the element and what is wrong, in the active language (Chinese by default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from yiwang.catalog.guide import GuideContent, field_errors, parse_guide

if TYPE_CHECKING:
    from yiwang.catalog.models import ServiceItem

# Shared data services (共享数据服务) a material can be fetched from instead of being handed in. Declared here for the
# registries issue, which will publish them as real services under the same names.
DATA_SERVICES: dict[str, str] = {
    "人口.身份核验": "居民身份核验（姓名与公民身份号码一致性）",
    "人口.户籍信息": "常住人口户籍信息",
    "人口.婚姻状况": "婚姻登记信息",
    "人口.出生医学证明": "出生医学证明信息",
    "人口.死亡信息": "死亡医学证明和火化信息",
    "人口.学历信息": "高等教育学历信息",
    "人口.无犯罪记录": "违法犯罪记录查询结果",
    "法人.登记信息": "市场主体登记信息（营业执照）",
    "法人.法定代表人核验": "法定代表人核验（公民身份号码是否为在营市场主体登记的法定代表人）",
    "法人.许可信息": "市场主体行政许可信息",
    "社保.参保信息": "社会保险参保和缴费信息",
    "医保.参保信息": "基本医疗保险参保信息",
    "民政.救助信息": "最低生活保障、特困供养和临时救助信息",
    "残联.残疾人信息": "残疾人证信息",
    "不动产.登记信息": "不动产登记信息",
    "规划.许可信息": "建设用地和建设工程规划许可信息",
    "证照.按持证人查询": "电子证照库：按持证人查询证照",
    "证照.按证照编号查询": "电子证照库：按证照编号查询证照",
}

# Catch-all wording (兜底条款) that leaves the applicant guessing what is really required.
_CATCH_ALL = re.compile(
    r"(其他|其它)(条件|材料|资料|证明|证件|文件|要求)"
    r"|(相关|有关)(材料|资料|证明|证件|文件)"
    r"|等(材料|资料|证明|证件|文件|条件)"
    r"|等[。；;，,.]?$"
)
_DELIVERY_WITHOUT_VISIT = {"electronic", "post"}


@dataclass(frozen=True)
class GuideProblem:
    """One thing wrong with a guide: ``<code>\\t<element>\\t<what is wrong>``."""

    code: str
    element: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}\t{self.element}\t{self.message}"


def check_guide_data(data: Any, item: ServiceItem | None = None) -> list[GuideProblem]:
    """Check raw guide data (a file or a form): its format first, then its content."""
    code = (data.get("implementation_code") if isinstance(data, dict) else "") or (
        item.implementation_code if item else "?"
    )
    try:
        content = parse_guide(data)
    except ValidationError as error:
        return [GuideProblem(str(code), element, message) for element, message in field_errors(error)]
    return check_guide(content, item)


def check_guide(content: GuideContent, item: ServiceItem | None = None) -> list[GuideProblem]:
    """Every problem of a guide that parsed; ``item`` adds the checks against the catalogue entry."""
    problems: list[tuple[str, str]] = []
    problems += _item_problems(content, item)
    problems += _mandatory_element_problems(content, is_power=content.item_type != "public_service")
    problems += _time_limit_problems(content)
    problems += _catch_all_problems("conditions", content.conditions)
    problems += _material_problems(content)
    problems += _visit_problems(content)
    problems += [
        (f"fees.{index}.basis", _("The fee has no legal basis."))
        for index, fee in enumerate(content.fees)
        if not fee.basis
    ]
    problems += [
        (f"special_procedures.{index}.basis", _("The special procedure has no legal basis."))
        for index, procedure in enumerate(content.special_procedures)
        if not procedure.basis
    ]
    return [GuideProblem(content.implementation_code, element, str(message)) for element, message in problems]


def _item_problems(content: GuideContent, item: ServiceItem | None) -> list[tuple[str, str]]:
    if item is None:
        return []
    problems = []
    if content.implementation_code != item.implementation_code:
        problems.append(("implementation_code", _("Does not match the service item's implementation code.")))
    if content.name != item.name:
        problems.append(("name", _("Does not match the catalogue name “%(name)s”.") % {"name": item.name}))
    if content.item_type != item.item_type:
        problems.append(("item_type", _("Does not match the catalogue item type.")))
    if content.department not in {item.department.code, item.catalogue_department_code}:
        problems.append(
            (
                "department",
                _("Does not match the catalogue department “%(name)s”.") % {"name": item.department},
            )
        )
    return problems


def _mandatory_element_problems(content: GuideContent, *, is_power: bool) -> list[tuple[str, str]]:
    missing = _("This mandatory element is missing.")
    required: list[tuple[str, object]] = [
        ("audiences", content.audiences),
        ("conditions", content.conditions),
        ("materials", content.materials),
        ("legal_limit_days", content.legal_limit_days is not None),
        ("promised_limit_days", content.promised_limit_days is not None),
        ("result.name", content.result.name),
        ("result.delivery", content.result.delivery),
        ("place", content.place),
        ("hours", content.hours),
        ("contact_phone", content.contact_phone),
        ("complaint_phone", content.complaint_phone),
        ("effective_date", content.effective_date is not None),
    ]
    if is_power:  # an administrative power rests on law; a public service may not
        required.append(("legal_basis", content.legal_basis))
    if content.item_type == "licence":  # 行政许可法 Art. 30: the conditions for refusal are public
        required.append(("refusal_reasons", content.refusal_reasons))
    problems = [(element, missing) for element, present in required if not present]
    problems += [
        (f"legal_basis.{index}.law", missing)
        for index, basis in enumerate(content.legal_basis)
        if not basis.law
    ]
    return problems


def _time_limit_problems(content: GuideContent) -> list[tuple[str, str]]:
    legal, promised = content.legal_limit_days, content.promised_limit_days
    if legal is not None and promised is not None and promised > legal:
        return [
            (
                "promised_limit_days",
                _("The promised limit (%(promised)s working days) exceeds the legal limit (%(legal)s).")
                % {"promised": promised, "legal": legal},
            )
        ]
    return []


def _catch_all_problems(element: str, texts: Iterable[str]) -> list[tuple[str, str]]:
    return [
        (
            f"{element}.{index}",
            _("Catch-all wording “%(text)s”: name exactly what is required.") % {"text": text},
        )
        for index, text in enumerate(texts)
        if _CATCH_ALL.search(text)
    ]


def _material_problems(content: GuideContent) -> list[tuple[str, str]]:
    problems = _catch_all_problems("materials", (material.name for material in content.materials))
    problems = [(f"{element}.name", message) for element, message in problems]
    for index, material in enumerate(content.materials):
        element = f"materials.{index}"
        if material.source is None:
            problems.append((f"{element}.source", _("The material has no source.")))
        if material.necessity is None:
            problems.append((f"{element}.necessity", _("The material has no necessity.")))
        if material.source == "shared":
            if not material.data_service:
                problems.append(
                    (
                        f"{element}.data_service",
                        _("A shared material must name the data service it comes from."),
                    )
                )
            elif material.data_service not in DATA_SERVICES:
                problems.append(
                    (
                        f"{element}.data_service",
                        _("Unknown data service “%(name)s”.") % {"name": material.data_service},
                    )
                )
        elif material.data_service:
            problems.append((f"{element}.data_service", _("Only shared materials name a data service.")))
        if material.subject is not None and material.source != "shared":
            problems.append((f"{element}.subject", _("Only shared materials name whom they are about.")))
    return problems


def _visit_problems(content: GuideContent) -> list[tuple[str, str]]:
    depth, visits = content.online_depth, content.visits
    if depth == 4 and visits != 0:
        return [("visits", _("A service done fully online (depth 4) needs no visit."))]
    if depth == 3 and visits > 1:
        return [("visits", _("A service with online pre-review (depth 3) needs at most one visit."))]
    if depth <= 2 and visits == 0:
        return [("visits", _("Zero visits needs online application (depth 3 or 4)."))]
    if visits == 0 and content.result.delivery and not _DELIVERY_WITHOUT_VISIT & set(content.result.delivery):
        return [("result.delivery", _("Zero visits, but the result can only be collected at the window."))]
    return []
