"""Harvey's Django project. The Celery app is exposed here so `celery -A harvey worker` finds it."""

from .celery import app as celery_app

__all__ = ["celery_app"]
