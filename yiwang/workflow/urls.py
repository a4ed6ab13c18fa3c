"""Pages of the workflow engine, under /office/work/."""

from django.urls import path

from yiwang.workflow import views

app_name = "workflow"
urlpatterns = [
    path("", views.work_list, name="work_list"),
    path("<int:item_id>/claim", views.claim, name="claim"),
]
