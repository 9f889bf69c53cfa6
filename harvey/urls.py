"""URL configuration: the Django admin (HR admins connect their HRMS and watch the replica there)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
