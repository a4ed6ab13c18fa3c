"""Pages: public Q&A (公开问答), the knowledge base (知识库), template answers (答复模板), the dashboard (热线看板)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.permissions import departments_where, is_verified_staff, staff_required
from yiwang.hotline.queries import is_hotline_centre
from yiwang.hotline_public import actions, queries
from yiwang.hotline_public.forms import DashboardForm, KnowledgeSearchForm, TemplateAnswerForm
from yiwang.hotline_public.models import TemplateAnswer
from yiwang.org.models import Department

PAGE_SIZE = 20


def qa_list(request: HttpRequest) -> HttpResponse:
    """Answered questions the citizens agreed to publish, masked, newest first."""
    page = Paginator(queries.published_tickets(), PAGE_SIZE).get_page(request.GET.get("page"))
    answers = [queries.public_answer(ticket) for ticket in page.object_list]
    return render(request, "hotline_public/qa_list.html", {"page": page, "answers": answers})


def qa_detail(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "hotline_public/qa_detail.html", {"answer": queries.get_public_answer(number)})


@staff_required
def knowledge(request: HttpRequest) -> HttpResponse:
    """Search template answers and past answers to answer a consultation at once."""
    form = KnowledgeSearchForm(request.GET or None)
    hits = queries.search_knowledge(form.cleaned_data["q"]) if form.is_valid() else []
    return render(request, "hotline_public/knowledge.html", {"form": form, "hits": hits})


def _editable_departments(user: object) -> object:
    if is_hotline_centre(user):
        return Department.objects.order_by("code")
    return departments_where(user)


@staff_required
def template_list(request: HttpRequest) -> HttpResponse:
    departments = _editable_departments(request.user)
    templates = queries.template_answers().filter(department__in=departments)
    return render(request, "hotline_public/template_list.html", {"templates": templates})


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(TemplateAnswer, pk=pk) if pk is not None else None
    if template is not None:
        actions.check_can_edit_template_answers(request.user, template.department)
    form = TemplateAnswerForm(
        request.POST or None, instance=template, departments=_editable_departments(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_template_answer(
                request.user,
                department=form.cleaned_data["department"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                keywords=form.cleaned_data["keywords"],
                template=template,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The template answer was saved."))
            return redirect("hotline_public:templates")
    return render(request, "hotline_public/template_form.html", {"form": form, "template": template})


@staff_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actions.do_delete_template_answer(request.user, get_object_or_404(TemplateAnswer, pk=pk))
    messages.success(request, _("The template answer was deleted."))
    return redirect("hotline_public:templates")


def dashboard(request: HttpRequest) -> HttpResponse:
    """Public figures for everyone; more for verified hotline-centre staff and department heads."""
    form = DashboardForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
    viewer = request.user if is_verified_staff(request.user) else None
    return render(
        request,
        "hotline_public/dashboard.html",
        {"form": form, "board": queries.dashboard(viewer, days)},
    )
