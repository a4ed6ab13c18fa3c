"""Filling ``((name))`` placeholders (模板渲染)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yiwang.notify.rendering import mask_email, mask_phone, placeholders, render_message


def test_placeholders_are_filled_in_subject_and_body() -> None:
    subject, body = render_message(
        "((item))已受理", "((name))您好，您申请的((item))已受理。", {"name": "张三", "item": "营业执照"}
    )
    assert subject == "营业执照已受理"
    assert body == "张三您好，您申请的营业执照已受理。"


def test_every_missing_value_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        render_message("((item))", "((name))，验证码((code))", {"name": "张三"})
    assert caught.value.message_dict == {"personalisation": ["缺少个性化内容：item、code"]}


def test_an_empty_value_counts_as_missing() -> None:
    with pytest.raises(ValidationError):
        render_message("", "验证码((code))", {"code": ""})


def test_numbers_are_written_as_text() -> None:
    assert render_message("", "((minutes))分钟内有效", {"minutes": 5}) == ("", "5分钟内有效")


def test_placeholders_are_listed_once_in_order_of_use() -> None:
    assert placeholders("((b))((a))", "((b))((c))") == ["b", "a", "c"]


@given(value=st.text(min_size=1))
def test_values_are_inserted_verbatim_and_never_expanded_again(value: str) -> None:
    _subject, body = render_message("", "前((x))后", {"x": value, "y": "不应出现"})
    assert body == f"前{value}后"


def test_masking_keeps_only_what_identifies_the_message_to_its_owner() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_email("zhang.san@example.cn") == "z***@example.cn"
