"""Load the demo district (演示区县): divisions, the 34 departments of 广安区, staff and citizens.

The 20 demo companies are in the legal-entity registry (:mod:`yiwang.registries.population`), each represented
by a verified demo citizen, who claims it on the platform (企业认领) like any company's representative.

Deterministic and idempotent: every row is found by its natural key and only written when missing or different,
so loading twice changes nothing. Everything is written in one transaction with an audit record per row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts.models import AgentRole, AssuranceLevel, CompanyAgent, User, UserKind
from yiwang.catalog import importer
from yiwang.core.audit import record_audit
from yiwang.demo import identities
from yiwang.demo.departments import CATALOGUE_CSV, PLATFORM_OPERATOR, PROFILES, catalogue_departments
from yiwang.licences.models import LicenceType
from yiwang.org.models import Department, Division, DivisionLevel, Role, StaffRole
from yiwang.routing import queries as routing_queries
from yiwang.routing.actions import do_retrain, do_seed_demo_labels
from yiwang.search.tasks import reindex_all
from yiwang.workflow.actions import do_activate_definition, do_load_definition, read_definition_file
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE
from yiwang.workflow.models import DefinitionStatus, ProcessDefinition

DEMO_PASSWORD = "Yiwang-Demo-2026"  # noqa: S105 - the documented password of every demo account
DEMO_DEVICE_NAME = "demo-totp"
CITIZEN_COUNT = 200
COMPANY_COUNT = 20
_PASSWORD_SALT = "yiwangdemo2026"  # noqa: S105 - a fixed salt keeps the demo password hash deterministic
_VERIFIED_AT = dt.datetime(2026, 1, 5, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
_SENSITIVE_FIELDS = {"password", "resident_id", "legal_representative_id", "key"}

ModelT = TypeVar("ModelT", bound=models.Model)

# (code, name, level, parent code)
DIVISIONS: list[tuple[str, str, str, str | None]] = [
    ("510000000000", "四川省", DivisionLevel.PROVINCE, None),
    ("511600000000", "广安市", DivisionLevel.CITY, "510000000000"),
    ("511602000000", "广安区", DivisionLevel.COUNTY, "511600000000"),
]
_TOWNS: list[tuple[str, str, list[str]]] = [
    ("001", "浓洄街道", ["南门社区", "浓洄社区", "桂花村"]),
    ("002", "北辰街道", ["北辰社区", "思源社区", "东门社区"]),
    ("003", "广福街道", ["广福社区", "金安社区"]),
    ("004", "万盛街道", ["万盛社区", "银杏社区", "桃园村"]),
    ("005", "中桥街道", ["中桥社区", "渠江社区"]),
    ("006", "枣山街道", ["枣山社区", "果山村", "红庙村"]),
    ("101", "悦来镇", ["悦来社区", "石笋村"]),
    ("102", "龙台镇", ["龙台社区", "文昌村", "双河村"]),
]
for _town_digits, _town_name, _villages in _TOWNS:
    _town_code = f"511602{_town_digits}000"
    DIVISIONS.append((_town_code, _town_name, DivisionLevel.TOWN, "511602000000"))
    for _number, _village_name in enumerate(_villages, start=1):
        _village_number = _number if _village_name.endswith("社区") else 200 + _number
        DIVISIONS.append(
            (f"511602{_town_digits}{_village_number:03d}", _village_name, DivisionLevel.VILLAGE, _town_code)
        )

SUPERVISION_OFFICE = "区政务数据督查室"

_STREETS = ("渠江北路", "建设路", "金安大道", "洪洲大道", "城南大道", "思源大道", "白塔路", "滨河路")

# (username, real name, department short name in the catalogue, roles)
STAFF: list[tuple[str, str, str, list[str]]] = [
    ("staff-platform-admin", "罗建国", "区行政审批局", [Role.PLATFORM_ADMIN]),
    ("staff-spj-admin", "何丽华", "区行政审批局", [Role.DEPARTMENT_ADMIN]),
    ("staff-spj-clerk", "邓小梅", "区行政审批局", [Role.WINDOW_CLERK]),
    ("staff-spj-station", "向春燕", "区行政审批局", [Role.STATION_CLERK]),
    ("staff-spj-reviewer", "蒋志刚", "区行政审批局", [Role.REVIEWER]),
    ("staff-spj-approver", "唐文斌", "区行政审批局", [Role.APPROVER]),
    ("staff-spj-dispatcher-1", "冯雪", "区行政审批局", [Role.DISPATCHER]),
    ("staff-spj-dispatcher-2", "曾俊", "区行政审批局", [Role.DISPATCHER]),
    ("staff-spj-supervisor", "彭永红", "区行政审批局", [Role.SUPERVISOR]),
    ("staff-dcs-supervisor", "白志明", "区政务数据督查室", [Role.SUPERVISOR]),
    ("staff-scjg-admin", "袁德明", "区市监局", [Role.DEPARTMENT_ADMIN]),
    ("staff-scjg-clerk", "周晓燕", "区市监局", [Role.WINDOW_CLERK]),
    ("staff-scjg-reviewer", "吴海", "区市监局", [Role.REVIEWER]),
    ("staff-scjg-approver", "郑国强", "区市监局", [Role.APPROVER]),
    ("staff-wjj-admin", "谢春梅", "区卫健局", [Role.DEPARTMENT_ADMIN]),
    ("staff-wjj-clerk", "杨婷", "区卫健局", [Role.WINDOW_CLERK]),
    ("staff-wjj-reviewer", "黄明", "区卫健局", [Role.REVIEWER]),
    ("staff-wjj-approver", "林秀英", "区卫健局", [Role.APPROVER]),
    ("staff-rsj-admin", "孙建华", "区人社局", [Role.DEPARTMENT_ADMIN]),
    ("staff-rsj-clerk", "马静", "区人社局", [Role.WINDOW_CLERK]),
    ("staff-rsj-reviewer", "朱晓东", "区人社局", [Role.REVIEWER]),
    ("staff-rsj-approver", "胡桂兰", "区人社局", [Role.APPROVER]),
    ("staff-mzj-admin", "郭永平", "区民政局", [Role.DEPARTMENT_ADMIN]),
    ("staff-mzj-clerk", "高欣怡", "区民政局", [Role.WINDOW_CLERK]),
    ("staff-mzj-reviewer", "梁文博", "区民政局", [Role.REVIEWER]),
    ("staff-mzj-approver", "宋玉兰", "区民政局", [Role.APPROVER]),
    ("staff-gaj-admin", "韩志强", "区公安分局", [Role.DEPARTMENT_ADMIN]),
    ("staff-gaj-clerk", "曹佳怡", "区公安分局", [Role.WINDOW_CLERK]),
    ("staff-gaj-reviewer", "许浩然", "区公安分局", [Role.REVIEWER]),
    ("staff-gaj-approver", "董红霞", "区公安分局", [Role.APPROVER]),
    ("staff-zjj-clerk", "潘思琪", "区住建局", [Role.WINDOW_CLERK]),
    ("staff-zjj-approver", "田家豪", "区住建局", [Role.APPROVER, Role.REVIEWER]),
    ("staff-jtj-clerk", "蔡雨涵", "区交通运输局", [Role.WINDOW_CLERK]),
    ("staff-jtj-approver", "肖俊杰", "区交通运输局", [Role.APPROVER, Role.REVIEWER]),
]

_COMPANY_NAMES = (
    "广安渠江商贸有限公司", "广安思源餐饮管理有限公司", "广安金安建筑工程有限公司", "广安北辰信息科技有限公司",
    "广安白塔物流有限公司", "广安浓洄农业开发有限公司", "广安枣山果业专业合作社", "广安万盛家政服务有限公司",
    "广安中桥汽车维修有限公司", "广安广福医药连锁有限公司", "广安悦来食品有限公司", "广安龙台建材有限公司",
    "广安洪洲文化传媒有限公司", "广安滨河酒店管理有限公司", "广安城南教育咨询有限公司", "广安桂花物业服务有限公司",
    "广安银杏电子商务有限公司", "广安文昌印务有限公司", "广安双河水产养殖有限公司", "广安桃园旅游开发有限公司",
)  # fmt: skip


@dataclass
class LoadReport:
    """What a load created or changed, per model (e.g. ``org.department``)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


