"""Django's error reports hide what `sensitive_variables` / `sensitive_post_parameters` mark — DEBUG or not.

Django's own `SafeExceptionReporterFilter` cleanses only while DEBUG is off ("if DEBUG is True then your
site is not safe anyway"), so the debug page of a development server would show a view's decrypted HRMS
API key to whoever triggered the error. Harvey holds other people's credentials: its marked frames and
POST parameters are hidden in every report, the DEBUG page included.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request: HttpRequest | None) -> bool:
        return True
