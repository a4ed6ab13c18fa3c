"""State changes of the registries app: consents (授权), flags on accesses (可疑访问举报), alerts on staff who read
many people without a matter (异常查询预警) and their closing by a supervisor (督查办结), telling people about reads
of their data (查询告知, deferred when the legal basis says so), the legal-basis lists (依据清单), exchange clients
and the demo's catalogue providers. Reads of registry data go through :mod:`yiwang.registries.exchange`, never
here."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.accounts.queries import verified_citizen_with_resident_id
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import check_role
from yiwang.notify.actions import do_notify_user
from yiwang.org.models import Department, Role, StaffRole
from yiwang.registries.catalogue import DEMO_CONDITIONAL_CONSUMERS, SERVICES, service_rows
from yiwang.registries.models import (
    AccessLogEntry,
    Consent,
    DataService,
    DeferredNotice,
    ExchangeClient,
    LegalBasis,
    MatterKind,
    Outcome,
    Purpose,
    SupervisionItem,
    SupervisionKind,
    SupervisionStatus,
)
from yiwang.registries.queries import TOKEN_PREFIX_LENGTH, token_hash

logger = logging.getLogger(__name__)


def check_citizen_with_resident_id(user: User) -> str:
    """The citizen's resident ID number; PermissionDenied for staff and accounts without one."""
    if not user.is_authenticated or not user.is_citizen or not user.resident_id:
        raise PermissionDenied(_("Only citizens with a resident ID number on their account can do this."))
    return user.resident_id


# --- Consent (授权) ---------------------------------------------------------------------------------------------


def do_grant_consent(
    citizen: User,
    *,
    purpose: str,
    case_reference: str = "",
    department: Department | None = None,
) -> Consent:
    """The citizen allows reads of their data for ``purpose`` (and only for ``case_reference`` / ``department``
    when given)."""
    resident_id = check_citizen_with_resident_id(citizen)
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose one of the listed purposes.")})
    with transaction.atomic():
        consent = Consent.objects.create(
            citizen=citizen,
            subject_identifier=resident_id,
            purpose=purpose,
            case_reference=case_reference.strip(),
            department=department,
            granted_at=timezone.now(),
        )
        record_audit(
            citizen,
            "registries.consent_granted",
            consent,
            {
                "purpose": purpose,
                "case": consent.case_reference,
                "department": department.code if department else None,
            },
        )
    return consent


def do_withdraw_consent(citizen: User, consent_id: int) -> Consent:
    """Withdraw one of the citizen's consents: reads relying on it are refused from now on."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(pk=consent_id, citizen=citizen).first()
        if consent is None:
            raise Http404(_("This consent is not yours."))
        if consent.withdrawn_at is not None:
            raise ActionConflict(_("This consent was already withdrawn."))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        record_audit(citizen, "registries.consent_withdrawn", consent, {"purpose": consent.purpose})
    return consent


# --- Flagging an access (可疑访问举报) ---------------------------------------------------------------------------


def _access_time(entry: AccessLogEntry) -> str:
    return timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M")


def do_flag_access(citizen: User, request_id: str, *, reason: str) -> SupervisionItem:
    """The citizen reports an access to their data as suspicious: a supervision item for the supervisors of the
    department that read it, each told through the inbox."""
    resident_id = check_citizen_with_resident_id(citizen)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Tell us why this access looks wrong.")})
    with transaction.atomic():
        entry = (
            AccessLogEntry.objects.select_related("consumer")
            .filter(request_id=request_id, subject=resident_id, outcome=Outcome.OK)
            .filter(Q(notice_deferred_until__isnull=True) | Q(notice_deferred_until__lte=timezone.now()))
            .first()
        )
        if entry is None:
            raise Http404(_("This access is not in your data access record."))
        if SupervisionItem.objects.filter(entry=entry).exists():
            raise ActionConflict(_("You have already reported this access."))
        item = SupervisionItem.objects.create(
            entry=entry, citizen=citizen, department=entry.consumer, reason=reason, opened_at=timezone.now()
        )
        record_audit(
            citizen,
            "registries.access_flagged",
            item,
            {"request_id": entry.request_id, "department": entry.consumer.code},
        )
        supervisors, office = supervisors_for(entry.consumer)
        if office is not None:
            item.supervising_department = office
            item.save(update_fields=["supervising_department"])
        for supervisor in supervisors:
            do_notify_user(
                supervisor,
                "registries-access-flagged",
                {
                    "department": entry.consumer.name,
                    "service": entry.service_name,
                    "time": _access_time(entry),
                    "staff": entry.actor_label,
                    "reason": reason,
                },
            )
    return item


def check_supervises(user: User, department: Department) -> None:
    """PermissionDenied unless the user is a supervisor or department admin of ``department`` (or a platform
    admin)."""
    check_role(user, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, department=department)


def check_supervises_item(user: User, item: SupervisionItem) -> None:
    """PermissionDenied unless the user supervises the item's department or the office that took it over."""
    if item.supervising_department is not None:
        try:
            check_role(user, Role.SUPERVISOR, department=item.supervising_department)
        except PermissionDenied:
            pass
        else:
            return
    check_supervises(user, item.department)


