"""Pages of the registries app."""

from django.urls import path

from yiwang.registries import views

app_name = "registries"
urlpatterns = [
    path("services/", views.service_catalogue, name="services"),
    path("office/supervision/", views.office_supervision, name="office_supervision"),
    path(
        "office/supervision/<int:item_id>/close/",
        views.close_supervision_item,
        name="close_supervision_item",
    ),
    path("me/data-access/", views.my_data_access, name="my_data_access"),
    path("me/data-access/<str:request_id>/flag/", views.flag_access, name="flag_access"),
    path("me/consents/", views.my_consents, name="my_consents"),
    path("me/consents/<int:consent_id>/withdraw/", views.withdraw_consent, name="withdraw_consent"),
]
