"""RFC 9457 problem details (问题详情) for every API error."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from yiwang.core.errors import ActionConflict

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://yiwang.example.gov.cn/problems/"


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
        return problem_response(request, 404, "not-found", _("Not found."), str(exc) if str(exc) else "")

    def on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            request, 403, "forbidden", _("You are not allowed to do this."), str(exc) if str(exc) else ""
        )

    def on_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 409, "conflict", _("Someone else changed this first."), exc.message)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            return problem_response(request, 401, "unauthenticated", _("Please log in first."))
        if isinstance(exc, Throttled):
            return problem_response(
                request, 429, "too-many-requests", _("Too many requests; try again later.")
            )
        phrase = (
            HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else ""
        )
        return problem_response(request, exc.status_code, "http-error", phrase, exc.message)

    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(ValidationError, on_django_validation)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(ActionConflict, on_conflict)
    api.add_exception_handler(HttpError, on_http_error)
