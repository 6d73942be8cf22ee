"""The "products" export: the catalog in the import's own columns (one row per product, one
more per further variant), so an edited export imports back. Registered with analytics' export
registry (staff's exports) from CommerceConfig.ready(); the dashboard downloads the same table
at once, a catalog being bounded by its product limit. The catalog holds no personal data."""

from __future__ import annotations

import tempfile
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.analytics.enums import ExportKind
from kazan.analytics.exports import (
    CONTENT_TYPES,
    Cell,
    ExportFilters,
    Table,
    export_kind_register,
    write_csv,
    write_xlsx,
)
from kazan.commerce.models import Product
from kazan.commerce.services.imports import COLUMNS
from kazan.core.money import minor_digits

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

FORMATS = {"csv": write_csv, "xlsx": write_xlsx}


def _amount(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    digits = minor_digits(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def _rows(business: Business) -> Iterator[list[Cell]]:
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")

    def moment(value) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    products = (
        Product.objects.filter(business=business)
        .select_related("category__parent")
        .prefetch_related("variants", "media")
        .order_by("id")
    )
    for product in products:
        category = product.category
        path = ""
        if category is not None:
            path = f"{category.parent.name} > {category.name}" if category.parent else category.name
        image = next((m.url for m in product.media.all() if m.url), "")
        base: list[Cell] = [
            product.sku,
            product.name,
            product.kind,
            path,
            product.description,
            _amount(product.price_minor, product.currency),
            product.currency,
            "" if product.stock is None else product.stock,
            "yes" if product.active else "no",
            product.retailer_id,
            "; ".join(f"{k}={v}" for k, v in (product.attributes or {}).items()),
            image,
            moment(product.starts_at),
            moment(product.ends_at),
            product.duration_minutes or "",
        ]
        variants = list(product.variants.all())
        if not variants:
            yield [*base, "", "", "", "", ""]
        for variant in variants:
            yield [
                *base,
                variant.name,
                _amount(variant.price_minor, product.currency),
                "" if variant.stock is None else variant.stock,
                variant.sku,
                variant.retailer_id,
            ]


def products_table(*, business: Business | None, filters: ExportFilters | None = None) -> Table:
    assert business is not None  # the registry's rule: "required"
    return Table(
        title=_("Products of %(business)s") % {"business": business.name},
        headers=list(COLUMNS),
        rows=_rows(business),
    )


def table_file(table: Table, *, file_format: str, basename: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of `table` written as CSV or XLSX at once (a list
    bounded in size: the catalog, the orders a team member ticked)."""
    writer = FORMATS[file_format]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{file_format}"
        writer(table, path)
        content = path.read_bytes()
    return content, CONTENT_TYPES[file_format], f"{basename}.{file_format}"


def products_export(*, business: Business, file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the business's catalog as CSV or XLSX."""
    return table_file(
        products_table(business=business),
        file_format=file_format,
        basename=f"products-{business.slug}-{timezone.localdate():%Y-%m-%d}",
    )


def export_kinds_register() -> None:
    export_kind_register(ExportKind.PRODUCTS, products_table, business="required")
