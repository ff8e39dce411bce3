"""The WSGI application, for gunicorn (see gunicorn.conf.py and the deployment guide in README.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")

application = get_wsgi_application()

from .startup import refuse_insecure_settings  # noqa: E402 - settings are loaded by now

refuse_insecure_settings()
