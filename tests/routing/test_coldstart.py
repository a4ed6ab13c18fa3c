"""Cold start: the team's demo messages and the departments' duties route to the demo departments."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from yiwang.org.models import Department
from yiwang.routing.coldstart import demo_messages, department_keywords
from yiwang.routing.models import LabelSource, RoutingLabel, RoutingModel
from yiwang.routing.router import propose

pytestmark = pytest.mark.django_db

# Messages written for this test, not in the demo file: (message, demo department short name).
UNSEEN = [
    ("小区门口的路灯坏了一个月了", "区综合执法局"),
    ("老板欠了我们两个月工资不给", "区人社局"),
    ("这家火锅店卫生太差，吃完肚子疼", "区市监局"),
    ("化工厂晚上偷排废气，味道刺鼻", "区生态环境局"),
    ("公交车十几分钟都不来一趟", "区交通运输局"),
    ("孩子的医保报销怎么办理", "区医疗保障局"),
    ("想办低保，家里实在困难", "区民政局"),
    ("家里自来水停了两天", "区水务局"),
]


def test_every_demo_message_and_keyword_names_a_demo_department() -> None:
    messages = demo_messages()
    assert len(messages) >= 200
    per_department: dict[str, int] = {}
    for _text, code in messages:
        per_department[code] = per_department.get(code, 0) + 1
    assert min(per_department.values()) >= 15
    assert set(department_keywords()) <= set(per_department)


def test_coldstart_routes_demo_messages_to_their_departments(demo_departments: dict[str, Department]) -> None:
    out = StringIO()
    call_command("routing", "coldstart", stdout=out)
    assert RoutingLabel.objects.filter(source=LabelSource.SEED).count() == len(demo_messages())
    model = RoutingModel.objects.get(is_active=True)
    assert len(model.training["classes"]) == len(demo_departments)  # duties give every department a voice
    misses = [
        (text, code) for text, code in demo_messages() if code not in [c for c, _ in propose(text).candidates]
    ]
    assert misses == []
    for text, short_name in UNSEEN:
        proposal = propose(text)
        assert demo_departments[short_name].code in [code for code, _ in proposal.candidates], text
        assert proposal.reason_terms


def test_coldstart_twice_does_not_duplicate_seed_labels(demo_departments: dict[str, Department]) -> None:
    call_command("routing", "coldstart", stdout=StringIO())
    call_command("routing", "coldstart", stdout=StringIO())
    assert RoutingLabel.objects.filter(source=LabelSource.SEED).count() == len(demo_messages())
