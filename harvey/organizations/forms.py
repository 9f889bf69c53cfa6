"""The admin form for an HRMS integration: credentials are write-only.

The stored credentials are never rendered (not even masked values): the inputs start empty, and an empty
input means "keep what is stored". A token and extra `KEY=VALUE` lines are merged into what is stored;
"clear" forgets everything first.
"""

from __future__ import annotations

from typing import Any

from django import forms

from harvey.organizations.models import HRMSIntegration


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
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never echo submitted secrets back when the form is re-displayed with errors.
        self.fields["extra_credentials"].widget.format_value = lambda value: ""

    def clean_extra_credentials(self) -> dict[str, str]:
        lines = [line for line in self.cleaned_data["extra_credentials"].splitlines() if line.strip()]
        return parse_credential_pairs(lines)

    def save(self, commit: bool = True) -> HRMSIntegration:
        integration: HRMSIntegration = super().save(commit=False)
        credentials = {} if self.cleaned_data["clear_credentials"] else dict(integration.credentials or {})
        credentials.update(self.cleaned_data["extra_credentials"])
        if self.cleaned_data["token"]:
            credentials["token"] = self.cleaned_data["token"]
        integration.credentials = credentials
        if commit:
            integration.save()
        return integration
