"""Process definitions: validation messages with element paths, versions, activation, the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tests.factories import DepartmentFactory
from tests.workflow.conftest import licence_spec
from yiwang.workflow.actions import do_activate_definition, do_load_definition
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE, validate_definition
from yiwang.workflow.models import DefinitionStatus, ProcessDefinition

pytestmark = pytest.mark.django_db


def problems(spec: Any) -> list[str]:
    with pytest.raises(ValidationError) as error:
        validate_definition(spec)
    return error.value.messages


def test_shipped_licence_definition_is_valid() -> None:
    definition = validate_definition(licence_spec())
    assert definition.block_of == {"review_task": "review"}
    assert set(definition.task_ids()) == {"accept", "review_task", "decide", "deliver"}


def test_unreachable_node_is_named() -> None:
    spec = licence_spec()
    spec["nodes"]["orphan"] = {"type": "end"}
    assert problems(spec) == ["nodes.orphan: 无法从开始节点到达"]


def test_branch_that_never_joins_is_refused() -> None:
    spec = licence_spec()
    spec["nodes"]["review_task"]["next"] = "end_denied"
    messages = problems(spec)
    assert "nodes.review.branches[0]: 该分支始终未到达汇合节点 review_done" in messages
    assert "nodes.review_done: 无法从开始节点到达" in messages


def test_missing_end_role_department_and_sla_are_each_reported() -> None:
    spec = licence_spec()
    for end in ("end_refused", "end_granted", "end_denied"):
        spec["nodes"][end] = {"type": "task"}
    spec["nodes"]["decide"]["role"] = "mayor"
    del spec["nodes"]["deliver"]["sla"]
    messages = problems(spec)
    assert "nodes: 没有结束节点，流程永远无法结束" in messages
    assert any(message.startswith("nodes.decide.role: 角色 'mayor' 不存在") for message in messages)
    assert "nodes.deliver.sla: 每个人工环节都必须设定办理时限（工作日数或占总时限的比例）" in messages


def test_literal_department_must_exist() -> None:
    spec = licence_spec()
    spec["nodes"]["deliver"]["department"] = "no-such-dept"
    assert problems(spec) == ["nodes.deliver.department: 部门 no-such-dept 不存在"]
    DepartmentFactory(code="no-such-dept")
    validate_definition(spec)


def test_invalid_condition_names_the_character() -> None:
    spec = licence_spec()
    spec["nodes"]["accepted?"]["branches"][0]["when"] = "outcome = 'refused'"
    assert problems(spec) == ["nodes.accepted?.branches[0].when: 条件无效：意外的字符 '='（第 9 个字符）"]


def test_jumping_into_a_parallel_block_is_refused() -> None:
    spec = licence_spec()
    spec["nodes"]["granted?"]["otherwise"] = "review_task"
    assert "nodes.granted?: 从外部跳入并联块 review" in problems(spec)


def test_loading_makes_versions_and_only_one_is_active(db: None) -> None:
    first = do_load_definition(None, licence_spec())
    second = do_load_definition(None, licence_spec())
    assert (first.version, second.version, second.status) == (1, 2, DefinitionStatus.DRAFT)
    do_activate_definition(None, "licence", 1)
    do_activate_definition(None, "licence", 2)
    statuses = dict(ProcessDefinition.objects.values_list("version", "status"))
    assert statuses == {1: DefinitionStatus.RETIRED, 2: DefinitionStatus.ACTIVE}


def test_invalid_definition_is_never_stored_nor_activated() -> None:
    spec = licence_spec()
    del spec["nodes"]["decide"]["sla"]
    with pytest.raises(ValidationError):
        do_load_definition(None, spec)
    assert not ProcessDefinition.objects.exists()
    # A definition that became invalid (its department was removed) is not activated either.
    department = DepartmentFactory(code="gone")
    spec = licence_spec()
    spec["nodes"]["deliver"]["department"] = "gone"
    stored = do_load_definition(None, spec)
    department.delete()
    with pytest.raises(ValidationError, match="gone"):
        do_activate_definition(None, "licence", stored.version)
    stored.refresh_from_db()
    assert stored.status == DefinitionStatus.DRAFT


def test_command_validates_loads_and_activates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("workflow", "validate", str(LICENCE_DEFINITION_FILE))
    call_command("workflow", "load", str(LICENCE_DEFINITION_FILE))
    call_command("workflow", "activate", "licence", "1")
    output = capsys.readouterr().out
    assert "OK (licence, 11 nodes)" in output
    assert "activated licence version 1" in output
    broken = tmp_path / "broken.json"
    spec = licence_spec()
    spec["start"] = "nowhere"
    broken.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(CommandError, match="start: "):
        call_command("workflow", "load", str(broken))
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("workflow", "validate", str(broken))
    assert ProcessDefinition.objects.count() == 1
