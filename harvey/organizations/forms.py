"""The admin form for an HRMS integration: credentials are write-only.

The stored credentials are never rendered (not even masked values): the inputs start empty, and an empty
input means "keep what is stored". A token and extra `KEY=VALUE` lines are merged into what is stored;
"clear" forgets everything first. The merged credentials are validated by the model (`HRMSIntegration.clean`,
against the adapter's schema), as on every other path.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.views.decorators.debug import sensitive_variables

from harvey.organizations.config_fields import schema_fields, submitted_values
from harvey.organizations.models import HRMSIntegration


def provider_for(hrms_type: str | None):
    """The adapter's `AdapterProvider`, or None for an unknown or empty type (the model field says why)."""
    if not hrms_type:
        return None
    from integrations.hrms.errors import HRMSError
    from integrations.hrms.registry import provider

    try:
        return provider(hrms_type)
    except HRMSError:
        return None


def config_schema_for(hrms_type: str | None):
    """The adapter's configuration schema, or None for an unknown or empty type."""
    found = provider_for(hrms_type)
    return None if found is None else found.config_schema


def parse_credential_pairs(lines: list[str]) -> dict[str, str]:
    """`["api_key=abc", "tenant=acme"]` -> `{"api_key": "abc", "tenant": "acme"}`; the error never shows a value."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise forms.ValidationError(f"Credential {number} must look like KEY=VALUE.", code="credential_format")
        pairs[key] = value.strip()
    return pairs


class HRMSIntegrationForm(forms.ModelForm):
    token = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="API token. Leave blank to keep the stored one.",
    )
    extra_credentials = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="Other vendor keys, one KEY=VALUE per line (e.g. client_secret=...). Blank keeps them. "
        "What you type here is never shown again.",
    )
    clear_credentials = forms.BooleanField(required=False, help_text="Forget all stored credentials.")

    class Meta:
        model = HRMSIntegration
        fields = [
            "organization",
            "hrms_type",
            "base_url",
            "is_active",
            "allow_private_network",
            "cache_ttl_seconds",
            "sync_settings",
            "rate_limit",
            "rate_burst",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never echo submitted secrets back when the form is re-displayed with errors.
        self.fields["extra_credentials"].widget.format_value = lambda value: ""
        provider = provider_for(self.data.get("hrms_type") if self.is_bound else self.instance.hrms_type)
        self.config_schema = None if provider is None else provider.config_schema
        if self.config_schema is not None:
            self.fields.update(schema_fields(self.config_schema, dict(self.instance.credentials or {})))
        if provider is not None:  # say what blank means for this adapter
            default = provider.transport_policy
            for name, value in (("rate_limit", f"{default.rate_per_second:g}/s"), ("rate_burst", default.burst)):
                if name in self.fields:
                    self.fields[name].help_text += f" ({provider.display_name}: {value}.)"
        self.merged_credentials = dict(self.instance.credentials or {})

    @sensitive_variables()  # the stored credentials, decrypted, and the typed ones
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        credentials = {} if cleaned.get("clear_credentials") else dict(self.instance.credentials or {})
        credentials.update(cleaned.get("extra_credentials") or {})
        if cleaned.get("token"):
            credentials["token"] = cleaned["token"]
        if self.config_schema is not None:
            credentials.update(submitted_values(cleaned, self.config_schema))
        # The model's validation (run next, by ModelForm._post_clean) checks them against the adapter's schema.
        self.instance.credentials = self.merged_credentials = credentials
        return cleaned

    def clean_extra_credentials(self) -> dict[str, str]:
        lines = [line for line in self.cleaned_data["extra_credentials"].splitlines() if line.strip()]
        return parse_credential_pairs(lines)

    def save(self, commit: bool = True) -> HRMSIntegration:
        integration: HRMSIntegration = super().save(commit=False)
        integration.credentials = self.merged_credentials
        if commit:
            integration.save()
        return integration
