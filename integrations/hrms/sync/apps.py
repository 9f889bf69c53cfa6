from django.apps import AppConfig


class SyncConfig(AppConfig):
    """Pattern B: copying HRMS data into the replica (pull, scheduled incremental sync, run history)."""

    name = "integrations.hrms.sync"
    label = "hrms_sync"
    verbose_name = "HRMS sync"
    default_auto_field = "django.db.models.BigAutoField"
