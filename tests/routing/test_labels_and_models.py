"""Corrections become labels, retraining uses them, model files are checked and a worse model is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from tests.factories import DepartmentFactory, StaffFactory
from tests.routing.synthetic import format_one_model_file, labelled_messages
from yiwang.core.models import AuditRecord
from yiwang.routing.actions import do_activate_model, do_record_correction, do_retrain, do_train_from_samples
from yiwang.routing.models import LabelSource, RoutingLabel, RoutingModel
from yiwang.routing.router import propose, should_auto_dispatch
from yiwang.routing.storage import ModelIntegrityError, load_model_file

pytestmark = pytest.mark.django_db


def train_synthetic() -> RoutingModel:
    rows = labelled_messages()
    return do_train_from_samples(None, [t for t, _ in rows], [label for _, label in rows], data_source="test")


def test_a_correction_is_kept_as_a_label_and_audited() -> None:
    dispatcher = StaffFactory()
    department = DepartmentFactory(code="water")
    label = do_record_correction(dispatcher, "  小区停水三天了  ", department, LabelSource.SEND_BACK)
    assert (label.text, label.department, label.source, label.created_by) == (
        "小区停水三天了",
        "water",
        "send_back",
        dispatcher,
    )
    audit = AuditRecord.objects.get(action="routing.label_recorded")
    assert audit.actor_id == dispatcher.pk


@pytest.mark.parametrize("text", ["", "   ", "长" * 5001])
def test_empty_or_oversized_corrections_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        do_record_correction(StaffFactory(), text, DepartmentFactory())
    assert "text" in caught.value.message_dict
    assert not RoutingLabel.objects.exists()


def test_retrain_learns_from_corrections() -> None:
    water, power = DepartmentFactory(code="water", duties=""), DepartmentFactory(code="power", duties="")
    dispatcher = StaffFactory()
    for place in ["幸福小区", "河西村", "新华路", "北大街", "东门街道", "建设路口"]:
        do_record_correction(dispatcher, f"{place}停水了，自来水管爆裂", water)
        do_record_correction(dispatcher, f"{place}停电了，变压器冒烟", power)
    outcome = do_retrain(None)
    assert outcome.activated and outcome.model is not None
    assert outcome.model.training["n_samples"] == 12
    proposal = propose("城南工业园自来水管爆裂停水")
    assert proposal.department == "water"
    assert [code for code, _ in proposal.candidates] == ["water", "power"]
    assert proposal.model_version == outcome.model.version


def test_a_worse_model_is_not_activated() -> None:
    current = train_synthetic()  # knows every complaint of every topic
    # Only three labels per topic, each with a complaint the others never use: a weak candidate.
    for topic, complaints in [
        ("roads", ["路灯不亮", "井盖丢失", "路面塌陷", "护栏倒了"]),
        ("wages", ["拖欠工资", "不交社保", "工伤不认", "欠薪跑路"]),
        ("food", ["饭菜变质", "后厨老鼠", "地沟油", "假冒奶粉"]),
    ]:
        for complaint in complaints:
            do_record_correction(None, f"反映{complaint}", topic, LabelSource.IMPORT)
    outcome = do_retrain(None)
    assert not outcome.activated
    assert outcome.candidate_macro_f1 is not None and outcome.current_macro_f1 is not None
    assert outcome.candidate_macro_f1 < outcome.current_macro_f1
    assert RoutingModel.objects.get(is_active=True) == current
    assert RoutingModel.objects.count() == 1
    assert AuditRecord.objects.filter(action="routing.retrain_rejected").exists()


def test_exactly_one_model_is_active() -> None:
    first, second = train_synthetic(), train_synthetic()
    assert list(RoutingModel.objects.filter(is_active=True)) == [second]
    do_activate_model(None, first)
    assert list(RoutingModel.objects.filter(is_active=True)) == [first]


def test_a_tampered_model_file_is_refused(model_directory: Path) -> None:
    row = train_synthetic()
    path = model_directory / row.file_name
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_model_file(row)
    proposal = propose("新华路路灯不亮")  # the hotline keeps working: the message goes to a person
    assert proposal.candidates == [] and not should_auto_dispatch(proposal)
    assert "没有可用的分拨模型" in proposal.reason
    with pytest.raises(ModelIntegrityError):
        do_activate_model(None, row)


def test_a_model_file_of_an_older_format_is_refused_and_replaced_by_retraining(model_directory: Path) -> None:
    row = train_synthetic()
    stale = format_one_model_file()
    (model_directory / row.file_name).write_bytes(stale)
    RoutingModel.objects.filter(pk=row.pk).update(file_sha256=hashlib.sha256(stale).hexdigest())
    row.refresh_from_db()
    with pytest.raises(ModelIntegrityError, match="retrain"):
        load_model_file(row)
    assert propose("新华路路灯不亮").candidates == []  # to a person until retrained
    do_record_correction(None, "新华路路灯不亮", "roads")
    do_record_correction(None, "老板拖欠工资", "wages")
    outcome = do_retrain(None)
    assert outcome.activated and outcome.model is not None and outcome.model.pk != row.pk
    assert propose("新华路路灯不亮").department == "roads"


def test_a_retrain_with_nothing_new_keeps_the_active_model() -> None:
    for place in ["幸福小区", "河西村", "新华路"]:
        do_record_correction(None, f"{place}停水了", "water")
        do_record_correction(None, f"{place}停电了", "power")
    first = do_retrain(None)
    assert first.activated
    again = do_retrain(None)
    assert again.unchanged and not again.activated
    assert RoutingModel.objects.count() == 1


def test_with_few_new_labels_the_candidate_replaces_the_active_model_unjudged() -> None:
    current = train_synthetic()
    for text, topic in [("幸福小区路灯不亮", "roads"), ("工地拖欠工资", "wages"), ("饭店后厨老鼠", "food")]:
        do_record_correction(None, text, topic)  # three labels since the model: too few to judge on
    outcome = do_retrain(None)
    assert outcome.activated and outcome.model is not None
    assert outcome.candidate_macro_f1 is None and outcome.current_macro_f1 is None
    assert RoutingModel.objects.get(is_active=True) == outcome.model != current


def test_threshold_setting_overrides_the_calibrated_one(settings) -> None:  # type: ignore[no-untyped-def]
    train_synthetic()
    proposal = propose("河西村后厨老鼠乱窜，卫生太差")
    assert proposal.department == "food"
    settings.ROUTING_AUTO_DISPATCH_THRESHOLD = 0.0
    assert should_auto_dispatch(propose("河西村后厨老鼠乱窜"))
    settings.ROUTING_AUTO_DISPATCH_THRESHOLD = 1.0
    assert not should_auto_dispatch(propose("河西村后厨老鼠乱窜"))


def test_dispatch_follows_the_lead_over_the_runner_up_not_the_top_confidence(settings) -> None:  # type: ignore[no-untyped-def]
    train_synthetic()
    proposal = propose("河西村后厨老鼠乱窜，卫生太差")
    (_first, top), (_second, runner_up) = proposal.candidates[:2]
    assert proposal.lead == pytest.approx(top - runner_up, abs=1e-3)
    settings.ROUTING_AUTO_DISPATCH_THRESHOLD = (proposal.lead + top) / 2  # above the lead, below the top
    assert not should_auto_dispatch(propose("河西村后厨老鼠乱窜，卫生太差"))
    settings.ROUTING_AUTO_DISPATCH_THRESHOLD = proposal.lead
    assert should_auto_dispatch(propose("河西村后厨老鼠乱窜，卫生太差"))


def test_the_retrain_job_activates_a_model(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from yiwang.routing.tasks import retrain_routing_model

    DepartmentFactory(code="water", duties="负责供水、停水抢修和自来水水质。")
    DepartmentFactory(code="power", duties="负责供电线路、停电抢修和变压器维护。")
    with django_capture_on_commit_callbacks(execute=True):
        retrain_routing_model.enqueue()
    assert RoutingModel.objects.get(is_active=True).training["classes"] == ["power", "water"]
