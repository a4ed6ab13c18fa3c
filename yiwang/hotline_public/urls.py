"""Pages of the hotline's public side (mounted at /hotline/)."""

from django.urls import path

from yiwang.hotline_public import views

app_name = "hotline_public"

urlpatterns = [
    path("qa/", views.qa_list, name="qa"),
    path("qa/<str:number>/", views.qa_detail, name="qa-detail"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("answer-templates/", views.template_list, name="templates"),
    path("answer-templates/new/", views.template_edit, name="template-new"),
    path("answer-templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("answer-templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
    path("stats/", views.dashboard, name="dashboard"),
]
