"""``yiwang routing train`` and ``yiwang routing evaluate --json`` on a synthetic CSV file."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.routing.synthetic import labelled_messages, write_csv
from yiwang.routing.models import RoutingModel
from yiwang.routing.router import propose

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("routing", *args, stdout=out)
    return out.getvalue()


def test_evaluate_prints_one_json_object_with_the_figures(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "messages.csv", labelled_messages(), "message", "topic")
    output = run(
        "evaluate", "--data", str(data), "--text-column", "message", "--label-column", "topic", "--json"
    )
    result = json.loads(output)
    assert {
        "macro_f1",
        "accuracy",
        "per_class_recall",
        "threshold",
        "coverage",
        "precision_at_threshold",
    } <= set(result)
    assert set(result["per_class_recall"]) == {"roads", "wages", "food"}
    assert result["n_samples"] == 72 and result["folds"] == 5
    assert 0.9 <= result["macro_f1"] <= 1 and 0.9 <= result["accuracy"] <= 1
    assert 0 <= result["coverage"] <= 1 and 0 <= result["threshold"] <= 1
    assert result["precision_at_threshold"] is None or result["precision_at_threshold"] >= 0.9
    assert RoutingModel.objects.count() == 0  # evaluating never changes the active model


def test_evaluate_with_a_fixed_threshold_and_three_folds(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "messages.csv", labelled_messages())
    result = json.loads(run("evaluate", "--data", str(data), "--folds", "3", "--threshold", "0", "--json"))
    assert result["folds"] == 3 and result["threshold"] == 0
    assert result["coverage"] == 1.0 and result["precision_at_threshold"] == result["accuracy"]


def test_train_activates_a_model_whose_labels_are_category_names(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "messages.csv", labelled_messages())
    output = run("train", "--data", str(data))
    model = RoutingModel.objects.get(is_active=True)
    assert f"v{model.version}" in output
    assert model.training["classes"] == ["food", "roads", "wages"]
    assert model.training["n_samples"] == 72
    assert model.training["data_source"] == "file:messages.csv"
    assert len(model.training["data_sha256"]) == 64
    assert (Path(model.training["file_sha256"]) and model.file_sha256) == model.training["file_sha256"]
    assert propose("河西村的井盖丢失了").department == "roads"


def test_segmented_rows_are_joined_when_asked(tmp_path: Path) -> None:
    data = tmp_path / "segmented.csv"
    rows = [
        "text,label,form",
        *(f"{' '.join(text)},{label},segmented" for text, label in labelled_messages()),
    ]
    data.write_text("\n".join(rows), encoding="utf-8")
    run("train", "--data", str(data), "--join-segmented")
    assert propose("东门街道路灯不亮").department == "roads"


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "messages.csv", labelled_messages())
    with pytest.raises(CommandError, match="no column body"):
        run("evaluate", "--data", str(data), "--text-column", "body", "--json")
    with pytest.raises(CommandError, match="cannot read"):
        run("train", "--data", str(tmp_path / "absent.csv"))
