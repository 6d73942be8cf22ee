"""Data-subject requests across apps: each app that keeps data about a customer registers a
section (in its AppConfig.ready) that exports it and erases it. customers.services runs them
all, so a new app cannot be forgotten by the export or the erasure. The registry lives in core so
that apps below customers (analytics) can register too."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GdprSection:
    name: str
    # (business, customer) -> JSON-serializable data about that customer
    export: Callable[[Any, Any], Any]
    # (business, customer) -> None: remove or anonymize; runs inside the erasure's transaction
    erase: Callable[[Any, Any], None]


_sections: dict[str, GdprSection] = {}
# Top-level keys of customers.services.customer_export's own data; a section may not shadow them.
RESERVED_NAMES = frozenset(
    {"format", "exported_at", "business", "profile", "identities", "consents"}
)


def gdpr_section_register(section: GdprSection) -> None:
    """Register (or replace, by name) a section. Call from AppConfig.ready()."""
    if section.name in RESERVED_NAMES:
        raise ValueError(f"GDPR section name {section.name!r} is reserved")
    _sections[section.name] = section


def gdpr_sections() -> list[GdprSection]:
    return list(_sections.values())
