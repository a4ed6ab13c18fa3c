# ruff: noqa: F811 - the registries' district fixture is imported and used as a parameter
"""Company claims (企业认领) checked against the legal-entity registry, and the agents who act for a company.

Attack 2 of issue 10 (companies): anyone could make themself the approved legal representative of any company by
typing their own resident ID number as the representative's. Now the claim asks the registry, through the
exchange, whether the claimant's *verified* resident ID number is the registered representative's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from tests.accounts.fakes import FakeLegalEntityRegistry
from tests.factories import CitizenFactory, StaffFactory, make_resident_id, make_uscc
from tests.registries.conftest import (  # noqa: F401 - fixtures used by these tests
    District,
    _private_key_directory,
    district,
)
from yiwang.accounts.actions import (
    CompanyClaimRefused,
    do_authorise_agent,
    do_claim_company,
    do_revoke_agent,
    verify_identity_url,
)
from yiwang.accounts.company_registry import EntityRegistration
from yiwang.accounts.models import AgentRole, AssuranceLevel, Company, CompanyAgent, User
from yiwang.accounts.queries import company_roles_of
from yiwang.core.models import AuditRecord
from yiwang.demo import identities
from yiwang.demo.loader import _COMPANY_NAMES
from yiwang.notify.models import Notification
from yiwang.registries.models import AccessLogEntry, Entity, EntityStatus, Person

pytestmark = pytest.mark.django_db

FIRST_DEMO_COMPANY = _COMPANY_NAMES[0]  # 广安渠江商贸有限公司, represented by demo citizen no. 1


def demo_uscc(position: int = 0) -> str:
    return identities.uscc("91", _COMPANY_NAMES[position])


def verified(user: User, level: AssuranceLevel = AssuranceLevel.L2) -> User:
    user.assurance_level = level
    user.assurance_verified_at = timezone.now()
    user.save(update_fields=["assurance_level", "assurance_verified_at"])
    return user


def representative_of(uscc: str) -> User:
    """The registered representative of ``uscc`` as a verified (L2) citizen of the platform."""
    entity = Entity.objects.get(uscc=uscc)
    existing = User.objects.filter(resident_id=entity.legal_representative_id).first()
    if existing is not None:
        return verified(existing)
    return verified(
        CitizenFactory(real_name=entity.legal_representative_name, resident_id=entity.legal_representative_id)
    )


def someone_else(district: District, real_name: str = "冒名者") -> User:
    """A verified citizen who is a real person of the registry, but not the company's representative."""
    representatives = set(Entity.objects.values_list("legal_representative_id", flat=True))
    person = (
        Person.objects.filter(death_date__isnull=True, birth_date__year__lte=2000)
        .exclude(resident_id__in=representatives)
        .exclude(resident_id__in=User.objects.exclude(resident_id=None).values("resident_id"))
        .order_by("resident_id")
        .first()
    )
    assert person is not None
    return verified(CitizenFactory(real_name=real_name, resident_id=person.resident_id))


def claim_refusals(reason: str) -> list[AuditRecord]:
    return [
        record
        for record in AuditRecord.objects.filter(action="accounts.company_claim_refused")
        if record.changes.get("reason") == reason
    ]


def registration_data(uscc: str) -> list[str]:
    """What the registry holds about the company and must not reach someone it refused."""
    entity = Entity.objects.select_related("registered_address").get(uscc=uscc)
    return [entity.name, entity.legal_representative_name, entity.registered_address.full_text]


# --- The registered representative claims -------------------------------------------------------------------


