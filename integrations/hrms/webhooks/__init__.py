"""Pattern C: HRMS webhooks received through one fixed pipeline (docs/architecture.md §4.3, docs/style.md §2.6).

`views.receive` finds the organization's active integration from the URL, lets that adapter's
`webhook_handler` verify and parse the delivery, stores a `WebhookEvent` (unique per organization and event
id, so a duplicate delivery is harmless) and enqueues `tasks.apply_webhook_event`, which re-reads the changed
records through the adapter and writes them into the replica. Vendors plug in by giving their adapter class a
`webhook_handler` (a `handler.WebhookHandler`).
"""
