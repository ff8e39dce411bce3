"""The ASGI application. The portal is deployed on WSGI (gunicorn); this serves the same pages."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")

application = get_asgi_application()

from .startup import refuse_insecure_settings  # noqa: E402 - settings are loaded by now

refuse_insecure_settings()