def test_the_registered_representative_claims_with_data_from_the_registry(district: District) -> None:
    uscc = demo_uscc()
    entity = Entity.objects.select_related("registered_address").get(uscc=uscc)
    owner = representative_of(uscc)

    agent = do_claim_company(owner, uscc=uscc)

    assert agent.role == AgentRole.LEGAL_REPRESENTATIVE
    assert agent.is_active_at(timezone.now())
    company = agent.company
    assert (company.name, company.legal_representative_name, company.registered_address) == (
        FIRST_DEMO_COMPANY,
        entity.legal_representative_name,
        entity.registered_address.full_text,
    )
    assert company.legal_representative_id == owner.resident_id
    assert [role.company.name for role in company_roles_of(owner)] == [FIRST_DEMO_COMPANY]
    assert AuditRecord.objects.filter(action="accounts.company_claimed").count() == 1
    # Both registry questions went through the exchange, as the platform's claim system, and are logged.
    logged = AccessLogEntry.objects.order_by("seq")
    assert [(entry.service_name, entry.subject, entry.actor_label) for entry in logged] == [
        ("法人.登记信息", uscc, "system:accounts.company_claim"),
        ("法人.法定代表人核验", uscc, "system:accounts.company_claim"),
    ]
    assert logged[1].fields == ["match"]  # yes or no only


def test_claiming_again_changes_nothing(district: District) -> None:
    owner = representative_of(demo_uscc())
    first = do_claim_company(owner, uscc=demo_uscc())
    audit_count = AuditRecord.objects.count()
    again = do_claim_company(owner, uscc=demo_uscc().lower())
    assert again.pk == first.pk
    assert AuditRecord.objects.count() == audit_count
    assert CompanyAgent.objects.count() == 1


# --- Attack 2 (companies): an impostor types their own ID as the representative's -----------------------------


def test_attack_an_impostor_cannot_become_the_legal_representative(district: District) -> None:
    impostor = someone_else(district)
    with pytest.raises(CompanyClaimRefused, match="法人库登记信息显示您不是该企业的法定代表人"):
        do_claim_company(impostor, uscc=demo_uscc())
    assert not Company.objects.exists()
    assert not CompanyAgent.objects.exists()
    [refusal] = claim_refusals("not_legal_representative")
    assert (refusal.actor_id, refusal.object_id) == (impostor.pk, demo_uscc())
    check = AccessLogEntry.objects.get(service_name="法人.法定代表人核验")
    assert (check.outcome, check.subject) == ("ok", demo_uscc())


