"""WSGI entry point for gunicorn and other servers."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_wsgi_application()

# An application server runs no management command, hence no system checks: refuse to serve a configuration
# that must never meet real people (e.g. the demo SMS gateway outside demo mode, yiwang.core.checks).
from yiwang.core.checks import serious_startup_problems  # noqa: E402

if problems := serious_startup_problems():
    raise ImproperlyConfigured("; ".join(problems))
