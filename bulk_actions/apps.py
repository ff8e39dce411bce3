from django.apps import AppConfig


class BulkActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bulk_actions"
    verbose_name = "Bulk actions"
