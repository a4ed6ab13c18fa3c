"""The guide (办事指南) and bundle (一件事) file formats as pydantic models: the contract of docs/catalog-format.md.

Every guide version's content is stored as the JSON these models produce, so pages, the API and the checks read
one shape. Unknown keys are refused, so a misspelt element never silently disappears.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ItemTypeCode = Literal[
    "licence",
    "benefit",
    "confirmation",
    "adjudication",
    "award",
    "other_power",
    "public_service",
    "penalty",
    "enforcement",
    "levy",
    "inspection",
]
Audience = Literal["person", "company"]
MaterialSource = Literal["applicant", "issued", "shared"]
Medium = Literal["electronic", "paper", "both"]
Necessity = Literal["required", "deferrable", "optional"]
TrustLevel = Literal["A", "B", "C", "D"]
Delivery = Literal["electronic", "window", "post"]
# Whom a shared material is about (see docs/catalog-format.md): the applicant (or the company applying), the person
# the service is for (the bundle's beneficiary, else the applicant), the newborn, its mother, father or both
# parents, the applicant's spouse, or another person the platform cannot name (the department checks it).
Subject = Literal["applicant", "beneficiary", "newborn", "mother", "father", "parents", "spouse", "other"]
Beneficiary = Literal["applicant", "newborn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LegalBasis(_Strict):
    """One provision the item rests on (设定依据): law, article and its text."""

    law: str
    article: str = ""
    text: str = ""


class Material(_Strict):
    """One application material (申请材料)."""

    name: str
    source: MaterialSource | None = None
    data_service: str = ""
    subject: Subject | None = None
    medium: Medium = "paper"
    original: bool = False
    count: int = Field(default=1, ge=1)
    necessity: Necessity | None = None
    trust_level: TrustLevel = "C"
    notes: str = ""
    template_url: str = ""
    sample_url: str = ""


class Fee(_Strict):
    """One charge (收费项目) with its standard, legal basis and exemptions."""

    item: str
    standard: str
    basis: str = ""
    exemptions: str = ""


class SpecialProcedure(_Strict):
    """A special procedure (特别程序) such as 现场核查 or 专家评审."""

    name: str
    time_limit_days: int = Field(ge=0)
    basis: str = ""
    counts_toward_limit: bool = False


class Result(_Strict):
    """What the applicant gets (审批结果)."""

    name: str = ""
    licence_type: str = ""
    validity: str = ""
    delivery: list[Delivery] = []


class Faq(_Strict):
    question: str
    answer: str


class ChangeLogEntry(_Strict):
    date: dt.date
    change: str


class GuideContent(_Strict):
    """A complete guide (办事指南), element for element as in docs/catalog-format.md."""

    implementation_code: str = Field(min_length=1)
    basic_code: str = ""
    name: str = Field(min_length=1)
    item_type: ItemTypeCode
    department: str = Field(min_length=1)
    co_departments: list[str] = []
    audiences: list[Audience] = []
    legal_basis: list[LegalBasis] = []
    conditions: list[str] = []
    refusal_reasons: list[str] = []
    materials: list[Material] = []
    fees: list[Fee] = []
    legal_limit_days: int | None = Field(default=None, ge=0)
    promised_limit_days: int | None = Field(default=None, ge=0)
    special_procedures: list[SpecialProcedure] = []
    result: Result = Result()
    online_depth: int = Field(default=1, ge=1, le=4)
    visits: int = Field(default=2, ge=0, le=2)
    appointment: bool = False
    post: bool = False
    place: str = ""
    hours: str = ""
    contact_phone: str = ""
    complaint_phone: str = ""
    faqs: list[Faq] = []
    version: str = "1.0"
    effective_date: dt.date | None = None
    change_log: list[ChangeLogEntry] = []
    keywords: list[str] = []

    @field_validator("audiences")
    @classmethod
    def _no_repeated_audience(cls, audiences: list[str]) -> list[str]:
        if len(set(audiences)) != len(audiences):
            raise ValueError(str(_("An audience is listed twice.")))
        return audiences


class BundleFile(_Strict):
    """A life-event bundle file (一件事)."""

    code: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    description: str = ""
    audiences: list[Audience] = []
    items: list[str] = Field(min_length=1)
    keywords: list[str] = []
    beneficiary: Beneficiary = "applicant"


_MESSAGES = {
    "missing": lambda error: _("This element is missing."),
    "extra_forbidden": lambda error: _("This element is not part of the guide format."),
    "literal_error": lambda error: (
        _("Must be one of: %(allowed)s.") % {"allowed": error.get("ctx", {}).get("expected", "")}
    ),
    "string_type": lambda error: _("Must be text."),
    "int_type": lambda error: _("Must be a whole number."),
    "int_parsing": lambda error: _("Must be a whole number."),
    "bool_type": lambda error: _("Must be true or false."),
    "bool_parsing": lambda error: _("Must be true or false."),
    "list_type": lambda error: _("Must be a list."),
    "model_type": lambda error: _("Must be an object."),
    "dict_type": lambda error: _("Must be an object."),
    "date_from_datetime_parsing": lambda error: _("Must be a date such as 2026-01-01."),
    "date_parsing": lambda error: _("Must be a date such as 2026-01-01."),
    "date_type": lambda error: _("Must be a date such as 2026-01-01."),
    "greater_than_equal": lambda error: _("Must be at least %(limit)s.") % {"limit": error["ctx"]["ge"]},
    "less_than_equal": lambda error: _("Must be at most %(limit)s.") % {"limit": error["ctx"]["le"]},
    "string_too_short": lambda error: _("Must not be empty."),
    "too_short": lambda error: _("Must not be empty."),
    "string_pattern_mismatch": lambda error: _("Use lower-case letters, digits and hyphens only."),
}


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(element path, Chinese message) for each error, e.g. ``("materials.0.source", "…")``."""
    found = []
    for detail in error.errors():
        path = ".".join(str(part) for part in detail["loc"]) or "__all__"
        describe = _MESSAGES.get(detail["type"])
        if describe is not None:
            message = str(describe(detail))
        elif detail["type"] == "value_error":
            message = str(detail.get("ctx", {}).get("error", detail["msg"]))
        else:
            message = _("Invalid value.")
        found.append((path, message))
    return found


def parse_guide(data: Any) -> GuideContent:
    """Validate raw guide data; raises pydantic's ValidationError (see :func:`field_errors`)."""
    return GuideContent.model_validate(data)


def guide_json(content: GuideContent) -> dict[str, Any]:
    """The stored, API-facing JSON of a guide; a material's ``subject`` only where the guide declares one."""
    data = content.model_dump(mode="json")
    for material in data["materials"]:
        if material["subject"] is None:
            del material["subject"]
    return data
