from django.urls import path

from yiwang.hotline import views

app_name = "hotline"

urlpatterns = [
    path("new/", views.new_ticket, name="new"),
    path("mine/", views.my_tickets, name="mine"),
    path("t/<str:number>/", views.ticket_detail, name="ticket"),
    path("t/<str:number>/act/", views.ticket_action, name="act"),
    path("office/triage/", views.triage, name="triage"),
    path("office/inbox/", views.department_inbox, name="inbox"),
    path("office/call/", views.enter_call, name="call"),
]