def _audit_value(name: str, value: Any) -> Any:
    if name in _SENSITIVE_FIELDS:
        return "***"
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


class _Upserter:
    """Write one row by natural key, only if it is missing or differs, with an audit record."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report

    def __call__(
        self,
        model: type[ModelT],
        lookup: dict[str, Any],
        values: dict[str, Any],
        create_only: dict[str, Any] | None = None,
    ) -> ModelT:
        label = model._meta.label_lower
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values, **(create_only or {}))
            obj.clean_fields()
            obj.save(force_insert=True)
            changes = {name: _audit_value(name, value) for name, value in {**lookup, **values}.items()}
            record_audit(None, f"demo.{model._meta.model_name}_created", obj, changes)
            self.report.created[label] += 1
            return obj
        changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(obj, name, value)
            obj.clean_fields()
            obj.save(update_fields=list(changed))
            changes = {name: _audit_value(name, value) for name, value in changed.items()}
            record_audit(None, f"demo.{model._meta.model_name}_updated", obj, changes)
            self.report.updated[label] += 1
        return obj


def _load_divisions(upsert: _Upserter) -> dict[str, Division]:
    divisions: dict[str, Division] = {}
    for code, name, level, parent_code in DIVISIONS:
        parent = divisions[parent_code] if parent_code else None
        divisions[code] = upsert(Division, {"code": code}, {"name": name, "level": level, "parent": parent})
    return divisions


def _load_departments(upsert: _Upserter, county: Division) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for index, entry in enumerate(catalogue_departments(), start=1):
        full_name, duties = PROFILES[entry.short_name]
        departments[entry.short_name] = upsert(
            Department,
            {"code": entry.code},
            {
                "name": full_name,
                "short_name": entry.short_name,
                "uscc": identities.uscc("11", full_name),
                "division": county,
                "duties": duties,
                "phone": f"0826-23{index + 30:02d}{(index * 37) % 100:02d}{index % 10}",
                "address": f"广安市广安区{_STREETS[index % len(_STREETS)]}{index * 3 + 1}号",
                "is_platform_operator": entry.short_name == PLATFORM_OPERATOR,
            },
        )
    # The platform supervision office (政务数据督查室): its supervisors receive the data-access alerts of
    # departments that have no supervisor of their own.
    departments[SUPERVISION_OFFICE] = upsert(
        Department,
        {"code": "511602-dcs"},
        {
            "name": "广安市广安区政务数据督查室",
            "short_name": SUPERVISION_OFFICE,
            "uscc": identities.uscc("11", "广安市广安区政务数据督查室"),
            "phone": "0826-2345678",
            "address": "广安市广安区建设路1号",
            "division": county,
            "duties": "监督各部门查询、使用基础库和共享数据的行为，核查群众举报和异常查询预警。",
            "is_supervision_office": True,
        },
    )
    return departments


def _load_staff(upsert: _Upserter, departments: dict[str, Department], password_hash: str) -> None:
    for username, real_name, department_name, roles in STAFF:
        is_platform_admin = Role.PLATFORM_ADMIN in roles
        user = upsert(
            User,
            {"username": username},
            {
                "kind": UserKind.STAFF,
                "real_name": real_name,
                "is_active": True,
                "is_staff": is_platform_admin,  # the platform admin also manages reference data in /admin/
                "is_superuser": is_platform_admin,
            },
            create_only={"password": password_hash},
        )
        upsert(
            TOTPDevice,
            {"user": user, "name": DEMO_DEVICE_NAME},
            {"key": identities.totp_key(username), "confirmed": True},
        )
        for role in roles:
            upsert(StaffRole, {"user": user, "department": departments[department_name], "role": role}, {})


def _load_citizens(upsert: _Upserter, password_hash: str) -> list[User]:
    citizens = []
    for index in range(1, CITIZEN_COUNT + 1):
        phone = identities.citizen_phone(index)
        level = {0: AssuranceLevel.L1, 1: AssuranceLevel.L3}.get(index % 10, AssuranceLevel.L2)
        citizens.append(
            upsert(
                User,
                {"username": phone},
                {
                    "kind": UserKind.CITIZEN,
                    "real_name": identities.citizen_name(index),
                    "phone": phone,
                    # An L1 account has only claimed its number; it is bound once verified.
                    "resident_id": None if level == AssuranceLevel.L1 else identities.resident_id(index),
                    "claimed_resident_id": identities.resident_id(index)
                    if level == AssuranceLevel.L1
                    else "",
                    "assurance_level": level,
                    "assurance_verified_at": None if level == AssuranceLevel.L1 else _VERIFIED_AT,
                },
                # The carrier confirmed the number when the demo was loaded: a delegation code can reach it at
                # once, and after PHONE_TRUST_MAX_AGE_DAYS the citizen re-confirms it, as anyone would.
                create_only={
                    "password": password_hash,
                    "phone_verified_at": None if level == AssuranceLevel.L1 else timezone.now(),
                },
            )
        )
    return citizens


def _retire_stuck_company_roles() -> None:
    """Remove the never-approved legal-representative rows earlier versions of the demo created for its companies.

    The demo companies live in the legal-entity registry only; their representatives claim them like anyone else
    (企业认领). A row that was never approved grants nothing, so removing it changes no one's rights.
    """
    usccs = [identities.uscc("91", name) for name in _COMPANY_NAMES[:COMPANY_COUNT]]
    stuck = CompanyAgent.objects.filter(
        company__uscc__in=usccs,
        role=AgentRole.LEGAL_REPRESENTATIVE,
        approved_at__isnull=True,
        granted_by__isnull=True,
        revoked_at__isnull=True,
    )
    for agent in stuck:
        record_audit(None, "demo.companyagent_deleted", agent, {"reason": "never approved; claim instead"})
        agent.delete()


def demo_password_hash() -> str:
    """The stored hash of the published demo password (fixed salt): how a demo account is recognised."""
    return make_password(DEMO_PASSWORD, salt=_PASSWORD_SALT)


def load_demo() -> LoadReport:
    """Load (or bring up to date) the whole demo district in one transaction."""
    report = LoadReport()
    upsert = _Upserter(report)
    password_hash = demo_password_hash()
    with transaction.atomic():
        divisions = _load_divisions(upsert)
        departments = _load_departments(upsert, divisions["511602000000"])
        _load_staff(upsert, departments, password_hash)
        _load_citizens(upsert, password_hash)
        _retire_stuck_company_roles()
        _load_licence_types(upsert)
        _load_process_definition()
    return report


# Licence types (证照类型) of the demo guides' results: code, name as in the guides, number prefix, validity in years.
LICENCE_TYPES = (
    ("food-business", "食品经营许可证", "JY2511602", 5),
    ("business-licence", "营业执照", "YZ511602", None),
    ("business-licence-e", "营业执照（电子营业执照同步生成）", "YZE511602", None),
    ("public-place-hygiene", "公共场所卫生许可证", "WS511602", 4),
    ("road-occupation", "城市道路占用（挖掘）许可证", "DL511602", None),
    ("outdoor-advertising", "户外广告设置许可证", "GG511602", 3),
    ("construction-permit", "建筑工程施工许可证", "SG511602", None),
    ("ride-hailing-vehicle", "网络预约出租汽车运输证", "WY511602", 8),
    ("teacher-qualification", "教师资格证书", "JS511602", None),
    ("disability-certificate", "残疾人证（第二代，含电子证照）", "CJ511602", 10),
    ("birth-certificate", "出生医学证明", "CS511602", None),
    ("no-criminal-record", "无犯罪记录证明", "WF511602", None),
)


def _load_licence_types(upsert: _Upserter) -> None:
    for code, name, prefix, validity_years in LICENCE_TYPES:
        upsert(
            LicenceType,
            {"code": code},
            {"name": name, "number_prefix": prefix, "validity_years": validity_years},
        )


def _load_process_definition() -> None:
    """Load and activate the shipped licence process (流程定义) unless its newest version is the same."""
    spec = read_definition_file(LICENCE_DEFINITION_FILE)
    latest = ProcessDefinition.objects.filter(key=spec["key"]).order_by("-version").first()
    stored = latest if latest is not None and latest.spec == spec else do_load_definition(None, spec)
    if stored.status != DefinitionStatus.ACTIVE:
        do_activate_definition(None, stored.key, stored.version)


@dataclass
class CatalogueReport:
    """What loading the demo catalogue did: items imported, guides/bundles loaded, documents indexed."""

    items: dict[str, int]
    guides: dict[str, int]
    indexed: dict[str, int]
    problems: list[str]


def load_demo_catalogue() -> CatalogueReport:
    """Import the district's 1,135 service items, publish the demo guides and bundles, and build the search index.

    Each step is idempotent: unchanged items and guides are left alone, so running it again changes nothing.
    """
    imported = importer.import_items(CATALOGUE_CSV, "csv")
    loaded = importer.load_files([importer.GUIDES_DIR, importer.BUNDLES_DIR])
    problems = [f"row {number}: {reason}" for number, reason in imported.errors] + list(loaded.problems)
    return CatalogueReport(dict(imported.counts), dict(loaded.counts), reindex_all(), problems)


def load_demo_routing() -> str:
    """Seed the team's demo messages as routing labels and train the router when they changed (cold start)."""
    seeded = do_seed_demo_labels(None)
    if seeded == 0 and routing_queries.active_model() is not None:
        return "routing model already trained on the demo messages"
    outcome = do_retrain(None)
    version = outcome.model.version if outcome.model is not None else "unchanged"
    return f"routing: {seeded} demo messages seeded, model {version} ({outcome.n_samples} samples)"


def demo_totp_code(username: str) -> str | None:
    """The current authenticator code of a demo staff account, or None unless it is one.

    A demo account has a device named "demo…" whose key is the demo key of its name, so a real account's secret
    is never revealed, even if its device were renamed.
    """
    device = TOTPDevice.objects.filter(
        user__username=username, name__startswith="demo", confirmed=True
    ).first()
    if device is None or device.key != identities.totp_key(username):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
