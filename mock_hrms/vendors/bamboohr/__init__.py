"""The BambooHR simulator: the shared generated world in BambooHR's documented protocol (see app.py).

app = create_bamboohr_app(BambooSettings(api_key="KEY", company_domain="acme"))
# GET /api/gateway.php/acme/v1/employees/directory  (Basic KEY:x, Accept: application/json)
"""

from mock_hrms.vendors.bamboohr.app import create_bamboohr_app
from mock_hrms.vendors.bamboohr.settings import DEFAULT_API_KEY, DEFAULT_COMPANY, BambooSettings
from mock_hrms.vendors.bamboohr.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_COMPANY",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "BambooSettings",
    "create_bamboohr_app",
    "sign",
    "verify",
]
