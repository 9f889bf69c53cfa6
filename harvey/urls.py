"""URL configuration: the Django admin (HR admins connect their HRMS and watch the replica there) and the HRMS
webhook receiver (`/webhooks/hrms/<org_slug>/`)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/hrms/", include("integrations.hrms.webhooks.urls")),
]
