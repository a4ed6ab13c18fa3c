"""URL configuration: pages per app, the API under /api/v1, health under /healthz."""

from django.contrib import admin
from django.urls import include, path

from yiwang.api import api
from yiwang.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("yiwang.accounts.urls")),
    path("inbox/", include("yiwang.notify.urls")),
    path("org/", include("yiwang.org.urls")),
    path("search/", include("yiwang.search.urls")),
    path("office/work/", include("yiwang.workflow.urls")),
    path("office/", include("yiwang.office.urls")),
    path("services/", include("yiwang.catalog.urls")),
    path("licences/", include("yiwang.licences.urls")),
    path("registries/", include("yiwang.registries.urls")),
    path("hotline/", include("yiwang.hotline.urls")),
    path("cases/", include("yiwang.cases.urls")),
    path("hotline/", include("yiwang.hotline_public.urls")),
    path("open311/v2/", include("yiwang.hotline_public.open311_urls")),
    path("", include("yiwang.portal.urls")),
]

handler403 = "yiwang.core.views.permission_denied"
handler404 = "yiwang.core.views.page_not_found"
handler500 = "yiwang.core.views.server_error"
