from django.apps import AppConfig


class GroupImportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "group_imports"
    verbose_name = "Group uploads"
