"""The classifier itself: persistence without pickle, confidences, reasons."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.routing.synthetic import format_one_model_file, labelled_messages
from yiwang.routing.classifier import FeatureConfig, TextClassifier, calibration_folds, train


@pytest.fixture(scope="module")
def trained() -> TextClassifier:
    rows = labelled_messages()
    return train([text for text, _ in rows], [label for _, label in rows], FeatureConfig(), 0.98)


def test_saved_model_predicts_exactly_as_trained(trained: TextClassifier) -> None:
    texts = ["新华路的路灯不亮了", "老板拖欠工资三个月", "饭店后厨老鼠乱窜"]
    loaded = TextClassifier.from_bytes(trained.to_bytes({"note": "test"}))
    assert loaded.classes == trained.classes
    assert np.allclose(loaded.probabilities(texts), trained.probabilities(texts))
    assert loaded.threshold == trained.threshold
    assert loaded.metadata == {"note": "test"}


def test_a_model_without_the_subject_block_round_trips_too() -> None:
    rows = labelled_messages()
    plain = train(
        [text for text, _ in rows], [label for _, label in rows], FeatureConfig(head_chars=None), 0.98
    )
    loaded = TextClassifier.from_bytes(plain.to_bytes({}))
    assert [kind for kind, _ in loaded.vectorizers] == ["char", "word"]
    texts = ["新华路的路灯不亮了", "老板拖欠工资三个月"]
    assert np.allclose(loaded.probabilities(texts), plain.probabilities(texts))


def test_routes_unseen_wording_and_explains_why(trained: TextClassifier) -> None:
    probabilities = trained.probabilities(["北大街的红绿灯故障，车辆乱成一团"])[0]
    best = int(probabilities.argmax())
    assert trained.classes[best] == "roads"
    assert abs(probabilities.sum() - 1) < 1e-6
    assert any("红绿灯" in term for term in trained.explain("北大街的红绿灯故障，车辆乱成一团", best))


def test_a_file_with_pickled_objects_is_refused() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array([{"format": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        TextClassifier.from_bytes(buffer.getvalue())


def test_a_model_file_of_the_previous_format_asks_to_be_retrained() -> None:
    # Format 1 calibrated its threshold on the top confidence, not on the lead: it means something else now.
    with pytest.raises(ValueError, match="yiwang routing retrain"):
        TextClassifier.from_bytes(format_one_model_file())


def test_a_department_known_from_one_sentence_does_not_stop_calibration() -> None:
    # Cold start: a department with a single duty sentence must not leave every message to a person.
    rows = [*labelled_messages(), ("负责全区档案的收集、整理和利用", "archives")]
    model = train([text for text, _ in rows], [label for _, label in rows], FeatureConfig(), 0.98)
    assert model.metadata["calibration_folds"] == 3
    assert model.threshold < 1.0 and model.softmax_scale != 1.0
    assert "archives" in model.classes
    probabilities = model.probabilities(["新华路的路灯不亮了，已经很久了。"])[0]
    assert model.classes[int(probabilities.argmax())] == "roads" and probabilities.max() > 0.5


@pytest.mark.parametrize(
    ("counts", "folds"),
    [({"a": 10, "b": 10}, 3), ({"a": 10, "b": 2, "c": 1}, 2), ({"a": 10, "b": 1}, 0), ({"a": 5}, 0)],
)
def test_calibration_folds_need_two_classes_with_that_many_examples(
    counts: dict[str, int], folds: int
) -> None:
    labels = np.array([label for label, count in counts.items() for _ in range(count)])
    assert calibration_folds(labels, 3) == folds
