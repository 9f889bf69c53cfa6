"""HRMS type name → adapter class (Django's cache-backend style: dotted paths, loaded lazily).

Three sources, in order of precedence:
1. `register(key, cls)` — explicit, for tests and for embedding code;
2. built-ins, `BUILTIN_ADAPTERS` below: a dotted path per type, imported only when that type is used, so a
   broken or missing vendor module cannot stop the others from loading;
3. third-party packages that declare the entry-point group `harvey.hrms_adapters`
   (`acme = acme_hrms.adapter:AcmeAdapter` in their packaging metadata). A plugin cannot shadow a built-in.

Adding a built-in vendor is adding its folder under `adapters/` and one line here.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from .base import AdapterConfig, AdapterProvider, HRMSAdapter
from .errors import ConfigurationError, UnknownAdapterType

ENTRY_POINT_GROUP = "harvey.hrms_adapters"

BUILTIN_ADAPTERS: dict[str, str] = {
    "mock": "integrations.hrms.adapters.mock:MockAdapter",
    "bamboohr": "integrations.hrms.adapters.bamboohr:BambooHRAdapter",
}

logger = logging.getLogger(__name__)

_registered: dict[str, type[HRMSAdapter]] = {}
_plugins: dict[str, EntryPoint] | None = None


def import_string(dotted_path: str) -> Any:
    """`package.module:Attr` (or `package.module.Attr`) → the object, or a ConfigurationError naming it."""
    module_path, sep, attr = dotted_path.partition(":")
    if not sep:
        module_path, _, attr = dotted_path.rpartition(".")
    if not module_path or not attr:
        raise ConfigurationError(f"{dotted_path!r} is not a dotted path to a class")
    try:
        module = importlib.import_module(module_path)
    except ImportError as e:
        raise ConfigurationError(f"cannot import adapter {dotted_path!r}: {e}") from e
    try:
        return getattr(module, attr)
    except AttributeError as e:
        raise ConfigurationError(f"module {module_path!r} has no {attr!r} (adapter {dotted_path!r})") from e


def _validated(hrms_type: str, obj: Any, origin: str) -> type[HRMSAdapter]:
    if not (isinstance(obj, type) and issubclass(obj, HRMSAdapter)):
        raise ConfigurationError(f"adapter {hrms_type!r} ({origin}) is not an HRMSAdapter subclass: {obj!r}")
    return obj


def _entry_points() -> dict[str, EntryPoint]:
    """Plugins found in installed packages' metadata; scanned once, see `refresh()`."""
    global _plugins
    if _plugins is None:
        found: dict[str, EntryPoint] = {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in BUILTIN_ADAPTERS:
                logger.warning("hrms.registry.plugin_ignored name=%s value=%s (shadows a built-in)", ep.name, ep.value)
                continue
            found.setdefault(ep.name, ep)
        _plugins = found
    return _plugins


def refresh() -> None:
    """Forget the scanned entry points (after installing a plugin at run time, and in tests)."""
    global _plugins
    _plugins = None
    importlib.invalidate_caches()


def register(key: str, cls: type[HRMSAdapter]) -> None:
    """Register an adapter class under `key`, taking precedence over built-ins and plugins."""
    _registered[key] = _validated(key, cls, "registered")


def unregister(key: str) -> None:
    _registered.pop(key, None)


def known_types() -> list[str]:
    return sorted({*_registered, *BUILTIN_ADAPTERS, *_entry_points()})


def adapter_class(hrms_type: str) -> type[HRMSAdapter]:
    """The adapter class for `hrms_type`. UnknownAdapterType lists the known types; a path that does not
    import, or names something that is not an HRMSAdapter, is a ConfigurationError."""
    if hrms_type in _registered:
        return _registered[hrms_type]
    if hrms_type in BUILTIN_ADAPTERS:
        path = BUILTIN_ADAPTERS[hrms_type]
        return _validated(hrms_type, import_string(path), path)
    plugin = _entry_points().get(hrms_type)
    if plugin is None:
        raise UnknownAdapterType(hrms_type, known_types())
    try:
        loaded = plugin.load()
    except (ImportError, AttributeError) as e:
        raise ConfigurationError(f"cannot load adapter plugin {hrms_type!r} = {plugin.value!r}: {e}") from e
    return _validated(hrms_type, loaded, f"entry point {plugin.value}")


def provider(hrms_type: str) -> AdapterProvider:
    """The class-level description (display name, config schema, capabilities) without connecting."""
    cls = adapter_class(hrms_type)
    description = getattr(cls, "provider", None)
    if not isinstance(description, AdapterProvider):
        raise ConfigurationError(f"adapter {hrms_type!r} declares no AdapterProvider")
    return description


def create_adapter(hrms_type: str, config: AdapterConfig, **kwargs: Any) -> HRMSAdapter:
    """An adapter instance bound to one organization's connection."""
    return adapter_class(hrms_type)(config, **kwargs)
