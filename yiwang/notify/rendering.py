"""Filling templates (模板渲染) and masking addresses for display (脱敏)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PLACEHOLDER_RE = re.compile(r"\(\(\s*([A-Za-z0-9_]+)\s*\)\)")


def placeholders(*texts: str) -> list[str]:
    """The ``((name))`` placeholders used in ``texts``, in order of first use."""
    names: dict[str, None] = {}
    for text in texts:
        names.update(dict.fromkeys(PLACEHOLDER_RE.findall(text)))
    return list(names)


def render_message(subject: str, body: str, personalisation: Mapping[str, Any]) -> tuple[str, str]:
    """Fill every ``((name))`` of ``subject`` and ``body`` with the plain-text value of ``name``.

    Raises ValidationError naming every placeholder without a value.
    """
    missing = [name for name in placeholders(subject, body) if personalisation.get(name) in (None, "")]
    if missing:
        raise ValidationError(
            {"personalisation": _("Missing personalisation: %(names)s") % {"names": "、".join(missing)}},
            code="missing_personalisation",
        )

    def fill(text: str) -> str:
        return PLACEHOLDER_RE.sub(lambda match: str(personalisation[match.group(1)]), text)

    return fill(subject), fill(body)


def mask_phone(phone: str) -> str:
    """138****8000."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_email(email: str) -> str:
    """z***@example.cn."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
