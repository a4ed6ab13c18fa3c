"""Staff queries need a reason the platform can check (issue 10, attack 3): a matter of the department in which the
person is a party, or a legal basis from the service's list; handling roles only; per-staff limit; an alert to the
supervisors (or the supervision office) on many people read without a matter; deferral of the person's notice; the
person told of every read made on someone else's request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import ServiceItemFactory, StaffRoleFactory, make_resident_id
from tests.registries.conftest import BASES, DEFERRAL_DAYS, DEFERRING_BASIS, District
from yiwang.accounts.models import User
from yiwang.cases.models import Application, Case, CaseState, SharedLookup
from yiwang.catalog.models import GuideStatus, GuideVersion
from yiwang.demo import identities
from yiwang.hotline.models import Channel, Ticket, TicketKind, TicketStatus
from yiwang.notify.models import Notification
from yiwang.org.models import Department, Role
from yiwang.registries import exchange, queries
from yiwang.registries.actions import do_send_due_read_notices
from yiwang.registries.exchange import Refusal
from yiwang.registries.models import (
    AccessLogEntry,
    DeferredNotice,
    Outcome,
    Person,
    SupervisionItem,
    SupervisionKind,
)

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]
HOUSEHOLD = "人口.户籍信息"


def _api_query(client: Client, **body: Any) -> Any:
    payload = {"service": HOUSEHOLD, "purpose": "case_handling", **body}
    return client.post("/api/v1/exchange/query", payload, content_type="application/json")


def _victim_traces(resident_id: str) -> list[str]:
    """What a leak of this person's household record would show: name, household number, members' IDs."""
    person = Person.objects.select_related("household").get(resident_id=resident_id)
    members = Person.objects.filter(household=person.household).exclude(resident_id=resident_id)
    return [person.name, person.household.number, *members.values_list("resident_id", flat=True)]


def _read(district: District, subject: str, **kwargs: Any) -> exchange.ExchangeResult:
    arguments: dict[str, Any] = {
        "consumer": district.civil_affairs,
        "actor": district.clerk,
        "service_name": HOUSEHOLD,
        "subject": subject,
        "purpose": "case_handling",
        **kwargs,
    }
    return exchange.query(**arguments)


def _reads_told(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template__key="registries-data-read"))


def _case(district: District, department: Department, applicant: User, *, household: bool = False) -> Case:
    """A submitted case of ``department`` for ``applicant``; its guide declares the household when asked."""
    materials = [{"name": "申请人居民户口簿", "source": "shared", "data_service": HOUSEHOLD}]
    if household:
        materials.append({"name": "家庭成员居民户口簿", "source": "shared", "data_service": HOUSEHOLD})
    item = ServiceItemFactory(department=department)
    version = GuideVersion.objects.create(
        item=item, number=1, status=GuideStatus.PUBLISHED, content={"materials": materials}
    )
    application = Application.objects.create(applicant=applicant, item=item, status="submitted")
    return Case.objects.create(
        number=f"YW20260105{Case.objects.count() + 1:06d}",
        application=application,
        item=item,
        guide_version=version,
        department=department,
        state=CaseState.SUBMITTED,
        received_on=timezone.localdate(),
    )


# --- Attack 3: an invented legal basis, guessed IDs, the wrong role, no case ---------------------------------------


def test_attack3_free_text_basis_on_guessed_ids_is_refused_and_logged(
    district: District, login_verified_staff: Login
) -> None:
    """The attack as filed: any staff session, ``legal_basis: "x"``, no case, 20 guessed IDs in a row."""
    client = login_verified_staff(Client(), district.clerk)
    guessed = [identities.resident_id(index) for index in range(2, 22)]
    for subject in guessed:
        response = _api_query(client, subject=subject, legal_basis="x")
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        body = response.content.decode()
        assert "法律依据" in response.json()["detail"]
        assert not any(trace in body for trace in _victim_traces(subject))
    refused = AccessLogEntry.objects.filter(actor=district.clerk, outcome=Outcome.REFUSED)
    assert refused.count() == 20
    assert set(refused.values_list("refusal", flat=True)) == {Refusal.BASIS_NOT_LISTED}
    assert set(refused.values_list("legal_basis", flat=True)) == {"x"}  # the typed basis stays on record
    assert not AccessLogEntry.objects.exclude(outcome=Outcome.REFUSED).exists()


def test_no_matter_and_no_basis_is_refused(district: District, login_verified_staff: Login) -> None:
    client = login_verified_staff(Client(), district.clerk)
    response = _api_query(client, subject=district.citizen.resident_id)
    assert response.status_code == 403 and "办件" in response.json()["detail"]
    assert AccessLogEntry.objects.get().refusal == Refusal.NEEDS_BASIS


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DEPARTMENT_ADMIN])
def test_roles_that_do_not_handle_matters_cannot_read_people(
    district: District, login_verified_staff: Login, role: str
) -> None:
    staff = StaffRoleFactory(department=district.civil_affairs, role=role).user
    client = login_verified_staff(Client(), staff)
    response = _api_query(client, subject=district.citizen.resident_id, legal_basis_code=BASES[HOUSEHOLD])
    assert response.status_code == 403 and "窗口" in response.json()["detail"]
    assert not any(
        trace in response.content.decode() for trace in _victim_traces(district.citizen.resident_id)
    )
    assert AccessLogEntry.objects.get().refusal == Refusal.ROLE_NOT_ALLOWED
    identity = exchange.query(consumer=district.civil_affairs, actor=staff, service_name="人口.身份核验",
                              subject=district.citizen.resident_id, purpose="identity_verification",
                              parameters={"name": district.citizen.real_name})  # fmt: skip
    assert identity.fields == {"match": True}  # the yes/no check stays open to every member


def test_a_basis_listed_for_another_department_or_service_is_refused(district: District) -> None:
    market_clerk = StaffRoleFactory(department=district.market, role=Role.WINDOW_CLERK).user
    other_department = _read(district, district.citizen.resident_id, consumer=district.market,
                             actor=market_clerk, legal_basis_code=BASES[HOUSEHOLD])  # fmt: skip
    other_service = _read(district, district.citizen.resident_id, legal_basis_code=BASES["人口.婚姻状况"])
    unknown = _read(district, district.citizen.resident_id, legal_basis_code="NO-SUCH-CODE")
    assert {other_department.refusal, other_service.refusal, unknown.refusal} == {Refusal.BASIS_NOT_LISTED}


def test_case_of_another_department_and_a_person_not_party_are_refused(district: District) -> None:
    applicant = district.citizen
    theirs = _case(district, district.health, applicant)
    ours = _case(district, district.civil_affairs, applicant)
    other = _read(district, applicant.resident_id, matter=theirs.number)
    stranger = identities.resident_id(7)
    not_party = _read(district, stranger, matter=ours.number)
    invented = _read(district, applicant.resident_id, matter="YW20991231000001")
    assert other.refusal == invented.refusal == Refusal.MATTER_UNKNOWN
    assert other.message == invented.message  # another department's case is no existence oracle
    assert not_party.refusal == Refusal.NOT_A_PARTY and not_party.fields == {}
    assert AccessLogEntry.objects.filter(outcome=Outcome.REFUSED).count() == 3


def test_case_pages_api_matter_refusal_is_a_clear_problem(
    district: District, login_verified_staff: Login
) -> None:
    ours = _case(district, district.civil_affairs, district.citizen)
    client = login_verified_staff(Client(), district.clerk)
    stranger = identities.resident_id(9)
    response = _api_query(client, subject=stranger, matter=ours.number)
    assert response.status_code == 403 and "不是" in response.json()["detail"]
    assert not any(trace in response.content.decode() for trace in _victim_traces(stranger))


# --- Allowed paths ---------------------------------------------------------------------------------------------


def test_party_to_a_submitted_case_is_answered_and_told(
    district: District, login_verified_staff: Login
) -> None:
    case = _case(district, district.civil_affairs, district.citizen)
    client = login_verified_staff(Client(), district.clerk)
    response = _api_query(client, subject=district.citizen.resident_id, matter=case.number)
    assert response.status_code == 200 and response.json()["outcome"] == "ok"
    entry = AccessLogEntry.objects.get(request_id=response.json()["request_id"])
    assert (entry.matter_kind, entry.case_reference) == ("case", case.number)
    (notice,) = _reads_told(district.citizen)
    assert district.civil_affairs.name in notice.body and HOUSEHOLD in notice.body
    assert case.number in notice.body and "办件审查" in notice.body  # purpose and matter named
    rows = Client()
    rows.force_login(district.citizen)
    (row,) = rows.get("/api/v1/me/data-access").json()
    assert row["matter_kind"] == "case" and case.number in row["matter"]


def test_case_finished_is_no_longer_a_matter(district: District) -> None:
    case = _case(district, district.civil_affairs, district.citizen)
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    assert _read(district, district.citizen.resident_id, matter=case.number).refusal == Refusal.MATTER_UNKNOWN


def test_household_members_are_parties_only_where_the_guide_declares_them(district: District) -> None:
    applicant = district.citizen
    member = identities.resident_id(3)
    for declared in (False, True):
        case = _case(district, district.civil_affairs, applicant, household=declared)
        SharedLookup.objects.create(
            application=case.application, data_service=HOUSEHOLD, subject=applicant.resident_id,
            consumer=district.civil_affairs, outcome="ok", request_id=f"r{declared}", request_digest="0" * 64,
            fields={"members": [{"resident_id": member}]}, responded_at=timezone.now(),
        )  # fmt: skip
        result = _read(district, member, matter=case.number)
        assert result.allowed is declared


def test_subject_of_an_open_work_order_is_a_party(district: District) -> None:
    subject = identities.resident_id(4)
    ticket = Ticket.objects.create(
        number="GD20260105000001", channel=Channel.PHONE, kind=TicketKind.HELP, title="低保咨询", text="申请低保",
        department=district.civil_affairs, status=TicketStatus.IN_PROGRESS, received_at=timezone.now(),
        subject_resident_id=subject,
    )  # fmt: skip
    assert _read(district, subject, matter=ticket.number).found
    assert _read(district, identities.resident_id(5), matter=ticket.number).refusal == Refusal.NOT_A_PARTY
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
    assert _read(district, subject, matter=ticket.number).refusal == Refusal.MATTER_UNKNOWN


def test_listed_basis_is_answered_and_the_services_list_names_the_codes(
    district: District, login_verified_staff: Login
) -> None:
    client = login_verified_staff(Client(), district.clerk)
    services = {service["name"]: service for service in client.get("/api/v1/exchange/services").json()}
    codes = {basis["code"] for basis in services[HOUSEHOLD]["legal_bases"]}
    assert codes == {BASES[HOUSEHOLD], DEFERRING_BASIS}
    response = _api_query(client, subject=district.citizen.resident_id, legal_basis_code=BASES[HOUSEHOLD])
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(request_id=response.json()["request_id"])
    assert entry.legal_basis_code == BASES[HOUSEHOLD] and entry.legal_basis == "《社会救助暂行办法》第十一条"
    assert len(_reads_told(district.citizen)) == 1
    assert exchange.verify_access_log().ok


def test_the_person_is_not_told_of_reads_she_asked_for(district: District) -> None:
    subject = district.citizen.resident_id
    _read(district, subject, actor=None, system="cases.application", legal_basis_code=BASES[HOUSEHOLD],
          on_behalf_of=subject)  # fmt: skip
    assert not _reads_told(district.citizen)
    _read(district, subject, actor=None, system="cases.application", legal_basis_code=BASES[HOUSEHOLD],
          on_behalf_of=identities.resident_id(2))  # her husband's application reads her record  # fmt: skip
    assert len(_reads_told(district.citizen)) == 1


# --- Limits and alerts -----------------------------------------------------------------------------------------


@override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "exchange-query-per-staff": "3/hour"})
def test_per_staff_limit_answers_429_and_logs_the_refusal(
    district: District, login_verified_staff: Login
) -> None:
    client = login_verified_staff(Client(), district.clerk)
    for index in range(3):
        assert (
            _api_query(client, subject=identities.resident_id(index + 2), legal_basis="x").status_code == 403
        )
    limited = _api_query(client, subject=district.citizen.resident_id, legal_basis_code=BASES[HOUSEHOLD])
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited["Content-Type"] == "application/problem+json"
    assert not any(
        trace in limited.content.decode() for trace in _victim_traces(district.citizen.resident_id)
    )
    assert AccessLogEntry.objects.order_by("-seq").first().refusal == Refusal.RATE_LIMITED  # type: ignore[union-attr]
    other_clerk = StaffRoleFactory(department=district.civil_affairs, role=Role.REVIEWER).user
    assert _read(
        district, district.citizen.resident_id, actor=other_clerk, legal_basis_code=BASES[HOUSEHOLD]
    ).found


@override_settings(EXCHANGE_BASIS_ALERT_PEOPLE=3)
def test_many_people_on_legal_bases_alone_alert_the_department_supervisor(
    district: District, login_verified_staff: Login
) -> None:
    case = _case(district, district.civil_affairs, district.citizen)
    for _index in range(3):  # reads in a case do not count
        _read(district, district.citizen.resident_id, matter=case.number)
    for index in range(2, 4):
        _read(district, identities.resident_id(index), legal_basis_code=BASES[HOUSEHOLD])
    assert not SupervisionItem.objects.exists()
    _read(district, identities.resident_id(4), legal_basis_code=BASES[HOUSEHOLD])
    _read(district, identities.resident_id(5), legal_basis_code=BASES[HOUSEHOLD])  # one alert per window
    alert = SupervisionItem.objects.get()
    assert (alert.kind, alert.staff, alert.department) == (
        SupervisionKind.ALERT,
        district.clerk,
        district.civil_affairs,
    )
    assert alert.supervising_department is None
    notice = Notification.objects.get(
        recipient=district.civil_supervisor, template__key="registries-access-alert"
    )
    assert district.clerk.real_name in notice.body and "3" in notice.body
    page = login_verified_staff(Client(), district.civil_supervisor).get("/registries/office/supervision/")
    assert "异常查询预警" in page.content.decode() or district.clerk.real_name in page.content.decode()
    assert not Notification.objects.filter(recipient=district.office_supervisor).exists()


@override_settings(EXCHANGE_BASIS_ALERT_PEOPLE=2)
def test_alert_goes_to_the_supervision_office_where_the_department_has_no_supervisor(
    district: District, login_verified_staff: Login
) -> None:
    for index in range(2, 4):
        _read(district, identities.resident_id(index), consumer=district.health, actor=district.health_clerk,
              legal_basis_code=BASES[HOUSEHOLD])  # fmt: skip
    alert = SupervisionItem.objects.get()
    assert (alert.department, alert.supervising_department) == (district.health, district.office)
    assert Notification.objects.filter(
        recipient=district.office_supervisor, template__key="registries-access-alert"
    ).exists()
    client = login_verified_staff(Client(), district.office_supervisor)
    page = client.get("/registries/office/supervision/").content.decode()
    assert f"report-{alert.pk}" in page
    closed = client.post(f"/registries/office/supervision/{alert.pk}/close/", {"finding": "已约谈，系误操作"})
    assert closed.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.closed_by == district.office_supervisor
    other = login_verified_staff(Client(), district.civil_supervisor).get("/registries/office/supervision/")
    assert f"report-{alert.pk}" not in other.content.decode()


# --- Deferral of the person's notice -----------------------------------------------------------------------------


def test_deferred_notice_is_hidden_from_the_tracker_until_it_ends_and_shown_to_supervisors(
    district: District, login_verified_staff: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _read(district, district.citizen.resident_id, legal_basis_code=DEFERRING_BASIS)
    assert result.found
    entry = AccessLogEntry.objects.get(request_id=result.request_id)
    assert entry.notice_deferred_until is not None and "调查" in entry.deferral_reason
    expected = entry.created_at + dt.timedelta(days=DEFERRAL_DAYS)
    assert abs((entry.notice_deferred_until - expected).total_seconds()) < 5
    assert not _reads_told(district.citizen)
    citizen = Client()
    citizen.force_login(district.citizen)
    assert citizen.get("/api/v1/me/data-access").json() == []
    assert result.request_id not in citizen.get("/registries/me/data-access/").content.decode()
    flag = citizen.post(f"/api/v1/me/data-access/{result.request_id}/flag", {"reason": "?"},
                        content_type="application/json")  # fmt: skip
    assert flag.status_code == 404
    supervisor_page = login_verified_staff(Client(), district.civil_supervisor).get(
        "/registries/office/supervision/"
    )
    page_text = supervisor_page.content.decode()
    assert page_text.count(f"deferred-{result.request_id}") == 1  # listed once, in the page's body
    title = page_text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and "延迟告知" not in title
    assert do_send_due_read_notices() == 0
    later = timezone.now() + dt.timedelta(days=DEFERRAL_DAYS, minutes=1)
    assert do_send_due_read_notices(now=later) == 1
    assert do_send_due_read_notices(now=later) == 0  # sent once
    assert len(_reads_told(district.citizen)) == 1
    assert DeferredNotice.objects.get().sent_at is not None
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert [entry.request_id for entry in queries.accesses_of_citizen(district.citizen)] == [
        result.request_id
    ]
    assert exchange.verify_access_log().ok


# --- Property: whatever a staff member sends without a reason the platform can check, nothing flows ------------

_UNCHECKABLE = st.sampled_from(
    [
        {"legal_basis": "x"},
        {"legal_basis": "《中华人民共和国户口登记条例》"},
        {},
        {"legal_basis_code": "MZ-UNKNOWN"},
        {"legal_basis_code": BASES["人口.婚姻状况"]},
        {"matter": "YW20260105999999"},
        {"matter": "GD20260105999999"},
        {"matter": "1"},
    ]
)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(index=st.integers(min_value=2, max_value=200), reason=_UNCHECKABLE)
def test_no_checkable_reason_means_no_data(district: District, index: int, reason: dict[str, str]) -> None:
    subject = identities.resident_id(index)
    result = _read(district, subject, **reason)
    assert result.refusal and result.fields == {} and result.payload == ""
    unknown = make_resident_id(index, birth_date="19900101")
    assert (
        _read(district, unknown, **reason).refusal == result.refusal
    )  # same answer whether or not she exists
