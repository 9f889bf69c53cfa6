"""ASGI entry point (`uvicorn harvey.asgi:application`)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harvey.settings")

application = get_asgi_application()
