"""WSGI entry point (`gunicorn harvey.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")

application = get_wsgi_application()