def do_close_supervision_item(actor: User, item: SupervisionItem, finding: str) -> SupervisionItem:
    """Close a supervision item with the supervisor's finding (调查结论); a citizen who reported it is told."""
    check_supervises_item(actor, item)
    finding = finding.strip()
    if not finding:
        raise ValidationError({"finding": _("Write down what the investigation found.")})
    with transaction.atomic():
        item = SupervisionItem.objects.select_for_update().get(pk=item.pk)
        if item.status == SupervisionStatus.CLOSED:
            raise ActionConflict(_("This report has already been closed."))
        item.status = SupervisionStatus.CLOSED
        item.finding = finding
        item.closed_by = actor
        item.closed_at = timezone.now()
        item.save(update_fields=["status", "finding", "closed_by", "closed_at"])
        entry = AccessLogEntry.objects.select_related("consumer").get(pk=item.entry_id)
        record_audit(
            actor,
            "registries.supervision_closed",
            item,
            {"request_id": entry.request_id, "department": entry.consumer.code, "finding": finding},
        )
        if item.citizen is not None:
            do_notify_user(
                item.citizen,
                "registries-supervision-closed",
                {
                    "department": entry.consumer.name,
                    "service": entry.service_name,
                    "time": _access_time(entry),
                    "finding": finding,
                },
            )
    return item


# --- After a read about a person: tell her, and watch for reads without a matter ------------------------------


def supervisors_for(department: Department) -> tuple[list[User], Department | None]:
    """Who supervises reads of ``department``: its own active supervisors, or — where it has none — those of the
    platform supervision office (督查办公室), returned with the office."""

    def active_supervisors(of: Department) -> list[User]:
        return list(
            User.objects.filter(
                pk__in=StaffRole.objects.filter(department=of, role=Role.SUPERVISOR).values("user_id"),
                is_active=True,
            ).order_by("pk")
        )

    own = active_supervisors(department)
    if own or department.is_supervision_office:
        return own, None
    office = Department.objects.filter(is_supervision_office=True).order_by("pk").first()
    if office is None:
        logger.warning("department %s has no supervisor and there is no supervision office", department.code)
        return [], None
    return active_supervisors(office), office


def matter_text(entry: AccessLogEntry) -> str:
    """The reason of a read as the person reads it: the case, work order or supervision item, or the basis."""
    if entry.matter_kind == MatterKind.CASE:
        return _("case %(number)s") % {"number": entry.case_reference}
    if entry.matter_kind == MatterKind.TICKET:
        return _("12345 work order %(number)s") % {"number": entry.case_reference}
    if entry.matter_kind == MatterKind.SUPERVISION:
        return _("supervision item %(number)s") % {"number": entry.case_reference}
    if entry.consent_id is not None:
        return _("your consent")
    if entry.legal_basis:
        return _("legal basis %(basis)s") % {"basis": entry.legal_basis}
    return entry.case_reference


def _notify_subject(subject: User, entry: AccessLogEntry) -> None:
    do_notify_user(
        subject,
        "registries-data-read",
        {
            "department": entry.consumer.name,
            "time": _access_time(entry),
            "service": entry.service_name,
            "purpose": str(Purpose(entry.purpose).label)
            if entry.purpose in Purpose.values
            else entry.purpose,
            "matter": matter_text(entry),
        },
    )


