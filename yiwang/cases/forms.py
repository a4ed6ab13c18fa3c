"""Forms of the case pages (办件页面表单): the application form generated from the guide, the applicant's
corrections, and one form per staff action. They parse input only; the actions decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.forms import InPersonCheckForm
from yiwang.accounts.models import Company
from yiwang.cases.models import ApplicantKind, Case, Decision, DeliveryMethod, Material, MaterialSource
from yiwang.core.fields import resident_id_field
from yiwang.core.models import StopReason
from yiwang.core.validators import validate_phone, validate_resident_id
from yiwang.org.models import Department

TEXT_AREA = forms.Textarea(attrs={"rows": 3})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes several files (one material may need several pages)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


def material_field_name(material: Material) -> str:
    return f"material_{material.pk}"


# --- Applying (申请) ---------------------------------------------------------------------------------------------


class StartApplicationForm(forms.Form):
    """Who the application is for (申请人): myself, a company I act for, or a citizen I help as village agent."""

    applicant_kind = forms.ChoiceField(
        label=_("I am applying for"), choices=ApplicantKind.choices, widget=forms.RadioSelect
    )
    company = forms.ModelChoiceField(
        label=_("Company"), queryset=Company.objects.none(), required=False, empty_label=_("Choose a company")
    )
    citizen_name = forms.CharField(label=_("Citizen's name"), max_length=50, required=False)
    citizen_resident_id = forms.CharField(
        label=_("Citizen's resident ID number"),
        max_length=18,
        required=False,
        help_text=_(
            "The citizen confirms with a code sent to the mobile number of their own verified account, or in "
            "person at a service window or village service station."
        ),
    )

    def __init__(self, *args: Any, companies: Iterable[Company] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_ids = [company.pk for company in companies]
        company_field = cast(forms.ModelChoiceField, self.fields["company"])
        company_field.queryset = Company.objects.filter(pk__in=company_ids).order_by("name")
        if not company_ids:
            kind_field = cast(forms.ChoiceField, self.fields["applicant_kind"])
            kind_field.choices = [
                choice for choice in ApplicantKind.choices if choice[0] != ApplicantKind.COMPANY
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("applicant_kind")
        if kind == ApplicantKind.COMPANY and not data.get("company"):
            self.add_error("company", _("Choose the company you apply for."))
        if kind == ApplicantKind.DELEGATED:
            for name, message in (
                ("citizen_name", _("Enter the name of the citizen you act for.")),
                ("citizen_resident_id", _("Enter the citizen's resident ID number.")),
            ):
                if not data.get(name):
                    self.add_error(name, message)
            for name, validator in (("citizen_resident_id", validate_resident_id),):
                if data.get(name) and name not in self.errors:
                    try:
                        validator(data[name])
                    except ValidationError as error:
                        self.add_error(name, error)
        return data


class ApplicationForm(forms.Form):
    """The application form generated from the guide(s): contact details, then one upload field per material the
    applicant hands in (shared materials are fetched by the government and get no field, unless fetching failed)."""

    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(
        label=_("Contact mobile number"), max_length=11, validators=[validate_phone]
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        help_text=_("The place of business or home address the application concerns."),
    )
    description = forms.CharField(
        label=_("What you apply for"),
        max_length=2000,
        required=False,
        widget=TEXT_AREA,
        help_text=_("For example the business scope or anything the department should know."),
    )

    DETAIL_FIELDS = ("contact_name", "contact_phone", "address", "description")

    def __init__(self, *args: Any, materials: Iterable[Material] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload_materials = [
            m for m in materials if m.source != MaterialSource.SHARED or m.shared_problem
        ]
        for material in self.upload_materials:
            self.fields[material_field_name(material)] = MultipleFileField(label=material.name)

    def form_data(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.DETAIL_FIELDS}

    def uploads(self) -> list[tuple[Material, UploadedFile]]:
        return [
            (material, upload)
            for material in self.upload_materials
            for upload in self.cleaned_data.get(material_field_name(material), [])
        ]


class DelegationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=6,
        min_length=6,
        help_text=_("The six-digit code the citizen received by text message."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CorrectionUploadForm(forms.Form):
    """Corrected files for each material the correction notice lists (补正材料)."""

    note = forms.CharField(
        label=_("Note to the department"), max_length=2000, required=False, widget=TEXT_AREA
    )

    def __init__(self, *args: Any, materials: Iterable[Material] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.materials = list(materials)
        for material in self.materials:
            self.fields[material_field_name(material)] = MultipleFileField(label=material.name)

    def rows(self) -> list[tuple[Material, forms.BoundField]]:
        return [(material, self[material_field_name(material)]) for material in self.materials]

    def uploads(self) -> list[tuple[Material, UploadedFile]]:
        return [
            (material, upload)
            for material in self.materials
            for upload in self.cleaned_data.get(material_field_name(material), [])
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


# --- Staff actions (办理) -----------------------------------------------------------------------------------------


class CaseActionForm(forms.Form):
    """Base of every staff action form: the case version the page showed, so a stale page gets a conflict."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.case = case

    action = ""
    title: Any = ""

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of the action (besides actor, case and expected_version)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class AcceptForm(CaseActionForm):
    action = "accept"
    title = _("Accept")


