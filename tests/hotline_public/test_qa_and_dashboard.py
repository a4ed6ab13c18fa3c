"""Public Q&A (masked, only consented and closed), the knowledge base, template answers and the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.hotline.conftest import STREETLIGHT, Hotline
from yiwang.hotline import actions
from yiwang.hotline.models import Channel, Ticket
from yiwang.hotline_public import queries
from yiwang.hotline_public.actions import do_save_template_answer
from yiwang.search.backends.base import SearchQuery
from yiwang.search.queries import search

pytestmark = pytest.mark.django_db

PERSONAL = "我叫张三，电话13800138000，住幸福小区3栋2单元502室。" + STREETLIGHT
REPLY = "已派人更换路灯灯泡，张三先生可拨打13800138000以外的12345反映。"


def submit(hotline: Hotline, text: str = PERSONAL, **kwargs) -> Ticket:
    values = {
        "channel": Channel.PORTAL,
        "kind": "help",
        "division": hotline.division,
        "client_ip": "10.0.0.9",
    }
    values.update(kwargs)
    return actions.do_submit_ticket(hotline.citizen, text=text, contact_name="张三", **values)


def close(hotline: Hotline, ticket: Ticket, result: str = "satisfied") -> Ticket:
    actions.do_sign_ticket(hotline.roads_clerk, ticket)
    actions.do_reply_ticket(hotline.roads_clerk, ticket, reply_text=REPLY)
    actions.do_record_callback(hotline.dispatcher, ticket, result=result)
    if result == "satisfied":
        actions.do_close_ticket(hotline.dispatcher, ticket)
    ticket.refresh_from_db()
    return ticket


def test_only_closed_consented_answers_are_published_and_masked(client: Client, hotline: Hotline) -> None:
    published = close(hotline, submit(hotline, consent_to_publish=True))
    close(hotline, submit(hotline, consent_to_publish=False, text="另一条不同意公开的路灯诉求内容"))
    submit(hotline, consent_to_publish=True, text="还在办理中的路灯诉求内容")

    page = client.get("/hotline/qa/")
    assert page.status_code == 200
    assert [answer.number for answer in page.context["answers"]] == [published.number]

    detail = client.get(f"/hotline/qa/{published.number}/").content.decode()
    assert "我叫张*，电话138****8000，住幸福小区*栋*单元*室" in detail
    assert "13800138000" not in detail and "张三" not in detail
    assert "城市管理局" in detail
    assert client.get("/hotline/qa/GD00000000000000/").status_code == 404


def test_published_answers_are_found_in_site_search(
    hotline: Hotline, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = close(hotline, submit(hotline, consent_to_publish=True))
        close(hotline, submit(hotline, consent_to_publish=False, text="不公开的路灯诉求内容"))
    hits = search(SearchQuery("路灯", kind="qa")).hits
    assert [hit.code for hit in hits] == [ticket.number]
    assert hits[0].url == f"/hotline/qa/{ticket.number}/"


def test_public_answer_api(client: Client, hotline: Hotline) -> None:
    ticket = close(hotline, submit(hotline, consent_to_publish=True))
    body = client.get("/api/v1/hotline/qa").json()
    assert body["count"] == 1
    assert body["items"][0]["question"].startswith("我叫张*")
    assert client.get(f"/api/v1/hotline/qa/{ticket.number}").json()["department"] == "城市管理局"


def test_knowledge_base_finds_templates_and_past_answers_for_staff(
    client: Client, hotline: Hotline, login_verified_staff
) -> None:
    close(hotline, submit(hotline))  # not published, but the centre may reuse the answer, masked
    do_save_template_answer(
        hotline.roads_clerk,
        department=hotline.roads,
        title="路灯坏了找谁修",
        body="路灯由城市管理局负责维修，一般3个工作日内修复。",
        keywords="路灯 照明",
    )
    login_verified_staff(client, hotline.dispatcher)
    page = client.get("/hotline/knowledge/", {"q": "路灯坏了"})
    hits = page.context["hits"]
    assert [hit.source for hit in hits] == ["template", "answer"]
    assert "13800138000" not in hits[1].answer and "张*先生" in hits[1].answer
    api = client.get("/api/v1/hotline/knowledge", {"q": "路灯"}).json()
    assert api[0]["title"] == "路灯坏了找谁修"


def test_citizens_cannot_search_the_knowledge_base(client: Client, hotline: Hotline) -> None:
    client.force_login(hotline.citizen)
    assert client.get("/api/v1/hotline/knowledge", {"q": "路灯"}).status_code == 403


def test_template_answers_are_edited_by_their_department_only(
    client: Client, hotline: Hotline, login_verified_staff
) -> None:
    login_verified_staff(client, hotline.water_clerk)
    response = client.post(
        "/hotline/answer-templates/new/",
        {"department": hotline.roads.pk, "title": "路灯", "body": "由城管维修。", "keywords": ""},
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    response = client.post(
        "/hotline/answer-templates/new/",
        {"department": hotline.water.pk, "title": "停水", "body": "x", "keywords": ""},
    )
    assert response.context["form"].errors["body"] == ["答复内容至少5个字。"]
    response = client.post(
        "/hotline/answer-templates/new/",
        {
            "department": hotline.water.pk,
            "title": "停水怎么办",
            "body": "请关注停水公告。",
            "keywords": "停水",
        },
    )
    assert response.status_code == 302
    assert [t.title for t in queries.template_answers(hotline.water)] == ["停水怎么办"]


def test_dashboard_rates_show_their_denominators(hotline: Hotline) -> None:
    close(hotline, submit(hotline))
    close(hotline, submit(hotline, text="路灯不亮了，第二条诉求"), result="unsatisfied")
    actions.do_sign_ticket(hotline.roads_clerk, submit(hotline, text="第三条诉求，路灯一直闪"))
    submit(hotline, text="第四条诉求，还没签收的路灯问题")

    [roads] = queries.department_rates(queries.Period.last_days(30))
    assert roads.received == 4
    assert (roads.response.numerator, roads.response.denominator) == (3, 4)
    assert (roads.resolution.numerator, roads.resolution.denominator) == (1, 4)
    assert (roads.satisfaction.numerator, roads.satisfaction.denominator) == (1, 2)
    assert roads.satisfaction.percent == 50.0
    volumes = queries.volumes(queries.Period.last_days(30), "kind")
    assert volumes == [{"key": "help", "label": "求助", "count": 4}]


def test_overdue_list_comes_from_the_clocks(hotline: Hotline) -> None:
    ticket = submit(hotline, kind="consultation")
    later = ticket.clock.legal_due_on + dt.timedelta(days=10)
    total, rows = queries.overdue_list(later)
    assert total == 1
    assert rows[0].number == ticket.number
    assert rows[0].level == "seriously_overdue"
    assert queries.overdue_list(timezone.localdate())[0] == 0


def test_hot_topics_rise_against_previous_weeks(hotline: Hotline) -> None:
    for index in range(3):
        submit(hotline, text=f"小区门口井盖丢失，很危险{index}", client_ip=f"10.1.0.{index}")
    old = submit(hotline, text="小区门口路灯坏了很久", client_ip="10.2.0.1")
    Ticket.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=14))
    topics = queries.hot_topics(minimum=2)
    words = [topic.word for topic in topics]
    assert "井盖" in words
    assert topics[words.index("井盖")].this_week == 3


def test_dashboard_page_public_and_staff(client: Client, hotline: Hotline, login_verified_staff) -> None:
    submit(hotline)
    public = client.get("/hotline/stats/")
    assert "响应率" in public.content.decode()
    assert public.context["board"].overdue is None
    login_verified_staff(client, hotline.supervisor)
    staff = client.get("/hotline/stats/", {"days": 7})
    assert staff.context["board"].overdue == []
    assert staff.context["board"].by_division[0]["label"] == "广安区"
    body = client.get("/api/v1/hotline/stats").json()
    assert body["rates"][0]["response"] == {"numerator": 0, "denominator": 1, "percent": 0.0}
    assert body["overdue_total"] == 0
