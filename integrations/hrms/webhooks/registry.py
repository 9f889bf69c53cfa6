"""Which webhook handler serves an integration: the one its adapter class declares, if any."""

from __future__ import annotations

from integrations.hrms import registry
from integrations.hrms.errors import ConfigurationError

from .handler import WebhookHandler


def handler_for(hrms_type: str) -> WebhookHandler | None:
    """The adapter's `webhook_handler`, or None when the adapter (or its type) takes no webhooks."""
    try:
        cls = registry.adapter_class(hrms_type)
    except ConfigurationError:
        return None
    handler = getattr(cls, "webhook_handler", None)
    return handler if isinstance(handler, WebhookHandler) else None