class RefuseForm(CaseActionForm):
    action = "refuse"
    title = _("Refuse to accept")
    reason = forms.CharField(label=_("Reason for not accepting"), max_length=2000, widget=TEXT_AREA)


class CorrectionForm(CaseActionForm):
    """A correction notice (补正告知): tick every material that needs correcting and say what is wrong, at once."""

    action = "request_correction"
    title = _("Request corrections")
    note = forms.CharField(label=_("Further explanation"), max_length=2000, required=False, widget=TEXT_AREA)

    def __init__(self, *args: Any, case: Case, materials: Iterable[Material] = (), **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.materials = list(materials)
        for material in self.materials:
            self.fields[f"pick_{material.pk}"] = forms.BooleanField(label=material.name, required=False)
            self.fields[f"problem_{material.pk}"] = forms.CharField(
                label=_("What needs correcting in “%(name)s”") % {"name": material.name},
                max_length=500,
                required=False,
            )

    def rows(self) -> list[tuple[Material, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"pick_{m.pk}"], self[f"problem_{m.pk}"]) for m in self.materials]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = [m for m in self.materials if data.get(f"pick_{m.pk}")]
        if not picked:
            raise ValidationError(_("Tick at least one material that needs correcting."))
        for material in picked:
            if not data.get(f"problem_{material.pk}"):
                self.add_error(f"problem_{material.pk}", _("Say what needs correcting in this material."))
        return data

    def arguments(self) -> dict[str, Any]:
        problems = {
            m.pk: self.cleaned_data[f"problem_{m.pk}"]
            for m in self.materials
            if self.cleaned_data[f"pick_{m.pk}"]
        }
        return {"problems": problems, "note": self.cleaned_data["note"]}


class OpinionForm(CaseActionForm):
    action = "opinion"
    title = _("Record the review opinion")
    outcome = forms.ChoiceField(
        label=_("Review result"),
        choices=[("approve", _("Agree")), ("object", _("Object"))],
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(label=_("Review opinion"), max_length=4000, widget=TEXT_AREA)


class ReturnForm(CaseActionForm):
    """Return (退回) to one of the steps the person may return the case to, with the reason."""

    action = "return"
    title = _("Return to an earlier step")
    step = forms.ChoiceField(label=_("Return to"), choices=[])
    reason = forms.CharField(label=_("Reason for returning"), max_length=2000, widget=TEXT_AREA)

    def __init__(self, *args: Any, case: Case, steps: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["step"].choices = list(steps)  # type: ignore[attr-defined]


class _DepartmentForm(CaseActionForm):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), empty_label=_("Choose a department")
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=TEXT_AREA)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["department"].queryset = Department.objects.exclude(  # type: ignore[attr-defined]
            code__in=case.review_departments
        ).order_by("code")


