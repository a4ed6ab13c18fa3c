"""The public REST API under /api/v1 (django-ninja): each app contributes one router."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yiwang.accounts.api import router as accounts_router
from yiwang.accounts.api_auth import ApiTokenAuth, SessionCsrfAuth
from yiwang.cases.api import router as cases_router
from yiwang.catalog.api import router as catalog_router
from yiwang.core.problems import ProblemAPI
from yiwang.hotline.api import router as hotline_router
from yiwang.hotline_public.api import router as hotline_public_router
from yiwang.licences.api import router as licences_router
from yiwang.notify.api import router as notify_router
from yiwang.org.api import router as org_router
from yiwang.registries.api import router as registries_router
from yiwang.search.api import router as search_router
from yiwang.workflow.api import router as workflow_router

api = ProblemAPI(
    title="Yiwang 一网 API",
    version="1",
    description=str(_("Public REST API of the Yiwang one-stop government service platform.")),
    urls_namespace="api",
    auth=[ApiTokenAuth(), SessionCsrfAuth()],
)
api.add_router("/", accounts_router)
api.add_router("/", org_router)
api.add_router("/", notify_router)
api.add_router("/", search_router)
api.add_router("/", catalog_router)
api.add_router("/", licences_router)
api.add_router("/", workflow_router)
api.add_router("/", cases_router)
api.add_router("/", hotline_public_router)
api.add_router("/", hotline_router)
api.add_router("/", registries_router)
