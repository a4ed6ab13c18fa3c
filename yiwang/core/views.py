"""Views of the shared kernel: health and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from yiwang.core.errors import ActionConflict
from yiwang.core.health import overall_health
from yiwang.core.problems import problem_response, server_error_problem


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """GET /healthz: database, queue and version as JSON; 503 when something is down."""
    healthy, body = overall_health()
    return JsonResponse(body, status=200 if healthy else 503)


def _error_page(request: HttpRequest, status: int, title: str, explanation: str) -> HttpResponse:
    return render(request, "errors/error.html", {"title": title, "explanation": explanation}, status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 403, "forbidden", _("You are not allowed to do this."))
    return _error_page(
        request,
        403,
        _("You cannot open this page"),
        _(
            "Your account does not have permission for this page. If you think it should, contact your administrator."
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 404, "not-found", _("Not found."))
    return _error_page(
        request,
        404,
        _("Page not found"),
        _(
            "The address may be mistyped, or the page has moved. Check the address or start again from the home page."
        ),
    )


def conflict_page(request: HttpRequest, conflict: ActionConflict) -> HttpResponse:
    """409: the object changed under the user (another person acted first); say what happened and what to do."""
    if _is_api(request):
        return problem_response(
            request, 409, "conflict", _("Someone else changed this first."), conflict.message
        )
    return _error_page(
        request,
        409,
        _("Someone else changed this first"),
        _("%(reason)s Reload the page to see the current state, then try again if it still needs doing.")
        % {"reason": conflict.message},
    )


def request_too_large(request: HttpRequest) -> HttpResponse:
    """413: the request body is larger than the platform accepts (``REQUEST_BODY_MAX_BYTES``)."""
    return _error_page(
        request,
        413,
        _("The upload is too large"),
        _("Go back and send smaller files, or fewer files at a time."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return server_error_problem(request)
    return HttpResponse(loader.get_template("500.html").render(), status=500)
