"""Masking personal names for pages that show people to others (姓名脱敏)."""

from __future__ import annotations

COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "夏侯",
    "司徒",
)


def masked_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**: the surname stays, the given name is hidden."""
    surname = next((compound for compound in COMPOUND_SURNAMES if name.startswith(compound)), name[:1])
    return surname + "*" * max(len(name) - len(surname), 1)
