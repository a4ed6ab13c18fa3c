"""The data services of the resource catalogue (政务信息资源目录): names, schemas, sharing classes, legal bases.

Plain data, read by the seeding migration and the demo. The names are those the catalogue's guides cite
(:data:`yiwang.catalog.checks.DATA_SERVICES`); the demo names each service's provider department.
"""

from __future__ import annotations

from typing import Any

from yiwang.catalog.checks import DATA_SERVICES

UNCONDITIONAL, CONDITIONAL, NOT_SHARED = "unconditional", "conditional", "not_shared"


def _fields(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "label": label} for name, label in pairs]


_PERSON_DETAILS = _fields(
    ("resident_id", "公民身份号码"),
    ("name", "姓名"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("ethnicity", "民族"),
    ("household_number", "户号"),
    ("address", "户籍地址"),
    ("relation_to_head", "与户主关系"),
    ("members", "户内成员"),
)

# name → (subject kind, fields, sharing class, legal basis, provider department's short name in the demo)
SERVICES: dict[str, tuple[str, list[dict[str, str]], str, str, str]] = {
    "人口.身份核验": (
        "resident_id",
        _fields(("match", "姓名与公民身份号码是否一致")),
        UNCONDITIONAL,
        "《中华人民共和国居民身份证法》第十三条、第十四条",
        "区公安分局",
    ),
    "人口.户籍信息": (
        "resident_id",
        _PERSON_DETAILS,
        CONDITIONAL,
        "《中华人民共和国户口登记条例》；《政务信息资源共享管理暂行办法》第十条",
        "区公安分局",
    ),
    "人口.婚姻状况": (
        "resident_id",
        _fields(
            ("marital_status", "婚姻状况"),
            ("spouse_name", "配偶姓名"),
            ("spouse_resident_id", "配偶公民身份号码"),
            ("married_on", "登记结婚日期"),
        ),
        CONDITIONAL,
        "《婚姻登记条例》第二条",
        "区公安分局",
    ),
    "人口.出生医学证明": (
        "resident_id",
        _fields(("births", "出生医学证明（本人或其子女）")),
        CONDITIONAL,
        "《中华人民共和国母婴保健法》第二十三条",
        "区卫健局",
    ),
    "人口.死亡信息": (
        "resident_id",
        _fields(("deceased", "是否死亡"), ("death_date", "死亡日期")),
        CONDITIONAL,
        "《中华人民共和国户口登记条例》第八条",
        "区公安分局",
    ),
    "人口.学历信息": ("resident_id", _fields(("degrees", "学历")), CONDITIONAL, "", "区教科体局"),
    "人口.无犯罪记录": ("resident_id", _fields(("has_record", "有无犯罪记录")), NOT_SHARED, "", "区公安分局"),
    "法人.登记信息": (
        "uscc",
        _fields(
            ("uscc", "统一社会信用代码"),
            ("name", "名称"),
            ("entity_type", "类型"),
            ("legal_representative_name", "法定代表人"),
            ("registered_address", "住所"),
            ("registered_capital", "注册资本（万元）"),
            ("status", "登记状态"),
            ("established_on", "成立日期"),
            ("closed_on", "注销或吊销日期"),
        ),
        UNCONDITIONAL,
        "《企业信息公示暂行条例》第六条",
        "区市监局",
    ),
    "法人.法定代表人核验": (
        "uscc",
        _fields(("match", "该公民身份号码是否为其登记的法定代表人")),
        UNCONDITIONAL,
        "《中华人民共和国市场主体登记管理条例》第八条",
        "区市监局",
    ),
    "法人.许可信息": ("uscc", _fields(("permits", "行政许可")), CONDITIONAL, "", "区市监局"),
    "社保.参保信息": ("resident_id", _fields(("insured", "参保信息")), CONDITIONAL, "", "区人社局"),
    "医保.参保信息": ("resident_id", _fields(("insured", "参保信息")), CONDITIONAL, "", "区医疗保障局"),
    "民政.救助信息": ("resident_id", _fields(("assistance", "救助信息")), CONDITIONAL, "", "区民政局"),
    "残联.残疾人信息": ("resident_id", _fields(("disability", "残疾人证信息")), CONDITIONAL, "", "区残联"),
    "不动产.登记信息": (
        "holder",
        _fields(("properties", "不动产权利")),
        CONDITIONAL,
        "",
        "区自然资源和规划局",
    ),
    "规划.许可信息": ("uscc", _fields(("permits", "规划许可")), CONDITIONAL, "", "区自然资源和规划局"),
    "证照.按持证人查询": (
        "holder",
        _fields(("licences", "持有的电子证照")),
        CONDITIONAL,
        "《国务院关于在线政务服务的若干规定》第十条",
        "区行政审批局",
    ),
    "证照.按证照编号查询": (
        "licence_number",
        _fields(
            ("number", "证照编号"),
            ("type_name", "证照名称"),
            ("holder_name", "持证人"),
            ("issuer_name", "发证机关"),
            ("valid_from", "有效期起"),
            ("valid_until", "有效期至"),
            ("status", "状态"),
        ),
        UNCONDITIONAL,
        "《国务院关于在线政务服务的若干规定》第十条",
        "区行政审批局",
    ),
}

# Departments the demo allows to use every conditional service (其余部门须另行申请).
DEMO_CONDITIONAL_CONSUMERS = (
    "区行政审批局",
    "区公安分局",
    "区民政局",
    "区卫健局",
    "区人社局",
    "区市监局",
    "区住建局",
    "区医疗保障局",
    "区残联",
    "区教科体局",
)


def service_rows() -> list[dict[str, Any]]:
    """The catalogue as rows for :class:`yiwang.registries.models.DataService` (without providers)."""
    return [
        {
            "name": name,
            "title": DATA_SERVICES[name],
            "subject_kind": subject_kind,
            "fields": fields,
            "sharing_class": sharing_class,
            "legal_basis": legal_basis,
        }
        for name, (subject_kind, fields, sharing_class, legal_basis, _provider) in SERVICES.items()
    ]
