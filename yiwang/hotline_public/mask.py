"""Masking personal data by rule (脱敏) before an answer is published.

Each rule replaces what it finds with a form that keeps the text readable (138****8000, 张*, 川A·*****) and that no
rule matches again, so masking is idempotent. Names are masked where the context says a name follows
(我叫 / 姓名 / 联系人 …) and wherever a name the caller knows (the reporter's) appears.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from yiwang.core.masking import COMPOUND_SURNAMES, masked_name
from yiwang.core.text import strip_bidi_controls

# The most common Chinese surnames (百家姓 by frequency), compound ones first so they win.
SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
NAME_CONTEXT = (
    r"(?:我叫|我是|本人|姓名(?:是|为)?|联系人(?:是|为)?|报告人|投诉人|举报人|反映人|来电人|市民)[:：\s]*"
)
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SINGLE_SURNAMES + "])"
_NAME_RE = re.compile(
    f"(?P<context>{NAME_CONTEXT})(?P<surname>{_SURNAME})(?P<given>[\u4e00-\u9fff]{{1,2}})(?![*＊])"
)
# Forms of address that are not names: 张先生, 李女士, 王师傅 keep the surname and the title.
_TITLES = ("先生", "女士", "小姐", "师傅", "阿姨", "大爷", "大妈", "老师", "同志")

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_RESIDENT_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<![\d+])(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)(\(0\d{2,3}\)|0\d{2,3})[-\s]?(\d{3,4})[-\s]?(\d{4})(?!\d)")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_RE = re.compile(f"([{_PROVINCES}][A-Z])[·•.\\s-]?[A-HJ-NP-Z0-9]{{5,6}}(?![A-Za-z0-9])")
_HOUSE_RE = re.compile(r"[0-9０-９一二三四五六七八九十百]+(?=号楼|号院|栋|幢|单元|室|层|户)")
_DASHED_ROOM_RE = re.compile(r"(?<![\d-])\d{1,3}-\d{1,3}-\d{3,4}(?![\d-])")  # 3-2-502: building-unit-room


def _mask_email(match: re.Match[str]) -> str:
    local, _at, domain = match.group(0).partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_resident_id(match: re.Match[str]) -> str:
    number = match.group(0)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def _mask_mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def _mask_landline(match: re.Match[str]) -> str:
    return f"{match.group(1)}-****{match.group(3)}"


def _mask_plate(match: re.Match[str]) -> str:
    return f"{match.group(1)}·*****"


def _mask_context_name(match: re.Match[str]) -> str:
    given = match.group("given")
    if given in _TITLES or given[:2] in _TITLES:
        return match.group(0)
    return match.group("context") + masked_name(match.group("surname") + given)


RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str], ...] = (
    (_EMAIL_RE, _mask_email),
    (_RESIDENT_ID_RE, _mask_resident_id),
    (_MOBILE_RE, _mask_mobile),
    (_LANDLINE_RE, _mask_landline),
    (_PLATE_RE, _mask_plate),
    (_DASHED_ROOM_RE, "*-*-***"),
    (_HOUSE_RE, "*"),
    (_NAME_RE, _mask_context_name),
)


def mask_personal_data(text: str, known_names: Iterable[str] = ()) -> str:
    """The text with names, phone numbers, resident ID numbers, plates, house numbers and e-mails masked.

    Bidirectional control characters go first: they could hide a number from the patterns below, or make the
    published text display differently from what was written."""
    text = strip_bidi_controls(text)
    for name in sorted(
        {name.strip() for name in known_names if len(name.strip()) >= 2}, key=len, reverse=True
    ):
        text = text.replace(name, masked_name(name))
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text