def do_after_person_read(entry: AccessLogEntry, *, counts_for_alert: bool) -> None:
    """After an answered read about a person (called by the gateway inside its transaction): tell the person
    when she has a verified account and did not ask for the read herself — or, when the legal basis defers the
    notice, keep it for :func:`do_send_due_read_notices` — and raise the alert when this read on a legal basis
    alone brings the staff member over the limit of distinct people."""
    if entry.outcome == Outcome.OK and entry.on_behalf_of != entry.subject:
        if entry.notice_deferred_until is not None:
            DeferredNotice.objects.create(entry=entry, due_at=entry.notice_deferred_until)
        else:
            subject = verified_citizen_with_resident_id(entry.subject)
            if subject is not None:
                _notify_subject(subject, entry)
    if counts_for_alert and entry.actor is not None:
        _check_basis_alert(entry)


def _check_basis_alert(entry: AccessLogEntry) -> None:
    """Raise one alert per window when the staff member read more than the limit of distinct people on legal
    bases alone (no case, work order, supervision item or consent)."""
    limit = settings.EXCHANGE_BASIS_ALERT_PEOPLE
    window = dt.timedelta(hours=settings.EXCHANGE_BASIS_ALERT_HOURS)
    since = entry.created_at - window
    people = (
        AccessLogEntry.objects.filter(
            actor=entry.actor,
            created_at__gte=since,
            outcome__in=(Outcome.OK, Outcome.NOT_FOUND),
            matter_kind="",
            consent__isnull=True,
        )
        .exclude(legal_basis_code="")
        .values("subject")
        .distinct()
        .count()
    )
    if people < limit:
        return
    if SupervisionItem.objects.filter(
        kind=SupervisionKind.ALERT, staff=entry.actor, opened_at__gte=since
    ).exists():
        return
    do_raise_access_alert(entry, people=people, hours=settings.EXCHANGE_BASIS_ALERT_HOURS)


def do_raise_access_alert(entry: AccessLogEntry, *, people: int, hours: int) -> SupervisionItem:
    """Open an alert (异常查询预警) on the staff member who made ``entry``: the supervisors of their department —
    or of the platform supervision office where it has none — are told and see it on the supervision page."""
    assert entry.actor is not None  # noqa: S101 - alerts concern staff reads
    with transaction.atomic():
        supervisors, office = supervisors_for(entry.consumer)
        reason = _(
            "%(staff)s read the data of %(people)d different people within %(hours)d hours on legal bases "
            "alone, without a case, work order or supervision item."
        ) % {"staff": entry.actor_label, "people": people, "hours": hours}
        item = SupervisionItem.objects.create(
            kind=SupervisionKind.ALERT,
            entry=entry,
            staff=entry.actor,
            department=entry.consumer,
            supervising_department=office,
            reason=reason,
            opened_at=timezone.now(),
        )
        record_audit(
            None,
            "registries.access_alert",
            item,
            {
                "staff": entry.actor_id,
                "department": entry.consumer.code,
                "people": people,
                "hours": hours,
                "office": office.code if office is not None else None,
            },
        )
        for supervisor in supervisors:
            do_notify_user(
                supervisor,
                "registries-access-alert",
                {
                    "department": entry.consumer.name,
                    "staff": entry.actor_label,
                    "people": people,
                    "hours": hours,
                    "time": _access_time(entry),
                },
            )
    return item


def do_send_due_read_notices(now: dt.datetime | None = None) -> int:
    """Send the notices whose deferral has ended (the periodic job); returns how many were settled."""
    now = now or timezone.now()
    sent = 0
    due = list(
        DeferredNotice.objects.filter(sent_at__isnull=True, due_at__lte=now)
        .select_related("entry__consumer")
        .order_by("due_at", "pk")[:500]
    )
    for notice in due:
        with transaction.atomic():
            claimed = DeferredNotice.objects.filter(pk=notice.pk, sent_at__isnull=True).update(sent_at=now)
            if not claimed:
                continue
            subject = verified_citizen_with_resident_id(notice.entry.subject)
            if subject is not None:
                _notify_subject(subject, notice.entry)
            sent += 1
    return sent


