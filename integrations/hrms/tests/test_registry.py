"""The adapter registry: built-ins by dotted path, plugins by entry point, explicit registration."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from integrations.hrms import registry
from integrations.hrms.base import AdapterConfig, HRMSAdapter
from integrations.hrms.errors import ConfigurationError, UnknownAdapterType

PLUGIN_SOURCE = Path(__file__).resolve().parents[3] / "tests" / "registry_plugin"
CONFIG = AdapterConfig(base_url="https://acme.example.test", integration_key="org-acme")


@pytest.fixture
def acme_plugin(tmp_path, monkeypatch):
    """Install the Acme test package the way pip would expose it: a dist-info with entry_points.txt."""
    dist_info = tmp_path / "acme_hrms_adapter-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-hrms-adapter\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\nacme_test = acme_hrms_adapter:AcmeTestAdapter\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(PLUGIN_SOURCE))
    registry.refresh()
    yield
    sys.modules.pop("acme_hrms_adapter", None)
    monkeypatch.undo()
    registry.refresh()


@pytest.fixture
def registered():
    keys: list[str] = []

    def register(key, cls):
        registry.register(key, cls)
        keys.append(key)

    yield register
    for key in keys:
        registry.unregister(key)


def test_importlib_metadata_finds_the_plugin(acme_plugin) -> None:
    names = {ep.name for ep in entry_points(group=registry.ENTRY_POINT_GROUP)}
    assert "acme_test" in names


def test_plugin_adapter_is_created_through_its_entry_point(acme_plugin) -> None:
    adapter = registry.create_adapter("acme_test", CONFIG)
    assert type(adapter).__name__ == "AcmeTestAdapter"
    assert adapter.config is CONFIG
    assert "acme_test" in registry.known_types()


async def test_plugin_adapter_works(acme_plugin) -> None:
    roster = [
        {
            "id": "A1",
            "employee_id": "A1",
            "first_name": "Ada",
            "email": "ada@acme.example",
            "employment_status": "active",
        }
    ]
    config = AdapterConfig(base_url="https://acme.example.test", options={"employees": roster})
    async with registry.create_adapter("acme_test", config) as adapter:
        assert (await adapter.get_employee("A1")).first_name == "Ada"


def test_provider_describes_the_plugin(acme_plugin) -> None:
    assert registry.provider("acme_test").display_name == "Acme HR (test plugin)"


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(UnknownAdapterType) as info:
        registry.adapter_class("peoplesoft")
    assert "mock" in info.value.known
    assert "mock" in str(info.value)


def test_builtin_mock_is_known() -> None:
    assert "mock" in registry.known_types()


def test_missing_builtin_module_is_a_configuration_error_naming_the_path(monkeypatch) -> None:
    monkeypatch.setitem(registry.BUILTIN_ADAPTERS, "gone", "integrations.hrms.adapters.gone:GoneAdapter")
    with pytest.raises(ConfigurationError, match=r"integrations\.hrms\.adapters\.gone:GoneAdapter"):
        registry.adapter_class("gone")


def test_builtin_path_to_a_missing_class_is_a_configuration_error(monkeypatch) -> None:
    monkeypatch.setitem(registry.BUILTIN_ADAPTERS, "typo", "integrations.hrms.base:NoSuchAdapter")
    with pytest.raises(ConfigurationError, match="NoSuchAdapter"):
        registry.adapter_class("typo")


def test_a_class_that_is_not_an_adapter_is_refused(monkeypatch) -> None:
    monkeypatch.setitem(registry.BUILTIN_ADAPTERS, "notadapter", "integrations.hrms.base:Capabilities")
    with pytest.raises(ConfigurationError, match="not an HRMSAdapter"):
        registry.adapter_class("notadapter")


def test_register_refuses_a_non_adapter() -> None:
    with pytest.raises(ConfigurationError):
        registry.register("bad", dict)  # type: ignore[arg-type]


def test_registered_class_takes_precedence(registered, acme_plugin) -> None:
    import acme_hrms_adapter

    class Override(acme_hrms_adapter.AcmeTestAdapter):
        pass

    registered("mock", Override)
    assert registry.adapter_class("mock") is Override
    assert issubclass(registry.adapter_class("mock"), HRMSAdapter)
