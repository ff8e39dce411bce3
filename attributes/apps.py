from django.apps import AppConfig


class AttributesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "attributes"
