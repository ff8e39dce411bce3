"""What a web or worker process checks before it serves anything."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_insecure_settings() -> None:
    """Raise when DEBUG is off and SECRET_KEY is still the development one.

    Sessions, password reset links and signed values all rest on SECRET_KEY: a key every
    checkout shares lets anyone forge them. ``check --deploy`` warns of it; a process that
    serves real organizations refuses to start.
    """
    if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "Refusing to start: DEBUG is off and SECRET_KEY is the development key. Set SECRET_KEY to a long "
            'random string (python -c "import secrets; print(secrets.token_urlsafe(50))"), the same for every '
            "web and worker process; or set DEBUG=True on a development machine."
        )
