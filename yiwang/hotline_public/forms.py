"""Forms of the hotline's public side: the Q&A and knowledge search boxes and the template answer editor."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.hotline_public.models import TemplateAnswer
from yiwang.org.models import Department


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(label=_("Question"), max_length=200, strip=True)


class DashboardForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        coerce=int,
        choices=[(7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days"))],
    )


class TemplateAnswerForm(forms.ModelForm):
    class Meta:
        model = TemplateAnswer
        fields = ["department", "title", "body", "keywords"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["department"])
        field.queryset = departments if departments is not None else Department.objects.order_by("code")