# --- Legal-basis lists (依据清单) --------------------------------------------------------------------------------


#: Materials about a newborn or its parents are found through the birth certificate registry (cases.once_only),
#: so a guide with such materials also needs that service's list.
BIRTH_SERVICE = "人口.出生医学证明"
BIRTH_WORDS = ("新生儿", "母亲", "父亲", "父母")


def basis_code(service_name: str, law: str, article: str) -> str:
    """A stable code for a guide's legal basis entry of a data service: ``GB-`` + 10 hex digits."""
    digest = hashlib.sha256(f"{service_name}\n{law}\n{article}".encode()).hexdigest()
    return f"GB-{digest[:10]}"


def do_sync_guide_legal_bases(guides: Iterable[tuple[Department, dict[str, Any]]]) -> int:
    """Make the published guides' legal bases (``legal_basis`` entries) entries of the lists of the data services
    their shared materials come from, declared for the item's department; returns how many entries changed.
    ``guides`` are (implementing department, guide content). Idempotent; never removes an entry."""
    changed = 0
    services = {service.name: service for service in DataService.objects.all()}
    with transaction.atomic():
        for department, content in guides:
            materials = [
                material for material in content.get("materials", []) if material.get("source") == "shared"
            ]
            shared = {material.get("data_service", "") for material in materials}
            if any(word in material.get("name", "") for material in materials for word in BIRTH_WORDS):
                shared.add(BIRTH_SERVICE)  # the newborn and its parents are found through the birth records
            for service_name in sorted(shared):
                service = services.get(service_name)
                if service is None:
                    continue
                for basis in content.get("legal_basis", []):
                    law, article = basis.get("law", "").strip(), basis.get("article", "").strip()
                    if not law:
                        continue
                    entry, created = LegalBasis.objects.get_or_create(
                        code=basis_code(service_name, law, article),
                        defaults={
                            "service": service,
                            "law": law[:200],
                            "article": article[:100],
                            "text": basis.get("text", ""),
                        },
                    )
                    if created or not entry.departments.filter(pk=department.pk).exists():
                        entry.departments.add(department)
                        changed += 1
        if changed:
            record_audit(
                None,
                "registries.legal_bases_synced",
                ("registries.legalbasis", "guides"),
                {"changed": changed},
            )
    return changed


# --- Exchange clients (部门接入凭证) -----------------------------------------------------------------------------


def do_create_exchange_client(
    actor: User | None, department: Department, name: str
) -> tuple[ExchangeClient, str]:
    """A new API credential for a department system; the token is returned once and only its hash is kept."""
    if not name.strip():
        raise ValidationError({"name": _("Give the system a name.")})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = ExchangeClient.objects.create(
            department=department,
            name=name.strip(),
            token_prefix=token[:TOKEN_PREFIX_LENGTH],
            token_hash=token_hash(token),
            created_at=timezone.now(),
        )
        record_audit(
            actor, "registries.client_created", client, {"department": department.code, "name": name}
        )
    return client, token


def do_revoke_exchange_client(actor: User | None, client: ExchangeClient) -> ExchangeClient:
    with transaction.atomic():
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        record_audit(actor, "registries.client_revoked", client, {"department": client.department.code})
    return client


# --- The catalogue in the demo (目录挂接) ------------------------------------------------------------------------


def do_publish_demo_catalogue(departments_by_short_name: dict[str, Department]) -> int:
    """Declare every catalogue service, name its provider and allow the demo's consumer departments; returns how
    many services changed. Idempotent."""
    changed = 0
    consumers = [departments_by_short_name[name] for name in DEMO_CONDITIONAL_CONSUMERS]
    with transaction.atomic():
        for row in service_rows():
            provider = departments_by_short_name[SERVICES[row["name"]][4]]
            service, created = DataService.objects.get_or_create(name=row["name"], defaults=row)
            fields_differ = any(getattr(service, name) != value for name, value in row.items())
            if created or fields_differ or service.provider_id != provider.pk:
                for name, value in row.items():
                    setattr(service, name, value)
                service.provider = provider
                service.save()
                service.allowed_consumers.set(consumers)
                record_audit(None, "registries.service_published", service, {"provider": provider.code})
                changed += 1
    return changed