@pytest.mark.django_db(transaction=True)
def test_attack_through_the_api_is_refused_logged_and_tells_nothing(
    district: District, client: Client
) -> None:
    """The request of the attack, as sent before the fix: the impostor's own ID typed as the representative's."""
    uscc = demo_uscc()
    impostor = someone_else(district)
    client.force_login(impostor)
    payload = {
        "uscc": uscc,
        "name": "我的公司",
        "legal_representative_name": impostor.real_name,
        "legal_representative_id": impostor.resident_id,
    }

    response = client.post("/api/v1/companies", json.dumps(payload), content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    body = response.content.decode()
    assert "法人库登记信息显示您不是该企业的法定代表人" in response.json()["detail"]
    for registered in registration_data(uscc):
        assert registered not in body
    assert not CompanyAgent.objects.exists()
    # The refusal and the registry question are committed although the request failed (no transaction wraps
    # the test: what is in the database now was committed).
    assert len(claim_refusals("not_legal_representative")) == 1
    assert AccessLogEntry.objects.filter(service_name="法人.法定代表人核验").count() == 1
    assert client.get("/api/v1/me/companies").json() == []


def test_attack_through_the_page_is_refused_with_a_clear_message(district: District, client: Client) -> None:
    uscc = demo_uscc()
    client.force_login(someone_else(district))

    page = client.post(reverse("accounts:company_claim"), {"uscc": uscc, "role": "legal_representative"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "法人库登记信息显示您不是该企业的法定代表人，不能认领" in html
    for registered in registration_data(uscc):
        assert registered not in html
    assert not CompanyAgent.objects.exists()
    assert len(claim_refusals("not_legal_representative")) == 1


def test_a_typed_representative_id_is_ignored(district: District, client: Client) -> None:
    """Typing the real representative's ID (it is on many documents) does not help: only the claimant's own
    verified ID is asked about."""
    uscc = demo_uscc()
    real_id = Entity.objects.get(uscc=uscc).legal_representative_id
    client.force_login(someone_else(district))
    payload = {"uscc": uscc, "legal_representative_id": real_id, "legal_representative_name": "李强"}
    response = client.post("/api/v1/companies", json.dumps(payload), content_type="application/json")
    assert response.status_code == 403
    assert not CompanyAgent.objects.exists()


# --- Unverified claimants, closed and unknown entities, bad input ---------------------------------------------


def test_an_unverified_citizen_is_sent_to_identity_verification(district: District, client: Client) -> None:
    uscc = demo_uscc()
    # Even the registered representative's own number, while it is only an L1 claim.
    self_registered = district.citizen
    self_registered.assurance_level = AssuranceLevel.L1
    self_registered.save(update_fields=["assurance_level"])
    assert self_registered.resident_id == Entity.objects.get(uscc=uscc).legal_representative_id
    client.force_login(self_registered)

    response = client.post("/api/v1/companies", json.dumps({"uscc": uscc}), content_type="application/json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "只有已实名核验的用户才能认领企业" in detail and "/accounts/verify/" in detail

    page = client.get(reverse("accounts:company_claim"))
    html = page.content.decode()
    assert "只有已实名核验的用户才能认领企业" in html
    assert f'href="{verify_identity_url()}"' in html
    assert 'name="uscc"' not in html  # no claim form until verified

    assert not CompanyAgent.objects.exists()
    assert len(claim_refusals("unverified")) == 1
    assert not AccessLogEntry.objects.exists()  # nothing was asked of the registry for an unverified account


def test_a_deregistered_entity_cannot_be_claimed(district: District) -> None:
    for position, status in enumerate((EntityStatus.DEREGISTERED, EntityStatus.REVOKED), start=1):
        uscc = demo_uscc(position)
        Entity.objects.filter(uscc=uscc).update(status=status, closed_on=timezone.localdate())
        representative = representative_of(uscc)

        with pytest.raises(ValidationError) as caught:
            do_claim_company(representative, uscc=uscc)

        assert "已注销或被吊销营业执照，不能认领" in caught.value.message_dict["uscc"][0]
        assert not Company.objects.exists()
        assert len(claim_refusals("closed")) == position


def test_an_unknown_code_is_refused(district: District) -> None:
    with pytest.raises(ValidationError) as caught:
        do_claim_company(someone_else(district), uscc=make_uscc(4242))
    assert "法人库中没有使用该统一社会信用代码的市场主体" in caught.value.message_dict["uscc"][0]
    assert len(claim_refusals("not_registered")) == 1


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        (make_uscc(42)[:17] + ("0" if make_uscc(42)[17] != "0" else "1"), "校验"),
        ("91110000ABCDEFGHIO", "统一社会信用代码"),
        ("", "统一社会信用代码"),
    ],
)
def test_bad_codes_write_nothing(district: District, uscc: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        do_claim_company(someone_else(district), uscc=uscc)
    assert message in " ".join(caught.value.message_dict["uscc"])
    assert not Company.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="accounts.company").exists()
    assert not AccessLogEntry.objects.exists()


def test_api_bad_uscc_is_a_422_problem(client: Client) -> None:
    client.force_login(verified(CitizenFactory()))
    response = client.post(
        "/api/v1/companies", json.dumps({"uscc": "91110000ABCDEFGHIO"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "uscc"
    assert "统一社会信用代码" in response.json()["errors"][0]["message"]
    assert not Company.objects.exists()


def test_staff_cannot_claim(district: District) -> None:
    with pytest.raises(PermissionDenied):
        do_claim_company(StaffFactory(), uscc=demo_uscc())


# --- Agents: asked for, approved by the representative ------------------------------------------------------


def test_an_employee_asks_to_act_and_the_representative_approves(district: District) -> None:
    uscc = demo_uscc()
    clerk = someone_else(district, real_name="吴九")
    with pytest.raises(ValidationError, match="法定代表人尚未在本平台认领该企业"):
        do_claim_company(clerk, uscc=uscc, role=AgentRole.AUTHORISED_AGENT)

    owner = representative_of(uscc)
    do_claim_company(owner, uscc=uscc)
    agent = do_claim_company(clerk, uscc=uscc, role=AgentRole.AUTHORISED_AGENT)
    assert agent.role == AgentRole.AUTHORISED_AGENT
    assert not agent.is_active_at(timezone.now())
    told = Notification.objects.get(template__key="company-agent-requested", recipient=owner)
    assert "吴九" in told.body and FIRST_DEMO_COMPANY in told.body

    approved = do_authorise_agent(agent.company, owner, clerk, timezone.now() + timedelta(days=30))
    assert approved.pk == agent.pk
    assert approved.is_active_at(timezone.now())
    assert not approved.is_active_at(timezone.now() + timedelta(days=31))

    # Only the representative manages agents; the agent cannot approve anyone.
    with pytest.raises(PermissionDenied):
        do_authorise_agent(agent.company, clerk, someone_else(district, "张三"))

    do_revoke_agent(approved, owner)
    approved.refresh_from_db()
    assert not approved.is_active_at(timezone.now())
    assert list(company_roles_of(clerk)) == []


def test_the_representative_approves_on_the_page(district: District, client: Client) -> None:
    uscc = demo_uscc()
    owner = representative_of(uscc)
    clerk = someone_else(district, real_name="吴九")
    client.force_login(owner)
    assert "您目前尚未代表任何企业办事。" in client.get(reverse("accounts:companies")).content.decode()

    claimed = client.post(
        reverse("accounts:company_claim"), {"uscc": uscc, "role": "legal_representative"}, follow=True
    )
    html = claimed.content.decode()
    assert FIRST_DEMO_COMPANY in html and "法定代表人" in html and "已授权" in html

    client.force_login(clerk)
    asked = client.post(
        reverse("accounts:company_claim"), {"uscc": uscc, "role": "authorised_agent"}, follow=True
    )
    assert "等待法定代表人批准" in asked.content.decode()
    agent = CompanyAgent.objects.get(user=clerk)

    client.force_login(owner)
    assert "等待您批准" in client.get(reverse("accounts:companies")).content.decode()
    page = client.post(reverse("accounts:agent_approve", args=[agent.pk]), follow=True)
    assert "吴九 现在可以代表企业办事。" in page.content.decode()
    agent.refresh_from_db()
    assert agent.approved_at is not None

    client.force_login(clerk)
    assert client.post(reverse("accounts:agent_approve", args=[agent.pk])).status_code == 403


# --- The registered representative replaces a wrong earlier claim ----------------------------------------------


def test_the_registered_representative_replaces_a_wrong_claim(district: District) -> None:
    """A legal-representative row made before the registry check (the attack) ends when the real one claims."""
    uscc = demo_uscc()
    impostor = someone_else(district)
    accomplice = someone_else(district, real_name="同伙")
    company = Company.objects.create(
        uscc=uscc,
        name="我的公司",
        legal_representative_name=impostor.real_name,
        legal_representative_id=impostor.resident_id or "",
    )
    wrong = CompanyAgent.objects.create(
        company=company, user=impostor, role=AgentRole.LEGAL_REPRESENTATIVE, approved_at=timezone.now()
    )
    approved_by_impostor = do_authorise_agent(company, impostor, accomplice)
    assert approved_by_impostor.is_active_at(timezone.now())

    owner = representative_of(uscc)
    agent = do_claim_company(owner, uscc=uscc)

    assert agent.is_active_at(timezone.now())
    wrong.refresh_from_db()
    assert wrong.revoked_at is not None
    approved_by_impostor.refresh_from_db()
    assert not approved_by_impostor.is_active_at(timezone.now())  # waits for the real representative
    assert list(company_roles_of(impostor)) == []
    company.refresh_from_db()
    assert (company.name, company.legal_representative_id) == (FIRST_DEMO_COMPANY, owner.resident_id)
    told = Notification.objects.get(template__key="company-claim-replaced", recipient=impostor)
    assert FIRST_DEMO_COMPANY in told.body and "不是该企业的法定代表人" in told.body
    assert AuditRecord.objects.filter(action="accounts.agent_revoked", object_id=str(wrong.pk)).exists()
    assert AuditRecord.objects.filter(
        action="accounts.agent_suspended", object_id=str(approved_by_impostor.pk)
    ).exists()


def test_a_never_approved_row_of_the_representative_is_approved_by_the_claim(district: District) -> None:
    """Rows earlier demo versions left waiting for an approval no one could give."""
    uscc = demo_uscc()
    owner = representative_of(uscc)
    company = Company.objects.create(
        uscc=uscc, name=FIRST_DEMO_COMPANY, legal_representative_name="x", legal_representative_id=""
    )
    stuck = CompanyAgent.objects.create(company=company, user=owner, role=AgentRole.LEGAL_REPRESENTATIVE)
    agent = do_claim_company(owner, uscc=uscc)
    assert agent.pk == stuck.pk and agent.is_active_at(timezone.now())


# --- API listing -----------------------------------------------------------------------------------------------


def test_api_claim_and_list_mine(district: District, client: Client) -> None:
    uscc = demo_uscc()
    owner = representative_of(uscc)
    client.force_login(owner)

    created = client.post("/api/v1/companies", json.dumps({"uscc": uscc}), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json() == {
        "uscc": uscc,
        "name": FIRST_DEMO_COMPANY,
        "role": "legal_representative",
        "approved": True,
        "expires_at": None,
    }
    mine = client.get("/api/v1/me/companies").json()
    assert [(c["uscc"], c["approved"]) for c in mine] == [(uscc, True)]
    me = client.get("/api/v1/me").json()
    assert me["companies"] == mine
    assert owner.resident_id not in json.dumps(me)


def test_api_me_needs_a_login(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


# --- The rule, for any claimant and any registry entry (fake registry behind the same interface) -------------


@pytest.fixture
def fake_registry(settings: Settings) -> Iterator[type[FakeLegalEntityRegistry]]:
    settings.LEGAL_REPRESENTATIVE_VERIFIER = "tests.accounts.fakes.FakeLegalEntityRegistry"
    FakeLegalEntityRegistry.entities = {}
    FakeLegalEntityRegistry.asked = []
    yield FakeLegalEntityRegistry
    FakeLegalEntityRegistry.entities = {}
    FakeLegalEntityRegistry.asked = []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    level=st.sampled_from(list(AssuranceLevel)),
    status=st.sampled_from(["active", "deregistered", "revoked", "absent"]),
    is_representative=st.booleans(),
    role=st.sampled_from(list(AgentRole)),
)
def test_only_a_verified_registered_representative_of_an_entity_in_business_is_approved(
    fake_registry: type[FakeLegalEntityRegistry],
    level: AssuranceLevel,
    status: str,
    is_representative: bool,
    role: str,
) -> None:
    CompanyAgent.objects.all().delete()
    Company.objects.all().delete()
    claimant = User.objects.filter(username="13700009999").first() or CitizenFactory(
        phone="13700009999", resident_id=make_resident_id(999, birth_date="19800808")
    )
    claimant.assurance_level = level
    claimant.save(update_fields=["assurance_level"])
    uscc = make_uscc(777)
    representative_id = claimant.resident_id if is_representative else make_resident_id(998)
    if status != "absent":
        registration = EntityRegistration(uscc, "登记名称有限公司", "登记代表", "登记住所", status)
        fake_registry.entities = {uscc: (registration, representative_id or "")}
    else:
        fake_registry.entities = {}

    try:
        agent = do_claim_company(claimant, uscc=uscc, role=role)
    except (ValidationError, PermissionDenied):
        agent = None

    approved = agent is not None and agent.is_active_at(timezone.now())
    assert approved == (
        level >= AssuranceLevel.L2
        and status == "active"
        and is_representative
        and role == AgentRole.LEGAL_REPRESENTATIVE
    )
    if agent is not None:  # whatever was created carries the registry's data, never the claimant's
        assert agent.company.name == "登记名称有限公司"
    if level < AssuranceLevel.L2:
        assert fake_registry.asked == []
    fake_registry.asked.clear()
