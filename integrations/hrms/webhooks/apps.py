from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "integrations.hrms.webhooks"
    label = "hrms_webhooks"
    verbose_name = "HRMS webhooks"
    default_auto_field = "django.db.models.BigAutoField"
