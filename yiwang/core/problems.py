"""RFC 9457 problem details (问题详情) for every API error.

Every error an ``/api/`` request can meet is answered here as ``application/problem+json`` with a Chinese title:
the exceptions of actions and schemas (handlers installed on the NinjaAPI), the errors Django or ninja answer
without an exception (405, 413, a 404 outside any route: :func:`problem_for_status`, applied by
``core.middleware.ApiProblemMiddleware``) and any uncaught exception (500, logged with the request id, never a
traceback in the answer).
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from yiwang.accounts.api_auth import CsrfRefused
from yiwang.core.errors import ActionConflict, RateLimited

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://yiwang.example.gov.cn/problems/"

logger = logging.getLogger("yiwang.api")


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def status_title(status: int) -> tuple[str, str]:
    """The problem type slug and the Chinese title for an HTTP status without a more specific problem."""
    titles: dict[int, tuple[str, str]] = {
        400: ("bad-request", _("The request could not be understood.")),
        401: ("unauthenticated", _("Please log in first.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not-found", _("Not found.")),
        405: ("method-not-allowed", _("This method is not allowed here.")),
        409: ("conflict", _("Someone else changed this first.")),
        413: ("too-large", _("The request is too large.")),
        415: ("unsupported-media-type", _("This content type is not accepted here.")),
        422: ("validation-error", _("The request has invalid fields.")),
        429: ("too-many-requests", _("Too many requests; try again later.")),
        500: ("server-error", _("Something went wrong on our side.")),
    }
    if status in titles:
        return titles[status]
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    return "http-error", phrase


def problem_for_status(
    request: HttpRequest, status: int, detail: str = "", **extensions: Any
) -> HttpResponse:
    slug, title = status_title(status)
    return problem_response(request, status, slug, title, detail, **extensions)


def too_large_problem(request: HttpRequest) -> HttpResponse:
    """413: the body is larger than any request the API accepts (``REQUEST_BODY_MAX_BYTES``)."""
    return problem_for_status(
        request,
        413,
        _(
            "A request may carry at most %(megabytes)s MB. Send large files one at a time as a multipart upload."
        )
        % {"megabytes": _megabytes(settings.REQUEST_BODY_MAX_BYTES)},
        max_bytes=settings.REQUEST_BODY_MAX_BYTES,
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def rate_limited_problem(request: HttpRequest, message: str, retry_after: int) -> HttpResponse:
    """429 with ``Retry-After`` (whole seconds, at least 1) and the Chinese title."""
    seconds = max(1, math.ceil(retry_after))
    response = problem_for_status(request, 429, message, retry_after_seconds=seconds)
    response["Retry-After"] = str(seconds)
    return response


def server_error_problem(request: HttpRequest) -> HttpResponse:
    return problem_for_status(
        request,
        500,
        _("The error was logged. Quote the request id if you contact us."),
    )


def problem_response(
    request: HttpRequest,
    status: int,
    slug: str,
    title: str,
    detail: str = "",
    **extensions: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    request_id = getattr(request, "request_id", "")
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def _field_name(loc: list[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "form", "payload")]
    return ".".join(parts) or "__all__"


def validation_problem(request: HttpRequest, errors: list[dict[str, str]]) -> HttpResponse:
    return problem_response(
        request,
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "validation-error",
        _("The request has invalid fields."),
        "; ".join(f"{error['field']}: {error['message']}" for error in errors),
        errors=errors,
    )


def django_validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "__all__", "message": str(message)} for message in exc.messages]


def install_problem_handlers(api: NinjaAPI) -> None:
    """Answer every error of ``api`` as application/problem+json.

    (Handlers take ``exc: Any`` because ninja types a handler's argument as "the exception or its class".)
    """

    def on_ninja_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = []
        for error in exc.errors:
            message = str(error.get("msg", ""))
            ctx_error = (error.get("ctx") or {}).get("error")
            if ctx_error is not None:  # a ValueError raised by one of our validators: keep its own message
                message = str(ctx_error)
            errors.append({"field": _field_name(list(error.get("loc", []))), "message": message})
        return validation_problem(request, errors)

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return validation_problem(request, django_validation_errors(exc))

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        # Never the exception's text: a missing object and someone else's must answer exactly alike.
        return problem_for_status(request, 404)

    def on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            request, 403, "forbidden", _("You are not allowed to do this."), str(exc) if str(exc) else ""
        )

    def on_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 409, "conflict", _("Someone else changed this first."), exc.message)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            response = problem_for_status(
                request,
                401,
                _(
                    'Send a valid, unexpired API token as "Authorization: Bearer yw_…", or log in to the site.'
                ),
            )
            response["WWW-Authenticate"] = 'Bearer realm="yiwang"'
            return response
        if isinstance(exc, Throttled):
            return rate_limited_problem(request, "", math.ceil(exc.wait or 1))
        slug, title = status_title(exc.status_code)
        detail = exc.message if exc.message != title else ""
        return problem_response(request, exc.status_code, slug, title, detail)

    def on_rate_limited(request: HttpRequest, exc: Any) -> HttpResponse:
        return rate_limited_problem(request, exc.message, exc.retry_after)

    def on_csrf_refused(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 403, "csrf", _("You are not allowed to do this."), exc.message)

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        return too_large_problem(request)

    def on_any_other(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception(
            "Uncaught %s in %s %s (request %s)",
            type(exc).__name__,
            request.method,
            request.path,
            getattr(request, "request_id", ""),
            exc_info=exc,
        )
        return server_error_problem(request)

    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(ValidationError, on_django_validation)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(ActionConflict, on_conflict)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(CsrfRefused, on_csrf_refused)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(Exception, on_any_other)


# --- OpenAPI: the error responses of every operation, declared once -------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; the title is in the caller's language (Chinese by default).",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "a URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the path of the request"},
        "request_id": {"type": "string", "description": "quote it when you contact us"},
        "errors": {
            "type": "array",
            "description": "422: one entry per invalid field",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
        "retry_after_seconds": {"type": "integer", "description": "429: seconds to wait"},
    },
    "required": ["type", "title", "status"],
}

_UNSAFE_METHODS = {"post", "put", "patch", "delete"}
_RESPONSE_DESCRIPTIONS = {
    400: "The body could not be parsed (not JSON, or not the declared content type).",
    401: "Not authenticated: no session, or a missing, wrong, expired or revoked API token.",
    403: "Not allowed: this kind of request is not open to the caller (or a browser session without CSRF).",
    404: "Not found: no such object, or it is not the caller's to see.",
    409: "Conflict: someone else changed the object first, or its state does not allow this.",
    413: "The request body is larger than the API accepts.",
    422: "Invalid parameters or body; `errors` lists each field.",
    429: "Too many requests; wait `Retry-After` seconds.",
}


def _problem_response_spec(status: int) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "description": _RESPONSE_DESCRIPTIONS[status],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 429:
        spec["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}
    if status == 401:
        spec["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return spec


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The problem statuses an operation can answer, from what it takes: auth, parameters, a body."""
    parameters = operation.get("parameters", [])
    unsafe = method.lower() in _UNSAFE_METHODS
    statuses = {429}
    if operation.get("security"):
        statuses |= {401, 403}
    if unsafe:  # an action may refuse on the state of things even without input: 422 with the reason
        statuses |= {403, 404, 409, 422}
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if parameters:
        statuses |= {404, 422}
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    return sorted(statuses)


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the Problem schema and the error responses of every operation in an OpenAPI document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                responses.setdefault(str(status), _problem_response_spec(status))
    return schema


class ProblemAPI(NinjaAPI):
    """A NinjaAPI whose every error is problem+json and whose OpenAPI declares those errors for every operation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_problem_handlers(self)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return add_problem_responses(super().get_openapi_schema(*args, **kwargs))
