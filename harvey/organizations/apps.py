from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "harvey.organizations"
    label = "organizations"
    verbose_name = "Organizations and HRMS connections"
