"""Staff work lists (我的工作): thin views over queries and actions; they work without JavaScript."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.models import User
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import staff_required
from yiwang.workflow import queries
from yiwang.workflow.actions import do_claim_work_item
from yiwang.workflow.queries import BOX_LABELS, Box


@staff_required
@require_GET
def work_list(request: HttpRequest) -> HttpResponse:
    """The four work lists as tabs — to do, done, due soon, overdue — ordered by deadline."""
    try:
        box = Box(request.GET.get("box", Box.TODO))
    except ValueError:
        box = Box.TODO
    user = cast(User, request.user)
    counts = queries.box_counts(user)
    tabs = [(tab, BOX_LABELS[tab], counts[tab]) for tab in Box]
    page = queries.paginate(queries.work_box(user, box), request.GET.get("page"))
    return render(
        request,
        "workflow/work_list.html",
        {"box": box, "box_label": BOX_LABELS[box], "tabs": tabs, "page": page, "today": timezone.localdate()},
    )


@staff_required
@require_POST
def claim(request: HttpRequest, item_id: int) -> HttpResponse:
    """Claim a work item (认领) and go back to the list."""
    item = queries.work_item(item_id)
    try:
        do_claim_work_item(cast(User, request.user), item)
    except ActionConflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, _("You claimed “%(name)s”.") % {"name": item.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    return redirect(next_url or "workflow:work_list")
