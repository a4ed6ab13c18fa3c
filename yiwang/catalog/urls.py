"""Pages of the catalogue: public under /services/, the back office under /services/office/."""

from django.urls import path

from yiwang.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("departments/", views.department_list, name="department_list"),
    path("items/<str:code>/", views.item_detail, name="item_detail"),
    path("bundles/", views.bundle_list, name="bundle_list"),
    path("bundles/<slug:code>/", views.bundle_detail, name="bundle_detail"),
    path("lists/power/", views.power_list, name="power_list"),
    path("lists/responsibility/<str:department>/", views.responsibility_list, name="responsibility_list"),
    path("lists/negative/", views.negative_list, name="negative_list"),
    path("office/", views.office_items, name="office_items"),
    path("office/items/<str:code>/", views.office_edit, name="office_edit"),
    path("office/versions/<int:version_id>/", views.office_version, name="office_version"),
    path("office/versions/<int:version_id>/submit/", views.office_submit, name="office_submit"),
    path("office/versions/<int:version_id>/publish/", views.office_publish, name="office_publish"),
    path("office/versions/<int:version_id>/reject/", views.office_reject, name="office_reject"),
]