class TransferForm(_DepartmentForm):
    action = "transfer"
    title = _("Transfer to another department")


class AddDepartmentForm(_DepartmentForm):
    action = "add_department"
    title = _("Add a reviewing department")


class ExtensionRequestForm(CaseActionForm):
    action = "request_extension"
    title = _("Request an extension")
    days = forms.IntegerField(label=_("Working days to add"), min_value=1, max_value=15)
    reason = forms.CharField(label=_("Reason for the extension"), max_length=2000, widget=TEXT_AREA)


class ExtensionApprovalForm(CaseActionForm):
    action = "approve_extension"
    title = _("Decide on the extension")
    approve = forms.TypedChoiceField(
        label=_("Decision on the extension"),
        choices=[("yes", _("Approve")), ("no", _("Do not approve"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=TEXT_AREA)


class StartProcedureForm(CaseActionForm):
    action = "start_procedure"
    title = _("Start a special procedure")
    kind = forms.ChoiceField(
        label=_("Special procedure"),
        choices=[choice for choice in StopReason.choices if choice[0] != StopReason.CORRECTION],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=TEXT_AREA)
    expected_days = forms.IntegerField(
        label=_("Expected working days"), min_value=1, max_value=365, required=False
    )


class EndProcedureForm(CaseActionForm):
    action = "end_procedure"
    title = _("End the special procedure")
    result = forms.CharField(
        label=_("Result of the procedure"), max_length=2000, required=False, widget=TEXT_AREA
    )


class SuperviseForm(CaseActionForm):
    action = "supervise"
    title = _("Supervise")
    message = forms.CharField(label=_("Supervision message"), max_length=2000, widget=TEXT_AREA)


class DecideForm(CaseActionForm):
    action = "decide"
    title = _("Decide")
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), max_length=4000, widget=TEXT_AREA)
    remedies = forms.CharField(
        label=_("Remedies"),
        max_length=2000,
        required=False,
        widget=TEXT_AREA,
        help_text=_(
            "How the applicant may seek a remedy; left empty, the standard text on reconsideration and lawsuits "
            "is used."
        ),
    )


class DeliverForm(CaseActionForm):
    action = "deliver"
    title = _("Deliver")
    method = forms.ChoiceField(label=_("Delivery method"), choices=DeliveryMethod.choices)


class CloseForm(CaseActionForm):
    action = "close"
    title = _("Close the case")


ACTION_FORMS: dict[str, type[CaseActionForm]] = {
    form.action: form
    for form in (
        AcceptForm,
        RefuseForm,
        CorrectionForm,
        OpinionForm,
        ReturnForm,
        TransferForm,
        AddDepartmentForm,
        ExtensionRequestForm,
        ExtensionApprovalForm,
        StartProcedureForm,
        EndProcedureForm,
        SuperviseForm,
        DecideForm,
        DeliverForm,
        CloseForm,
    )
}


class InPersonDelegationForm(InPersonCheckForm):
    """A clerk confirms a delegation with the citizen and their document present (现场确认代办)."""

    field_order = ["reference", "resident_id", "document", "place"]
    reference = forms.CharField(
        label=_("Application reference"), max_length=12, help_text=_("The agent shows it on their draft.")
    )
    resident_id = resident_id_field(label=_("Resident ID number on the document"))


class _ListedChoiceField(forms.ChoiceField):
    """Radio buttons of the listed values; whether a value is allowed is the action's decision (and its refusal
    is recorded), not the form's."""

    def valid_value(self, value: Any) -> bool:
        return True


class NewbornChoiceForm(forms.Form):
    """Which of the applicant's recent children a newborn draft is for: only those the birth registry lists."""

    certificate_number = _ListedChoiceField(label=_("Your child"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, choices: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["certificate_number"])
        field.choices = [
            (
                child.certificate_number,
                _("%(name)s, born %(date)s, birth certificate %(number)s")
                % {
                    "name": child.masked_name,
                    "date": child.birth_date.isoformat(),
                    "number": child.certificate_number,
                },
            )
            for child in choices
        ]
