"""Base registries (基础库) and the data exchange (数据共享交换).

Registry data — people (人口库), households (户籍), birth records, legal entities (法人库) and standard addresses
(标准地址库) — is only ever read by the exchange's providers (:mod:`yiwang.registries.providers`); every other app
asks the gateway (:mod:`yiwang.registries.exchange`), which checks, signs and logs each call.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.org.models import Department, Division

# --- Base registries ----------------------------------------------------------------------------------------


class StandardAddress(models.Model):
    """A standard address (标准地址) within a village or community division."""

    code = models.CharField(_("address code"), max_length=20, unique=True)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="addresses"
    )
    street = models.CharField(_("street"), max_length=50)
    house_number = models.CharField(_("house number"), max_length=20)
    unit = models.CharField(_("building and room"), max_length=30, blank=True)
    full_text = models.CharField(_("full address"), max_length=200)

    class Meta:
        verbose_name = _("standard address")
        verbose_name_plural = _("standard addresses")

    def __str__(self) -> str:
        return self.full_text


class Household(models.Model):
    """A registered household (户, 户籍) with its household number (户号) and address."""

    number = models.CharField(_("household number"), max_length=20, unique=True)
    address = models.ForeignKey(
        StandardAddress, verbose_name=_("address"), on_delete=models.PROTECT, related_name="households"
    )
    registered_on = models.DateField(_("registered on"))

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.number


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class MaritalStatus(models.TextChoices):
    """Marital status (婚姻状况) as registered."""

    SINGLE = "single", _("never married")
    MARRIED = "married", _("married")
    DIVORCED = "divorced", _("divorced")
    WIDOWED = "widowed", _("widowed")


class Relation(models.TextChoices):
    """Relation to the head of the household (与户主关系)."""

    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("father or mother")


class Person(models.Model):
    """A registered resident (人口): one row per resident ID number (公民身份号码)."""

    resident_id = models.CharField(_("resident ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    relation_to_head = models.CharField(_("relation to the head"), max_length=10, choices=Relation.choices)
    marital_status = models.CharField(_("marital status"), max_length=10, choices=MaritalStatus.choices)
    spouse = models.ForeignKey(
        "self",
        verbose_name=_("spouse"),
        to_field="resident_id",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    married_on = models.DateField(_("married on"), null=True, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class BirthRecord(models.Model):
    """A birth medical certificate (出生医学证明) issued by the hospital where the child was born."""

    certificate_number = models.CharField(_("certificate number"), max_length=20, unique=True)
    child = models.ForeignKey(
        Person, verbose_name=_("child"), to_field="resident_id", on_delete=models.CASCADE, related_name="+"
    )
    mother = models.ForeignKey(
        Person,
        verbose_name=_("mother"),
        to_field="resident_id",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    father = models.ForeignKey(
        Person,
        verbose_name=_("father"),
        to_field="resident_id",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    birth_place = models.CharField(_("place of birth"), max_length=100)
    issued_on = models.DateField(_("issued on"))

    class Meta:
        verbose_name = _("birth record")
        verbose_name_plural = _("birth records")

    def __str__(self) -> str:
        return self.certificate_number


class EntityType(models.TextChoices):
    LIMITED_COMPANY = "limited", _("limited liability company")
    SOLE_PROPRIETOR = "individual", _("individual business")
    COOPERATIVE = "cooperative", _("farmers' cooperative")


class EntityStatus(models.TextChoices):
    ACTIVE = "active", _("in business")
    DEREGISTERED = "deregistered", _("deregistered")
    REVOKED = "revoked", _("licence revoked")


class Entity(models.Model):
    """A registered market entity (市场主体, 法人库) with its unified social credit code."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    entity_type = models.CharField(_("type"), max_length=20, choices=EntityType.choices)
    legal_representative_name = models.CharField(_("legal representative"), max_length=50)
    legal_representative_id = models.CharField(_("legal representative's resident ID number"), max_length=18)
    registered_address = models.ForeignKey(
        StandardAddress, verbose_name=_("registered address"), on_delete=models.PROTECT, related_name="+"
    )
    registered_capital = models.DecimalField(
        _("registered capital (10,000 yuan)"), max_digits=12, decimal_places=2
    )
    status = models.CharField(_("status"), max_length=20, choices=EntityStatus.choices)
    established_on = models.DateField(_("established on"))
    closed_on = models.DateField(_("deregistered or revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("market entity")
        verbose_name_plural = _("market entities")

    def __str__(self) -> str:
        return self.name


# --- Data-service catalogue (政务信息资源目录) ---------------------------------------------------------------


class SharingClass(models.TextChoices):
    """How a data service may be shared (共享类型)."""

    UNCONDITIONAL = "unconditional", _("shared unconditionally")  # 无条件共享
    CONDITIONAL = "conditional", _("shared on conditions")  # 有条件共享
    NOT_SHARED = "not_shared", _("not shared")  # 不予共享


class DataService(models.Model):
    """A shared data service (共享数据服务) published by its provider department.

    ``fields`` is the schema of the answer: ``[{"name": …, "label": …}]``; the gateway returns exactly these.
    A service without a provider is declared in the catalogue but not connected yet.
    """

    name = models.CharField(_("service name"), max_length=50, unique=True)
    title = models.CharField(_("resource name"), max_length=100)
    provider = models.ForeignKey(
        Department,
        verbose_name=_("provider department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_services",
    )
    subject_kind = models.CharField(_("query subject"), max_length=20)
    fields = models.JSONField(_("fields returned"), default=list)
    sharing_class = models.CharField(_("sharing class"), max_length=20, choices=SharingClass.choices)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    allowed_consumers = models.ManyToManyField(
        Department, verbose_name=_("allowed consumer departments"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("shared data service")
        verbose_name_plural = _("shared data services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.fields]


class CatalogueVersion(models.Model):
    """A token replaced whenever the catalogue changes (a service, its allow-list, a department, a new signing
    key: :mod:`yiwang.registries.signals`), so each process may keep the catalogue and the providers' current keys
    in memory and reload them only when the token changed (目录版本). A random token rather than a counter: a change
    rolled back and another one made never give the same version twice."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("catalogue version")

    def __str__(self) -> str:
        return f"catalogue v{self.version}"


# --- Consent, exchange clients, the access log and supervision -----------------------------------------------


class Purpose(models.TextChoices):
    """Why data is read (用途代码)."""

    CASE_HANDLING = "case_handling", _("handling an application")  # 办件审查
    IDENTITY_VERIFICATION = "identity_verification", _("identity verification")  # 身份核验
    BENEFIT_REVIEW = "benefit_review", _("benefit eligibility review")  # 待遇资格核查
    LAW_ENFORCEMENT = "law_enforcement", _("supervision and law enforcement")  # 监管执法


class LegalBasis(models.Model):
    """A legal basis (法律依据) a department may name to read a data service about a person (依据清单).

    The list is declared per data service and department by the data owner (administrators); a staff query that
    is not about a matter of its department must choose one of these by ``code`` — free text is refused. When the
    law allows the subject not to be told at once (e.g. an investigation), ``defers_notice`` says so, with the
    reason and how many days the notice waits.
    """

    service = models.ForeignKey(
        DataService, verbose_name=_("data service"), on_delete=models.CASCADE, related_name="legal_bases"
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("declared for departments"), blank=True, related_name="+"
    )
    code = models.CharField(
        _("basis code"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$", _("Use 2 to 40 letters, digits, dots or dashes.")
            )
        ],
    )
    law = models.CharField(_("law or regulation"), max_length=200)
    article = models.CharField(_("article"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    defers_notice = models.BooleanField(
        _("defers the subject's notice"),
        default=False,
        help_text=_(
            "The law allows the person not to be told of the read at once, e.g. during an investigation."
        ),
    )
    deferral_reason = models.TextField(_("why the notice is deferred"), blank=True)
    deferral_days = models.PositiveSmallIntegerField(_("notice deferred for (days)"), null=True, blank=True)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["service__name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(defers_notice=False) | models.Q(deferral_days__gt=0),
                name="legal_basis_deferral_has_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.law}{self.article}"

    @property
    def label(self) -> str:
        return f"{self.law}{self.article}"


class Consent(models.Model):
    """A citizen's consent (授权) to read their data for a purpose, a case, or both; withdrawable."""

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("citizen"), on_delete=models.CASCADE, related_name="consents"
    )
    subject_identifier = models.CharField(_("resident ID number"), max_length=18)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    case_reference = models.CharField(_("case number"), max_length=40, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: any department that may use the service."),
    )
    granted_at = models.DateTimeField(_("granted at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"consent {self.pk}"


class ExchangeClient(models.Model):
    """A department system's credential for the exchange API (部门接入凭证); only the token's SHA-256 is kept."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="exchange_clients"
    )
    name = models.CharField(_("system name"), max_length=100)
    token_prefix = models.CharField(_("token prefix"), max_length=12, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange client")
        verbose_name_plural = _("exchange clients")

    def __str__(self) -> str:
        return f"{self.department.code}/{self.name}"


class Outcome(models.TextChoices):
    OK = "ok", _("answered")
    NOT_FOUND = "not_found", _("no record")
    REFUSED = "refused", _("access refused")


class MatterKind(models.TextChoices):
    """The matter a read serves (事由): one of the consumer department's own."""

    CASE = "case", _("case")  # 办件
    TICKET = "ticket", _("work order")  # 12345 工单
    SUPERVISION = "supervision", _("supervision item")  # 督查事项


class AccessLogEntry(models.Model):
    """One exchange call (共享调用日志), allowed or refused, chained by SHA-256 to the entry before it."""

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    created_at = models.DateTimeField(_("time"))
    request_id = models.CharField(_("request id"), max_length=40, unique=True)
    consumer = models.ForeignKey(
        Department, verbose_name=_("consumer department"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("staff member or system"), max_length=200)
    service_name = models.CharField(_("service name"), max_length=50)
    provider = models.ForeignKey(
        Department,
        verbose_name=_("provider department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("query subject"), max_length=40)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    consent = models.ForeignKey(
        Consent, verbose_name=_("consent"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(_("case number"), max_length=40, blank=True)
    matter_kind = models.CharField(_("kind of matter"), max_length=20, choices=MatterKind.choices, blank=True)
    legal_basis_code = models.CharField(_("basis code"), max_length=40, blank=True)
    on_behalf_of = models.CharField(
        _("at the request of"),
        max_length=18,
        blank=True,
        help_text=_("The resident ID number of the citizen whose own request caused the read."),
    )
    notice_deferred_until = models.DateTimeField(_("subject's notice deferred until"), null=True, blank=True)
    deferral_reason = models.TextField(_("why the notice is deferred"), blank=True)
    outcome = models.CharField(_("call outcome"), max_length=10, choices=Outcome.choices)
    refusal = models.CharField(_("refusal reason"), max_length=30, blank=True)
    fields = models.JSONField(_("fields returned"), default=list)
    request_digest = models.CharField(_("request digest"), max_length=64)
    response_digest = models.CharField(_("response digest"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject", "outcome", "-seq"], name="registries_log_subject"),
            models.Index(fields=["actor", "created_at"], name="registries_log_actor_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.service_name} {self.outcome}"


class AccessLogHead(models.Model):
    """The access log's head: last sequence number and hash, locked by every writer (调用日志链头)."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("access log head")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class SupervisionKind(models.TextChoices):
    FLAG = "flag", _("reported by the citizen")  # 群众举报
    ALERT = "alert", _("many people read without a matter")  # 异常查询预警


class SupervisionItem(models.Model):
    """An access to look into (可疑访问督查), for the supervisors of the department that read the data — or of the
    platform supervision office where that department has none (``supervising_department``).

    ``kind`` says where it comes from: a citizen's report about an access to their data (``citizen`` set), or an
    alert raised when ``staff`` read many distinct people on legal bases, without a case, work order or
    supervision item (``entry`` is then the read that crossed the threshold).
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=SupervisionKind.choices, default=SupervisionKind.FLAG
    )
    entry = models.OneToOneField(
        AccessLogEntry, verbose_name=_("access"), on_delete=models.PROTECT, related_name="supervision"
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    supervising_department = models.ForeignKey(
        Department,
        verbose_name=_("supervised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The platform supervision office, when the department has no supervisor of its own."),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    finding = models.TextField(_("finding"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision item")
        verbose_name_plural = _("supervision items")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"supervision {self.pk}"


class DeferredNotice(models.Model):
    """A subject's notice of a read (查询告知) that the legal basis deferred; sent by a periodic job once due."""

    entry = models.OneToOneField(
        AccessLogEntry, verbose_name=_("access"), on_delete=models.PROTECT, related_name="deferred_notice"
    )
    due_at = models.DateTimeField(_("due at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deferred notice")
        verbose_name_plural = _("deferred notices")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"notice of #{self.entry_id} due {self.due_at:%Y-%m-%d}"
