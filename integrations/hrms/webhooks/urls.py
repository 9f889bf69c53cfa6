"""Mounted by harvey/urls.py under `webhooks/hrms/`."""

from django.urls import path

from . import views

app_name = "hrms_webhooks"
urlpatterns = [
    path("<slug:org_slug>/", views.receive, name="receive"),
]
