"""Pages of the cases app: applying and following cases under /cases/, the back office under /cases/office/."""

from django.urls import path

from yiwang.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.my_applications, name="mine"),
    path("apply/items/<str:code>/", views.start_item, name="start_item"),
    path("apply/bundles/<slug:code>/", views.start_bundle, name="start_bundle"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/files/<int:file_id>/remove/", views.remove_file, name="remove_file"),
    path("applications/<int:pk>/delegation/send/", views.send_delegation_code, name="send_delegation_code"),
    path("applications/<int:pk>/delegation/confirm/", views.confirm_delegation, name="confirm_delegation"),
    path("applications/<int:pk>/withdraw/", views.withdraw_application, name="withdraw_application"),
    path("applications/<int:pk>/newborn/", views.choose_newborn, name="choose_newborn"),
    path("files/<int:file_id>/", views.download_file, name="download_file"),
    path("delegations/", views.my_delegations, name="my_delegations"),
    path("delegations/<int:pk>/end/", views.end_delegation, name="end_delegation"),
    path(
        "office/delegations/confirm/",
        views.confirm_delegation_in_person,
        name="confirm_delegation_in_person",
    ),
    path("office/", views.inbox, name="inbox"),
    path("office/supervisor/", views.supervisor, name="supervisor"),
    path("office/<str:number>/", views.office_case, name="office_case"),
    path("office/<str:number>/<slug:action>/", views.office_action, name="office_action"),
    path("<str:number>/", views.case_detail, name="case"),
    path("<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("<str:number>/withdraw/", views.withdraw_case, name="withdraw_case"),
    path("<str:number>/notices/<str:notice_number>/", views.notice_detail, name="notice"),
]
