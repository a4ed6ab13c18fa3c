"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``, JSON.

Services are the hotline's message types (诉求类型), one ``service_code`` each — ``consultation`` 咨询, ``help`` 求助,
``complaint`` 投诉, ``report`` 举报, ``suggestion`` 建议, ``praise`` 表扬 — with two optional attributes:
``urgency`` (normal | urgent) and ``publish`` (yes | no: the citizen agrees that the answer is published, masked).
``jurisdiction_id`` is a division code (行政区划代码). ``service_request_id`` is the work order number; ``status``
is ``open`` until the order is closed (办结) or merged. A POST needs an ``api_key`` and becomes a work order through
the hotline's intake action, like a portal message. The free text and the exact place of an order whose citizen did
not agree to publication never leave through this API; published text is masked by rule. Errors are the
specification's ``[{"code": …, "description": …}]`` with the same HTTP status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core import ratelimit
from yiwang.core.errors import RateLimited
from yiwang.hotline.actions import time_limit_days
from yiwang.hotline.models import OPEN_STATUSES, Ticket, TicketEvent, TicketKind, TicketStatus, Urgency
from yiwang.hotline_public import actions
from yiwang.hotline_public.mask import mask_personal_data
from yiwang.hotline_public.models import Open311Submission
from yiwang.org.models import Division

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_RANGE_DAYS = 90
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CHANGESET = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
YES, NO = "yes", "no"


class Open311Error(Exception):
    """An error answered in the specification's format with this HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _errors(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False)


def open311_view(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """JSON only; Open311Error, validation errors and rate limits become specification errors."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
        if fmt != "json":
            return _errors(400, _("Only the JSON format is supported."))
        try:
            return JsonResponse(view(request, *args, **kwargs), safe=False)
        except Open311Error as error:
            return _errors(error.status, error.description)
        except ValidationError as error:
            return _errors(400, " ".join(error.messages))
        except RateLimited as error:
            response = _errors(429, error.message)
            response["Retry-After"] = str(error.retry_after)
            return response

    return wrapper


# --- services ---------------------------------------------------------------------------------------------


def _service(kind: str) -> dict[str, Any]:
    label = str(TicketKind(kind).label)
    return {
        "service_code": kind,
        "service_name": label,
        "description": _("%(kind)s to the 12345 hotline, handled within %(days)d working days.")
        % {"kind": label, "days": time_limit_days(kind, Urgency.NORMAL)},
        "metadata": True,
        "type": "realtime",
        "keywords": "12345",
        "group": _("12345 hotline"),
    }


def _service_notice(kind: str, urgency: str = Urgency.NORMAL) -> str:
    days = time_limit_days(kind, urgency)
    if days == 0:
        return _("Handled the same working day.")
    return _("Handled within %(days)d working days.") % {"days": days}


def _kind_for(service_code: str) -> str:
    if service_code not in TicketKind.values:
        raise Open311Error(404, _("There is no service with code “%(code)s”.") % {"code": service_code})
    return service_code


def _division_for(jurisdiction_id: str) -> Division | None:
    if not jurisdiction_id:
        return None
    division = Division.objects.filter(code=jurisdiction_id).first()
    if division is None:
        raise Open311Error(404, _("There is no jurisdiction with id “%(id)s”.") % {"id": jurisdiction_id})
    return division


@require_GET
@open311_view
def discovery(request: HttpRequest) -> dict[str, Any]:
    return {
        "changeset": CHANGESET.isoformat(),
        "contact": _("12345 hotline centre"),
        "key_service": _("Ask the platform administrator for an API key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(
                    reverse("open311:discovery", kwargs={"fmt": "json"}).rsplit("/", 1)[0]
                ),
                "changeset": CHANGESET.isoformat(),
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@require_GET
@open311_view
def services(request: HttpRequest) -> list[dict[str, Any]]:
    _division_for(request.GET.get("jurisdiction_id", ""))
    return [_service(kind) for kind in TicketKind.values]


@require_GET
@open311_view
def service_definition(request: HttpRequest, service_code: str) -> dict[str, Any]:
    _kind_for(service_code)
    return {
        "service_code": service_code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("Normal unless life, health or property are at risk right now."),
                "order": 1,
                "description": _("Urgency"),
                "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
            },
            {
                "variable": True,
                "code": "publish",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "Whether the question and answer may be published, with personal data removed."
                ),
                "order": 2,
                "description": _("Agree to publication"),
                "values": [{"key": YES, "name": _("Yes")}, {"key": NO, "name": _("No")}],
            },
        ],
    }


