"""Forms of the hotline pages: leaving a message (我要留言), entering a call, and the steps of the loop."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import CallbackResult, TicketKind, Urgency
from yiwang.org.models import Department, Division


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the intake action (type by content, size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class TicketForm(forms.Form):
    """A message to the 12345 hotline (留言)."""

    kind = forms.ChoiceField(label=_("Type"), choices=TicketKind.choices, widget=forms.RadioSelect)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    text = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what, where and since when; at most %(limit)d characters.")
        % {"limit": settings.HOTLINE_MESSAGE_MAX_CHARS},
        error_messages={"required": _("Describe the matter.")},
    )
    division = forms.ModelChoiceField(
        label=_("District or town"),
        queryset=Division.objects.order_by("code"),
        error_messages={"required": _("Choose where it happened.")},
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=10, decimal_places=6)
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send progress by SMS and call you back about the answer."),
        error_messages={"required": _("Give a mobile number so that we can call you back.")},
    )
    consent_to_publish = forms.BooleanField(
        label=_("The answer may be published with my personal data removed"), required=False
    )
    attachments = MultipleFileField(label=_("Photos or documents (PDF, JPEG, PNG)"), required=False)


class ActionForm(forms.Form):
    """One step of the handling loop; which fields count depends on ``action``."""

    action = forms.CharField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("code"),
        required=False,
        to_field_name="code",
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reply_text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    message = forms.CharField(
        label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    result = forms.ChoiceField(
        label=_("Callback result"), choices=CallbackResult.choices, required=False, widget=forms.RadioSelect
    )
    days = forms.IntegerField(label=_("Working days"), min_value=1, required=False)
    extension_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
        required=False,
        widget=forms.RadioSelect,
    )
    into = forms.CharField(label=_("Merge into work order number"), max_length=20, required=False)
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[
            (5, _("Very satisfied")),
            (4, _("Satisfied")),
            (3, _("Fair")),
            (2, _("Unsatisfied")),
            (1, _("Very unsatisfied")),
        ],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
