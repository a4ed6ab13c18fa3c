"""`yiwang demo load`: the demo district of 广安区, deterministic, idempotent and valid."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from yiwang.accounts.actions import do_claim_company
from yiwang.accounts.models import AgentRole, AssuranceLevel, Company, CompanyAgent, User, UserKind
from yiwang.catalog.importer import GUIDES_DIR
from yiwang.catalog.models import Bundle, GuideStatus, GuideVersion, ServiceItem
from yiwang.core.audit import verify_chain
from yiwang.core.models import AuditRecord
from yiwang.core.validators import validate_resident_id, validate_uscc
from yiwang.demo import identities
from yiwang.demo.departments import catalogue_departments, department_code_for
from yiwang.demo.loader import _COMPANY_NAMES, COMPANY_COUNT, DEMO_PASSWORD, STAFF, load_demo
from yiwang.licences.models import LicenceType
from yiwang.org.models import Department, Division, DivisionLevel, Role, StaffRole
from yiwang.registries.models import Entity
from yiwang.routing import router
from yiwang.search.backends.base import SearchQuery
from yiwang.search.queries import search
from yiwang.workflow.models import DefinitionStatus, ProcessDefinition

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]

COUNTED = (Division, Department, User, StaffRole, TOTPDevice, Company, CompanyAgent, AuditRecord)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _load() -> str:
    """``yiwang demo load`` with a small population registry: quick; the default (100,000) is for `make run`."""
    return _run("load", "--population", "1000")


def test_loading_twice_changes_nothing() -> None:
    _load()
    first = _counts()
    hashes = dict(User.objects.values_list("username", "password"))
    output = _load()
    assert "already up to date" in output
    assert _counts() == first
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert verify_chain().ok


def test_demo_catalogue_is_published_and_searchable() -> None:
    output = _load()
    assert "service items: created 1135" in output
    assert ServiceItem.objects.count() == 1135
    assert GuideVersion.objects.filter(status=GuideStatus.PUBLISHED).count() >= 25
    assert Bundle.objects.filter(code="newborn").exists()
    results = search(SearchQuery(text="生孩子要办什么"))
    assert "新生儿出生一件事" in [hit.title for hit in results.hits[:3]]
    again = _load()
    assert "service items: unchanged 1135" in again
    assert "routing model already trained" in again
    wages = router.propose("公司拖欠工资三个月了，老板一直不发")
    assert Department.objects.get(code=wages.departments[0]).name == "广安市广安区人力资源和社会保障局"


def test_a_changed_row_is_put_back_and_audited() -> None:
    load_demo()
    Department.objects.filter(short_name="区民政局").update(phone="110")
    report = load_demo()
    assert report.updated == {"org.department": 1}
    assert not report.created
    assert Department.objects.get(short_name="区民政局").phone != "110"
    assert AuditRecord.objects.filter(action="demo.department_updated").count() == 1


def test_district_has_the_34_departments_and_enough_people() -> None:
    load_demo()
    # The 34 departments of the catalogue, and the platform supervision office (政务数据督查室).
    assert Department.objects.count() == 35 == len(catalogue_departments()) + 1
    assert Department.objects.get(is_supervision_office=True).name == "广安市广安区政务数据督查室"
    operator = Department.objects.get(is_platform_operator=True)
    assert operator.name == "广安市广安区行政审批局"
    assert all(
        department.duties and department.phone and department.address
        for department in Department.objects.all()
    )
    staff = User.objects.filter(kind=UserKind.STAFF)
    assert staff.count() >= 30
    assert StaffRole.objects.filter(role=Role.PLATFORM_ADMIN, department=operator).count() == 1
    assert StaffRole.objects.filter(role=Role.DISPATCHER, department=operator).count() >= 2
    assert StaffRole.objects.filter(role=Role.DEPARTMENT_ADMIN).count() >= 5
    assert User.objects.filter(kind=UserKind.CITIZEN).count() == 200
    assert not CompanyAgent.objects.exists()  # the representatives claim their companies (企业认领)


def test_divisions_form_a_tree_down_to_villages() -> None:
    load_demo()
    county = Division.objects.get(code="511602000000")
    assert county.name == "广安区"
    assert county.parent is not None and county.parent.code == "511600000000"
    towns = Division.objects.filter(parent=county)
    assert towns.count() >= 6
    for town in towns:
        assert town.level == DivisionLevel.TOWN
        assert town.code.startswith("511602") and town.code.endswith("000")
        assert 2 <= town.children.count() <= 3
    assert all(len(division.code) == 12 for division in Division.objects.all())


def test_every_generated_identifier_is_valid() -> None:
    load_demo()
    for uscc in [
        *Department.objects.values_list("uscc", flat=True),
        *(identities.uscc("91", name) for name in _COMPANY_NAMES[:COMPANY_COUNT]),
    ]:
        validate_uscc(uscc)
    assert all(uscc.startswith("11511602") for uscc in Department.objects.values_list("uscc", flat=True))
    for citizen in User.objects.filter(kind=UserKind.CITIZEN):
        # An L1 demo account has only claimed its number; verified ones have it bound.
        resident_id = citizen.resident_id or citizen.claimed_resident_id
        assert bool(citizen.resident_id) == (citizen.assurance_level >= 2)
        validate_resident_id(resident_id)
        assert resident_id.startswith("511602")
        assert citizen.username == citizen.phone and citizen.phone.startswith("1390000")
        assert 1950 <= int(resident_id[6:10]) <= 2005
    with pytest.raises(ValidationError):
        validate_resident_id("511602199001010000")  # the validator really rejects a bad one


def test_demo_representatives_claim_their_companies(settings: Settings, tmp_path: Path) -> None:
    """Each demo company is in the legal-entity registry; its representative, a verified demo citizen, claims it
    through the registry check and acts for it at once."""
    settings.DATA_DIR = tmp_path  # the registry departments' signing keys
    _load()
    for name in _COMPANY_NAMES[:COMPANY_COUNT]:
        uscc = identities.uscc("91", name)
        entity = Entity.objects.get(uscc=uscc)
        representative = User.objects.get(resident_id=entity.legal_representative_id)
        assert representative.kind == UserKind.CITIZEN
        assert representative.assurance_level >= AssuranceLevel.L2
        agent = do_claim_company(representative, uscc=uscc)
        assert agent.is_active_at(timezone.now())
        assert (agent.company.name, agent.company.legal_representative_name) == (
            name,
            representative.real_name,
        )


def test_loading_removes_the_never_approved_company_roles_of_earlier_demos() -> None:
    load_demo()
    company = Company.objects.create(
        uscc=identities.uscc("91", _COMPANY_NAMES[0]),
        name=_COMPANY_NAMES[0],
        legal_representative_name="李强",
        legal_representative_id="",
    )
    owner = User.objects.get(username="13900000001")
    CompanyAgent.objects.create(company=company, user=owner, role=AgentRole.LEGAL_REPRESENTATIVE)
    load_demo()
    assert not CompanyAgent.objects.exists()
    assert AuditRecord.objects.filter(action="demo.companyagent_deleted").count() == 1


def test_demo_accounts_share_the_documented_password_and_have_a_confirmed_device() -> None:
    load_demo()
    clerk = User.objects.get(username="staff-scjg-clerk")
    assert check_password(DEMO_PASSWORD, clerk.password)
    assert check_password(DEMO_PASSWORD, User.objects.get(username="13900000001").password)
    device = TOTPDevice.objects.get(user=clerk)
    assert device.confirmed and device.name.startswith("demo")
    assert len(bytes.fromhex(device.key)) == 20
    assert AuditRecord.objects.filter(action="demo.totpdevice_created").first().changes["key"] == "***"
    assert not AuditRecord.objects.filter(changes__icontains=device.key).exists()


def test_totp_command_prints_the_current_code_of_a_demo_account() -> None:
    load_demo()
    device = TOTPDevice.objects.get(user__username="staff-scjg-clerk")
    code = _run("totp", "staff-scjg-clerk").strip()
    assert len(code) == 6
    assert device.verify_token(code)
    assert code == f"{TOTP(device.bin_key).token():06d}"


def test_totp_command_refuses_other_accounts() -> None:
    load_demo()
    real = User.objects.create(username="real-staff", kind=UserKind.STAFF)
    TOTPDevice.objects.create(user=real, name="demo phone", confirmed=True)  # named "demo…" but a real secret
    for username in ("real-staff", "13900000001", "nobody"):
        with pytest.raises(CommandError, match="not a demo staff account"):
            _run("totp", username)


def test_demo_clerk_sees_own_department_only(client: Client, login_verified_staff: Login) -> None:
    load_demo()
    login_verified_staff(client, User.objects.get(username="staff-scjg-clerk"))
    market = Department.objects.get(short_name="区市监局")
    health = Department.objects.get(short_name="区卫健局")
    assert client.get(f"/org/departments/{market.code}/staff/").status_code == 200
    assert client.get(f"/org/departments/{health.code}/staff/").status_code == 403
    assert client.get(f"/api/v1/departments/{health.code}/staff").status_code == 403


def test_catalogue_sub_unit_codes_map_to_their_department() -> None:
    assert department_code_for("1151130108778239R_5143") == "1151130108778239R"  # 区人社局
    assert department_code_for("11736") == "11511301008778386B"  # 区交通运输局
    assert department_code_for("no-such-code") is None


def test_demo_logins_document_lists_every_staff_login_and_the_password() -> None:
    document = (Path(__file__).resolve().parents[2] / "docs" / "demo-logins.md").read_text(encoding="utf-8")
    assert DEMO_PASSWORD in document
    for username, real_name, _department, _roles in STAFF:
        assert f"`{username}` | {real_name}" in document


def test_demo_can_run_applications_licence_process_and_types() -> None:
    load_demo()
    load_demo()  # idempotent: no second version of the process, no duplicate types
    active = ProcessDefinition.objects.get(key="licence", status=DefinitionStatus.ACTIVE)
    assert ProcessDefinition.objects.filter(key="licence").count() == 1
    assert active.version == 1
    guide_types = {
        (json.loads(path.read_text()).get("result") or {}).get("licence_type", "")
        for path in GUIDES_DIR.glob("*.json")
    } - {""}
    registered = set(LicenceType.objects.values_list("name", flat=True))
    assert guide_types - registered <= {"居民户口簿", "居民身份证", "社会保障卡", "结婚证"}, (
        guide_types - registered
    )


def test_demo_citizens_can_confirm_a_delegation_on_their_own_phone_right_after_loading() -> None:
    from yiwang.accounts.verification import phone_trust_is_current

    load_demo()
    verified = User.objects.filter(kind=UserKind.CITIZEN, assurance_level__gte=2)
    assert verified.exists() and all(phone_trust_is_current(citizen) for citizen in verified)
    first = {citizen.pk: citizen.phone_verified_at for citizen in verified}
    load_demo()  # loading again changes nothing
    assert {citizen.pk: citizen.phone_verified_at for citizen in verified.all()} == first
