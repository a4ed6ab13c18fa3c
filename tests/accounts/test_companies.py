"""Companies (企业) and the people who act for them (经办授权)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import CitizenFactory, CompanyFactory, StaffFactory, make_resident_id, make_uscc
from yiwang.accounts.actions import do_authorise_agent, do_register_company, do_revoke_agent
from yiwang.accounts.models import AgentRole, Company, CompanyAgent
from yiwang.accounts.queries import company_roles_of
from yiwang.core.models import AuditRecord

pytestmark = pytest.mark.django_db

LEGAL_REP_ID = make_resident_id(501, birth_date="19750505")


def company_data(**changes: str) -> dict[str, str]:
    return {
        "uscc": make_uscc(42),
        "name": "青山绿水科技有限公司",
        "legal_representative_name": "周八",
        "legal_representative_id": LEGAL_REP_ID,
        "registered_address": "北京市东城区示例路1号",
        **changes,
    }


def test_the_legal_representative_acts_at_once() -> None:
    legal_rep = CitizenFactory(resident_id=LEGAL_REP_ID)
    agent = do_register_company(legal_rep, **company_data())

    assert agent.role == AgentRole.LEGAL_REPRESENTATIVE
    assert agent.is_active_at(timezone.now())
    assert [role.company.name for role in company_roles_of(legal_rep)] == ["青山绿水科技有限公司"]
    assert AuditRecord.objects.filter(action="accounts.company_registered").count() == 1


def test_someone_else_is_a_pending_agent_until_approved() -> None:
    clerk = CitizenFactory()
    agent = do_register_company(clerk, **company_data())
    assert agent.role == AgentRole.AUTHORISED_AGENT
    assert not agent.is_active_at(timezone.now())

    # The legal representative claims the company and approves the clerk.
    legal_rep = CitizenFactory(resident_id=LEGAL_REP_ID)
    do_register_company(legal_rep, **company_data())
    approved = do_authorise_agent(agent.company, legal_rep, clerk, timezone.now() + timedelta(days=30))
    assert approved.pk == agent.pk
    assert approved.is_active_at(timezone.now())
    assert not approved.is_active_at(timezone.now() + timedelta(days=31))

    do_revoke_agent(approved, legal_rep)
    approved.refresh_from_db()
    assert not approved.is_active_at(timezone.now())
    assert list(company_roles_of(clerk)) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"uscc": make_uscc(42)[:17] + ("0" if make_uscc(42)[17] != "0" else "1")}, "uscc", "校验"),
        ({"uscc": "91110000ABCDEFGHIO"}, "uscc", ""),
        ({"legal_representative_id": "110101199002301234"}, "legal_representative_id", ""),
        ({"name": "  "}, "name", "营业执照"),
    ],
)
def test_bad_company_input_writes_nothing(changes: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        do_register_company(CitizenFactory(), **company_data(**changes))
    assert message in " ".join(caught.value.message_dict[field])
    assert not Company.objects.exists()
    assert not CompanyAgent.objects.exists()
    assert not AuditRecord.objects.exists()


def test_a_registered_company_cannot_be_registered_again_by_others() -> None:
    do_register_company(CitizenFactory(resident_id=LEGAL_REP_ID), **company_data())
    with pytest.raises(ValidationError) as caught:
        do_register_company(CitizenFactory(), **company_data())
    assert "该企业已注册" in caught.value.message_dict["uscc"][0]
    assert CompanyAgent.objects.count() == 1


def test_only_the_legal_representative_manages_agents() -> None:
    company = CompanyFactory()
    stranger, someone = CitizenFactory(), CitizenFactory()
    with pytest.raises(PermissionDenied):
        do_authorise_agent(company, stranger, someone)
    with pytest.raises(PermissionDenied):
        do_register_company(StaffFactory(), **company_data())


def test_my_companies_page_and_registration_form(client: Client) -> None:
    legal_rep = CitizenFactory(resident_id=LEGAL_REP_ID)
    client.force_login(legal_rep)
    assert "您目前尚未代表任何企业办事。" in client.get(reverse("accounts:companies")).content.decode()

    bad = client.post(reverse("accounts:company_register"), company_data(uscc="123"))
    assert bad.status_code == 200
    assert "统一社会信用代码" in " ".join(bad.context["form"].errors["uscc"])

    response = client.post(reverse("accounts:company_register"), company_data(), follow=True)
    html = response.content.decode()
    assert "青山绿水科技有限公司" in html and "法定代表人" in html and "已授权" in html


def test_legal_representative_approves_a_pending_agent_on_the_page(client: Client) -> None:
    clerk = CitizenFactory(real_name="吴九")
    agent = do_register_company(clerk, **company_data())
    legal_rep = CitizenFactory(resident_id=LEGAL_REP_ID)
    do_register_company(legal_rep, **company_data())
    client.force_login(legal_rep)
    assert "等待您批准" in client.get(reverse("accounts:companies")).content.decode()

    page = client.post(reverse("accounts:agent_approve", args=[agent.pk]), follow=True)
    assert "吴九 现在可以代表企业办事。" in page.content.decode()
    agent.refresh_from_db()
    assert agent.approved_at is not None

    client.force_login(clerk)
    assert client.post(reverse("accounts:agent_approve", args=[agent.pk])).status_code == 403


# --- API -----------------------------------------------------------------------------------------------------


def test_api_register_company_and_list_mine(client: Client) -> None:
    legal_rep = CitizenFactory(resident_id=LEGAL_REP_ID)
    client.force_login(legal_rep)

    created = client.post("/api/v1/companies", json.dumps(company_data()), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["role"] == "legal_representative"

    mine = client.get("/api/v1/me/companies").json()
    assert [(c["uscc"], c["approved"]) for c in mine] == [(make_uscc(42), True)]

    me = client.get("/api/v1/me").json()
    assert me["real_name"] == legal_rep.real_name
    assert me["resident_id_masked"] == LEGAL_REP_ID[:6] + "********" + LEGAL_REP_ID[-4:]
    assert LEGAL_REP_ID not in json.dumps(me)
    assert me["companies"] == mine
    assert (me["kind"], me["assurance_level"]) == ("citizen", 1)


def test_api_bad_uscc_is_a_422_problem(client: Client) -> None:
    client.force_login(CitizenFactory())
    response = client.post(
        "/api/v1/companies",
        json.dumps(company_data(uscc="91110000ABCDEFGHIO")),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "uscc"
    assert "统一社会信用代码" in response.json()["errors"][0]["message"]
    assert not Company.objects.exists()


def test_api_me_needs_a_login(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
