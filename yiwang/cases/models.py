"""Applications (申请) and cases (办件): one application to one service item or a life-event bundle fans out into
one case per item, each with its clock, process instance, materials, notices and timeline.

State changes live in :mod:`yiwang.cases.actions`; the allowed transitions are the table in
:mod:`yiwang.cases.states`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import Company
from yiwang.catalog.models import Bundle, GuideVersion, ServiceItem
from yiwang.core.models import Clock, StopReason
from yiwang.org.models import Department
from yiwang.workflow.models import ProcessInstance


class ApplicantKind(models.TextChoices):
    """Who the application is for (申请人类型)."""

    PERSON = "person", _("Myself")  # 本人
    COMPANY = "company", _("A company I act for")  # 企业（经办人代办）
    DELEGATED = "delegated", _("A citizen I act for (village agent)")  # 代办员代办


class DelegationMethod(models.TextChoices):
    """How the represented citizen confirmed the delegation (代办确认方式)."""

    CODE = "code", _("Code sent to the citizen's verified mobile number")  # 本人实名手机验证码
    IN_PERSON = "in_person", _("In person with the identity document")  # 现场核验身份证件


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 草稿
    SUBMITTED = "submitted", _("Submitted")  # 已提交


class Application(models.Model):
    """One application (申请) by ``applicant`` for one service item or one bundle (一件事).

    The acting person is ``applicant``: a citizen for themself, an approved agent of ``company``, or a village
    agent (代办员) for the citizen named in ``citizen_*``, who confirms (:mod:`yiwang.cases.delegation`) with a
    code sent to the mobile number of their own verified account, or in person at a window or service station;
    they can end the delegation (``delegation_ended_at``).
    """

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant_kind = models.CharField(
        _("applying for"), max_length=10, choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen represented"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegated_applications",
    )
    citizen_name = models.CharField(_("citizen's name"), max_length=50, blank=True)
    citizen_resident_id = models.CharField(_("citizen's resident ID number"), max_length=18, blank=True)
    delegation_confirmed_at = models.DateTimeField(_("delegation confirmed at"), null=True, blank=True)
    delegation_method = models.CharField(
        _("delegation confirmed by"), max_length=20, choices=DelegationMethod.choices, blank=True
    )
    delegation_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed in person by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegation_place = models.ForeignKey(
        Department,
        verbose_name=_("confirmed in person at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegation_ended_at = models.DateTimeField(_("delegation ended at"), null=True, blank=True)
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("service item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    bundle = models.ForeignKey(
        Bundle,
        verbose_name=_("life event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    case_numbers = models.JSONField(
        _("case numbers"),
        default=dict,
        blank=True,
        help_text=_(
            "Reserved when shared data is first fetched, by item code; the cases take them on submission."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False) | Q(bundle__isnull=False),
                name="application_has_item_or_bundle",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk} · {self.bundle or self.item}"

    @property
    def holder_name(self) -> str:
        """The name the application (and any licence) is in: the company, the represented citizen, or the
        applicant."""
        if self.applicant_kind == ApplicantKind.COMPANY and self.company is not None:
            return self.company.name
        if self.applicant_kind == ApplicantKind.DELEGATED:
            return self.citizen_name
        return self.applicant.real_name or self.applicant.username


class CaseState(models.TextChoices):
    """Where a case stands (办件状态); transitions in :mod:`yiwang.cases.states`."""

    SUBMITTED = "submitted", _("Received, awaiting acceptance")  # 已收件待受理
    CORRECTION = "correction", _("Awaiting corrected materials")  # 待补正
    REFUSED = "refused", _("Not accepted")  # 不予受理
    REVIEW = "review", _("Under review")  # 审查中
    SPECIAL_PROCEDURE = "special_procedure", _("Special procedure")  # 特别程序
    DECIDED = "decided", _("Decided")  # 已决定
    DELIVERED = "delivered", _("Delivered")  # 已送达
    CLOSED = "closed", _("Closed")  # 已办结
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")  # 已撤回


class Decision(models.TextChoices):
    GRANT = "grant", _("Granted")  # 准予许可
    DENY = "deny", _("Denied")  # 不予许可


class DeliveryMethod(models.TextChoices):
    """How the decision and licence reach the applicant (送达方式)."""

    ELECTRONIC = "electronic", _("Electronic delivery")  # 电子送达
    WINDOW = "window", _("At the window")  # 窗口领取
    POST = "post", _("By post")  # 邮寄送达


class Case(models.Model):
    """One case (办件) for one service item, handled by ``department`` (after a transfer: the new one).

    The clock (owner ``cases.case``) starts on receipt (``received_on``, day 0) with the guide's legal and promised
    limits (joint handling 45 + 15 when several departments review); it is stopped exactly while the case awaits
    corrections or is in a special procedure. ``version`` grows with every change: staff actions may pass the
    version they saw and get a conflict if someone acted first.
    """

    number = models.CharField(_("case number"), max_length=30, unique=True)
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="cases"
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="cases"
    )
    guide_version = models.ForeignKey(
        GuideVersion, verbose_name=_("guide version"), on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    review_departments = models.JSONField(
        _("reviewing departments"),
        default=list,
        help_text=_("Department codes, the handling department first."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=CaseState.choices, default=CaseState.SUBMITTED
    )
    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("deemed accepted on receipt"), default=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    remedies = models.TextField(_("remedies"), blank=True)
    clock = models.OneToOneField(
        Clock, verbose_name=_("clock"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    process = models.OneToOneField(
        ProcessInstance,
        verbose_name=_("process"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rating_invited_at = models.DateTimeField(_("rating invited at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "state"], name="case_by_department_state")]

    def __str__(self) -> str:
        return self.number


class CaseNumberSequence(models.Model):
    """The last case number used on one day (办件编号序列); locked to allocate."""

    day = models.DateField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last_value}"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("Provided by the applicant")  # 申请人自备
    ISSUED = "issued", _("Issued by a department")  # 部门核发
    SHARED = "shared", _("Fetched from shared data")  # 共享获取


class MaterialNecessity(models.TextChoices):
    REQUIRED = "required", _("Required")  # 必要
    DEFERRABLE = "deferrable", _("May follow later")  # 容缺
    OPTIONAL = "optional", _("Optional")  # 非必要


class MaterialStatus(models.TextChoices):
    MISSING = "missing", _("Not provided")  # 未提供
    PROVIDED = "provided", _("Provided")  # 已提供
    SHARED_PENDING = (
        "shared_pending",
        _("No upload needed: the department checks shared data"),
    )  # 免提交（待核验）
    SHARED = "shared", _("No upload needed: fetched from shared data")  # 免提交（已共享获取）
    NEEDS_CORRECTION = "needs_correction", _("Needs correction")  # 需补正


class Material(models.Model):
    """One material of an application's checklist (申请材料), from the guides of its items.

    A bundle's items share a material with the same name and source (one upload serves every case that needs
    it; ``item_codes`` lists them). Shared materials (共享获取) are fetched through the exchange when the draft is
    created (:func:`yiwang.cases.actions.do_resolve_shared_materials`): ``shared`` with their signed answers in
    ``lookups``, or — when a registry has no record or refuses — back to an upload, with ``shared_problem``
    saying why. A service not connected to the exchange stays ``shared_pending``: the department checks it.
    """

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=MaterialSource.choices)
    necessity = models.CharField(_("necessity"), max_length=10, choices=MaterialNecessity.choices)
    data_service = models.CharField(_("data service"), max_length=100, blank=True)
    notes = models.TextField(_("requirements"), blank=True)
    item_codes = models.JSONField(_("needed by"), default=list)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    problem = models.TextField(_("what needs correcting"), blank=True)
    shared_problem = models.TextField(_("why it could not be fetched"), blank=True)
    lookups: models.ManyToManyField[SharedLookup, Any] = models.ManyToManyField(
        "SharedLookup", verbose_name=_("shared data answers"), blank=True, related_name="materials"
    )

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["application", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "name", "source"], name="one_material_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class SharedLookup(models.Model):
    """One signed answer of the exchange fetched for an application (共享获取结果): one per application, data
    service and subject, so nothing is fetched twice; the materials that rely on it point to it.

    ``payload`` is the provider's signed canonical JSON, ``signature`` its Ed25519 signature under key ``kid``;
    ``request_digest`` binds it to the request (verify with :func:`yiwang.registries.exchange.verify_response`).
    """

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="shared_lookups"
    )
    data_service = models.CharField(_("data service"), max_length=100)
    subject = models.CharField(_("query subject"), max_length=40)
    subject_name = models.CharField(_("name"), max_length=100, blank=True)
    consumer = models.ForeignKey(
        Department, verbose_name=_("consumer department"), on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(_("case number"), max_length=40, blank=True)
    outcome = models.CharField(_("call outcome"), max_length=10)
    refusal = models.CharField(_("refusal reason"), max_length=30, blank=True)
    message = models.TextField(_("gateway's explanation"), blank=True)
    fields = models.JSONField(_("fields returned"), default=dict, blank=True)
    provider_code = models.CharField(_("provider department code"), max_length=50, blank=True)
    provider_name = models.CharField(_("provider department"), max_length=100, blank=True)
    request_id = models.CharField(_("request id"), max_length=40)
    request_digest = models.CharField(_("request digest"), max_length=64)
    payload = models.TextField(_("signed response"), blank=True)
    signature = models.TextField(_("signature"), blank=True)
    kid = models.CharField(_("key id"), max_length=100, blank=True)
    responded_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("shared data answer")
        verbose_name_plural = _("shared data answers")
        ordering = ["application", "responded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "data_service", "subject"], name="one_lookup_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.data_service} · {self.request_id}"


class MaterialFile(models.Model):
    """A file given for a material, stored content-addressed by SHA-256 (:mod:`yiwang.cases.storage`).

    A correction replaces files: the old ones keep their row with ``replaced_at`` set.
    """

    material = models.ForeignKey(
        Material, verbose_name=_("material"), on_delete=models.CASCADE, related_name="files"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=50)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material file")
        verbose_name_plural = _("material files")
        ordering = ["material", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(models.Model):
    """One step of a case's timeline (办理过程): every transition, with what the applicant sees and an internal
    note only staff see."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state_before = models.CharField(_("state before"), max_length=20, choices=CaseState.choices)
    state_after = models.CharField(_("state after"), max_length=20, choices=CaseState.choices)
    public_text = models.TextField(_("for the applicant"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.action}"


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", _("Acceptance notice")  # 受理通知书
    CORRECTION = "correction", _("Correction notice")  # 补正材料告知书
    REFUSAL = "refusal", _("Decision not to accept")  # 不予受理决定书
    EXTENSION = "extension", _("Extension notice")  # 延期告知书
    SPECIAL_PROCEDURE = "special_procedure", _("Special procedure notice")  # 特别程序告知书
    GRANT = "grant", _("Licence decision")  # 准予行政许可决定书
    DENIAL = "denial", _("Decision to deny the licence")  # 不予行政许可决定书


class Notice(models.Model):
    """A written notice (文书) issued on a case, printable by the applicant.

    ``body`` holds what was written when it was issued (applicant, item, department, date, paragraphs, and by
    kind the listed materials, reason, remedies, licence numbers); the title is not stored: it is the label of
    ``kind``, shown in the reader's language.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notices")
    number = models.CharField(_("notice number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    body = models.JSONField(_("content"), default=dict)
    department = models.ForeignKey(
        Department, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["case", "issued_at", "id"]

    def __str__(self) -> str:
        return self.number


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")  # 待审批
    APPROVED = "approved", _("Approved")  # 已批准
    REJECTED = "rejected", _("Not approved")  # 未批准


class ExtensionRequest(models.Model):
    """A request to extend a case's legal limit (延期申请, Art. 42), approved by the head (approver)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extensions"
    )
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["case", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_extension_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} +{self.days}"


class SpecialProcedure(models.Model):
    """A period that does not count toward the limit (特别程序, Art. 45): hearing, testing, expert review …"""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="special_procedures"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StopReason.choices)
    reason = models.TextField(_("reason"))
    expected_days = models.PositiveSmallIntegerField(_("expected working days"), null=True, blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("special procedure")
        verbose_name_plural = _("special procedures")
        ordering = ["case", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="one_open_procedure_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()}"