# --- requests ---------------------------------------------------------------------------------------------


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _with_feed_data(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    public_events = TicketEvent.objects.exclude(public_text="").order_by("at", "pk")
    return tickets.select_related("department", "division", "clock", "reporter", "open311").prefetch_related(
        Prefetch("events", queryset=public_events, to_attr="public_events")
    )


def _submission(ticket: Ticket) -> Open311Submission | None:
    try:
        submission: Open311Submission = ticket.open311
    except Open311Submission.DoesNotExist:
        return None
    return submission


def _names(ticket: Ticket) -> list[str]:
    return [ticket.contact_name, ticket.reporter.real_name if ticket.reporter else ""]


def service_request(ticket: Ticket) -> dict[str, Any]:
    """One work order as an Open311 service request."""
    published = ticket.consent_to_publish
    events: list[TicketEvent] = getattr(ticket, "public_events", [])
    is_open = ticket.status in OPEN_STATUSES
    notes = events[-1].public_text if events else ""
    submission = _submission(ticket)
    return {
        "service_request_id": ticket.number,
        "status": "open" if is_open else "closed",
        "status_notes": mask_personal_data(notes, _names(ticket))
        if published
        else ticket.get_status_display(),
        "service_name": str(TicketKind(ticket.kind).label),
        "service_code": ticket.kind,
        "description": mask_personal_data(ticket.text, _names(ticket)) if published else "",
        "agency_responsible": ticket.department.name if ticket.department else "",
        "service_notice": _service_notice(ticket.kind, ticket.urgency),
        "requested_datetime": _iso(ticket.received_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": (
            _iso(_end_of_day(ticket.clock.legal_due_on))
            if is_open and ticket.clock and ticket.clock.legal_due_on
            else None
        ),
        "address": (
            mask_personal_data(ticket.address, _names(ticket))
            if published
            else (ticket.division.name if ticket.division else "")
        ),
        "address_id": None,
        "zipcode": None,
        "lat": float(ticket.latitude) if published and ticket.latitude is not None else None,
        "long": float(ticket.longitude) if published and ticket.longitude is not None else None,
        "media_url": submission.media_url if submission and published else "",
    }


def _parse_moment(name: str, value: str) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise Open311Error(
            400, _("%(name)s must be a W3C date and time, e.g. 2025-01-01T00:00:00Z.") % {"name": name}
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _date_range(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    """``start_date``/``end_date`` (default: the last 90 days), at most 90 days apart."""
    start = _parse_moment("start_date", request.GET.get("start_date", ""))
    end = _parse_moment("end_date", request.GET.get("end_date", ""))
    span = dt.timedelta(days=MAX_RANGE_DAYS)
    if start and end is None:
        end = min(start + span, timezone.now())
    end = end or timezone.now()
    start = start or end - span
    if start > end:
        raise Open311Error(400, _("start_date must not be after end_date."))
    if end - start > span:
        raise Open311Error(
            400, _("The date range may span at most %(days)d days.") % {"days": MAX_RANGE_DAYS}
        )
    return start, end


def _positive_int(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise Open311Error(400, _("%(name)s must be a whole number of at least 1.") % {"name": name})
    return min(int(raw), maximum)


def _list_param(request: HttpRequest, name: str) -> list[str]:
    return [value.strip() for value in request.GET.get(name, "").split(",") if value.strip()]


def _requests_list(request: HttpRequest) -> list[dict[str, Any]]:
    tickets = Ticket.objects.all()
    division = _division_for(request.GET.get("jurisdiction_id", ""))
    if division is not None:
        tickets = tickets.filter(division=division)
    numbers = _list_param(request, "service_request_id")
    if numbers:
        tickets = tickets.filter(number__in=numbers)
    else:
        codes = _list_param(request, "service_code")
        for code in codes:
            _kind_for(code)
        if codes:
            tickets = tickets.filter(kind__in=codes)
        statuses = _list_param(request, "status")
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == ["open"]:
            tickets = tickets.filter(status__in=OPEN_STATUSES)
        elif statuses == ["closed"]:
            tickets = tickets.exclude(status__in=OPEN_STATUSES)
        start, end = _date_range(request)
        tickets = tickets.filter(received_at__gte=start, received_at__lte=end)
    page = _positive_int(request, "page", 1, 10**6)
    size = _positive_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    ordered = _with_feed_data(tickets.order_by("-received_at", "-pk"))
    return [service_request(ticket) for ticket in ordered[(page - 1) * size : page * size]]


def _form_value(request: HttpRequest, name: str, max_length: int) -> str:
    value = request.POST.get(name, "").strip()
    if len(value) > max_length:
        raise Open311Error(400, _("%(name)s is too long.") % {"name": name})
    return value


def _validated(value: str, validator: Callable[[str], None], message: str) -> str:
    if value:
        try:
            validator(value)
        except ValidationError:
            raise Open311Error(400, message) from None
    return value


def _contact_name(first: str, last: str) -> str:
    """姓 + 名 without a space for Chinese names, "First Last" otherwise."""
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _coordinate(name: str, value: str, bound: int) -> str | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a decimal number.") % {"name": name}) from None
    if not -bound <= number <= bound:
        raise Open311Error(
            400, _("%(name)s must be between -%(bound)d and %(bound)d.") % {"name": name, "bound": bound}
        )
    return value


def _choice(request: HttpRequest, attribute: str, allowed: list[str], default: str) -> str:
    value = request.POST.get(f"attribute[{attribute}]", "").strip() or default
    if value not in allowed:
        raise Open311Error(
            400,
            _("attribute[%(code)s] must be one of: %(values)s.")
            % {"code": attribute, "values": ", ".join(allowed)},
        )
    return value


def _post_request(request: HttpRequest) -> list[dict[str, Any]]:
    client = actions.client_for_key(request.POST.get("api_key", ""))
    if client is None:
        raise Open311Error(403, _("A valid api_key is required to post a service request."))
    service_code = request.POST.get("service_code", "").strip()
    if not service_code:
        raise Open311Error(400, _("service_code is required."))
    kind = _kind_for(service_code)
    latitude = _coordinate("lat", request.POST.get("lat", "").strip(), 90)
    longitude = _coordinate("long", request.POST.get("long", "").strip(), 180)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, _("Give both lat and long, or neither."))
    address = _form_value(request, "address_string", 200)
    if latitude is None and not address and not request.POST.get("address_id", "").strip():
        raise Open311Error(400, _("A location is required: lat and long, or address_string."))
    submitted = actions.Open311Request(
        service_code=service_code,
        kind=kind,
        urgency=_choice(request, "urgency", list(Urgency.values), Urgency.NORMAL),
        consent_to_publish=_choice(request, "publish", [YES, NO], NO) == YES,
        description=request.POST.get("description", ""),
        division=_division_for(request.POST.get("jurisdiction_id", "").strip()),
        latitude=latitude,
        longitude=longitude,
        address=address,
        contact_name=_contact_name(
            _form_value(request, "first_name", 25), _form_value(request, "last_name", 25)
        ),
        phone=_form_value(request, "phone", 20),
        email=_validated(_form_value(request, "email", 254), EmailValidator(), _("email is not valid.")),
        media_url=_validated(
            _form_value(request, "media_url", 500),
            URLValidator(schemes=["http", "https"]),
            _("media_url must be an http or https address."),
        ),
        device_id=_form_value(request, "device_id", 100),
        account_id=_form_value(request, "account_id", 100),
    )
    submission = actions.do_submit_open311_request(client, submitted, client_ip=ratelimit.client_ip(request))
    ticket = submission.ticket
    return [
        {
            "service_request_id": ticket.number,
            "token": submission.token,
            "service_notice": _service_notice(ticket.kind, ticket.urgency),
            "account_id": submission.account_id or None,
        }
    ]


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311_view
def requests(request: HttpRequest) -> list[dict[str, Any]]:
    if request.method == "POST":
        return _post_request(request)
    return _requests_list(request)


@require_GET
@open311_view
def request_detail(request: HttpRequest, service_request_id: str) -> list[dict[str, Any]]:
    ticket = _with_feed_data(Ticket.objects.filter(number=service_request_id)).first()
    if ticket is None:
        raise Open311Error(
            404, _("There is no service request with id “%(id)s”.") % {"id": service_request_id}
        )
    return [service_request(ticket)]


@require_GET
@open311_view
def token(request: HttpRequest, token: str) -> list[dict[str, Any]]:
    submission = Open311Submission.objects.select_related("ticket").filter(token=token).first()
    if submission is None:
        raise Open311Error(404, _("There is no service request with this token."))
    return [{"service_request_id": submission.ticket.number, "token": submission.token}]


@require_GET
@open311_view
def service_request_updates(request: HttpRequest) -> list[dict[str, Any]]:
    """The update feed (servicerequestupdates): every public step of every order in the date range, oldest first."""
    start, end = _date_range(request)
    page = _positive_int(request, "page", 1, 10**6)
    size = _positive_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    events = (
        TicketEvent.objects.exclude(public_text="")
        .filter(at__gte=start, at__lte=end)
        .select_related("ticket", "ticket__reporter")
        .order_by("at", "pk")
    )
    numbers = _list_param(request, "service_request_id")
    if numbers:
        events = events.filter(ticket__number__in=numbers)
    closed = {TicketStatus.CLOSED, TicketStatus.MERGED}
    return [
        {
            "update_id": str(event.pk),
            "service_request_id": event.ticket.number,
            "status": "closed" if event.status_after in closed else "open",
            "updated_datetime": _iso(event.at),
            "description": (
                mask_personal_data(event.public_text, _names(event.ticket))
                if event.ticket.consent_to_publish
                else str(TicketStatus(event.status_after).label)
                if event.status_after
                else ""
            ),
            "media_url": "",
        }
        for event in events[(page - 1) * size : page * size]
    ]
