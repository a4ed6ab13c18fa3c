"""Middleware of the shared kernel."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yiwang.core.errors import ActionConflict, RateLimited
from yiwang.core.problems import (
    PROBLEM_CONTENT_TYPE,
    is_api_request,
    problem_for_status,
    problem_response,
    too_large_problem,
)
from yiwang.core.request_context import current_request_id
from yiwang.core.views import conflict_page, request_too_large

_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (from a trusted proxy's ``X-Request-ID`` or fresh) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ActionConflictMiddleware:
    """Show a page's :class:`ActionConflict` (someone else acted first) as a Chinese 409 page, not a 500.

    API endpoints answer conflicts themselves as problem+json (``core.problems``); this covers every page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ActionConflict):
            return None
        return conflict_page(request, exception)


class RateLimitedMiddleware:
    """Show :class:`RateLimited` (too many requests from this address, number or account) as a Chinese 429 page
    with ``Retry-After``; under ``/api/`` as problem+json (the API's own handler normally answers first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        title = _("Too many requests")
        if request.path.startswith("/api/"):
            response = problem_response(
                request,
                429,
                "too-many-requests",
                title,
                exception.message,
                retry_after_seconds=exception.retry_after,
            )
        else:
            response = render(
                request,
                "errors/rate_limited.html",
                {"title": title, "explanation": exception.message, "retry_after": exception.retry_after},
                status=429,
            )
        response["Retry-After"] = str(exception.retry_after)
        return response


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body is larger than ``REQUEST_BODY_MAX_BYTES`` before anything reads it.

    413 as problem+json under ``/api/``, a Chinese page elsewhere. Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` follows
    the same setting, so a body within the limit never meets Django's own ``RequestDataTooBig`` (a 400).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return too_large_problem(request) if is_api_request(request) else request_too_large(request)
        return self.get_response(request)


_PASSED_ON_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiProblemMiddleware:
    """Whatever answers an error under ``/api/`` — Django (400, a 404 outside every route, 500), ninja (405) or a
    middleware — the client gets application/problem+json with the same status and a Chinese title."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            return response
        problem = problem_for_status(request, response.status_code)
        for header in _PASSED_ON_HEADERS:
            if header in response:
                problem[header] = response[header]
        return problem


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django 5.2 sets the other headers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
