"""Display labels (显示名称) for the coded values of a guide."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import Audience, ItemType

LABELS: dict[str, dict[str, str | Promise]] = {
    "item_type": dict(ItemType.choices),
    "audience": dict(Audience.choices),
    "source": {
        "applicant": _("Brought by the applicant"),  # 申请人自备
        "issued": _("Issued by a department"),  # 部门核发
        "shared": _("Fetched from shared data"),  # 共享获取
    },
    "medium": {"electronic": _("Electronic"), "paper": _("Paper"), "both": _("Electronic or paper")},
    "necessity": {
        "required": _("Required"),  # 必要
        "deferrable": _("Can follow later"),  # 容缺
        "optional": _("Optional"),  # 非必要
    },
    "delivery": {
        "electronic": _("Electronic licence"),  # 电子证照
        "window": _("Collect at the window"),  # 窗口领取
        "post": _("By post"),  # 邮寄
    },
    "online_depth": {
        "1": _("Information online"),  # 信息公开
        "2": _("Advice and forms online"),  # 在线咨询/下载
        "3": _("Online pre-review"),  # 在线预审
        "4": _("Fully online"),  # 全程网办
    },
}


def label(kind: str, value: object) -> str:
    """The label of ``value`` among the ``kind`` codes, or the value itself when unknown."""
    return str(LABELS.get(kind, {}).get(str(value), value))
