"""Forms of the catalogue's back office (指南编辑)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.actions import parse_guide_or_raise
from yiwang.catalog.guide import GuideContent, guide_json


class GuideDraftForm(forms.Form):
    """A guide as JSON (the format of docs/catalog-format.md) with a change note."""

    content = forms.CharField(
        label=_("Guide (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
        help_text=_("Every element of the guide, in the guide file format."),
    )
    change_note = forms.CharField(label=_("What changed"), max_length=500, required=False)

    def clean_content(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cleaned_data["content"])
        except json.JSONDecodeError as error:
            raise ValidationError(
                _("Not valid JSON (line %(line)s, column %(column)s).")
                % {"line": error.lineno, "column": error.colno}
            ) from error
        try:
            content: GuideContent = parse_guide_or_raise(data)
        except ValidationError as error:
            raise ValidationError(
                [
                    f"{element}：{message}"
                    for element, messages in error.message_dict.items()
                    for message in messages
                ]
            ) from error
        return guide_json(content)


class RejectGuideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 3}))
