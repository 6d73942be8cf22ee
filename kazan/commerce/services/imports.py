"""Bulk import of the catalog from CSV or XLSX. Every row is checked first (the dry run reports
each bad row by its line and reason), then everything is saved in one transaction or nothing.
A row whose SKU (or, without one, whose name) is already in the catalog updates that product,
so an edited export imports back. A row with a `variant` adds or changes that variant of the
product named by the same SKU or name (its product columns may repeat or stay empty).

Columns (header row, any order; only name and price are required): sku, name, kind (product,
service, event), category ("Parent > Child", created when missing), description, price (in
units: 45 or 45.50 or 45,50), currency, stock (empty: not tracked), active (yes/no),
retailer_id, attributes ("key=value; key=value"), image_url (https), starts_at, ends_at
(YYYY-MM-DD HH:MM, the business's time zone), duration_minutes, variant, variant_price,
variant_stock, variant_sku, variant_retailer_id."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Category, Product, ProductMedia, ProductVariant
from kazan.commerce.services.catalog import (
    _product_rules,
    _variant_save,
    product_clean,
    variant_clean,
)
from kazan.commerce.services.catalog_media import media_url_check
from kazan.core.entitlements import Limit, PlanLimitReached, plan_allows
from kazan.core.errors import KazanError, ValidationFailed
from kazan.core.money import minor_digits
from kazan.core.spreadsheets import ImportReport as SpreadsheetImportReport
from kazan.core.spreadsheets import (
    spreadsheet_table,
    upload_stage,
    upload_staged,
    upload_unstage,
    yes_no,
)

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

PRODUCT_COLUMNS = (
    "sku",
    "name",
    "kind",
    "category",
    "description",
    "price",
    "currency",
    "stock",
    "active",
    "retailer_id",
    "attributes",
    "image_url",
    "starts_at",
    "ends_at",
    "duration_minutes",
)
VARIANT_COLUMNS = (
    "variant",
    "variant_price",
    "variant_stock",
    "variant_sku",
    "variant_retailer_id",
)
COLUMNS = PRODUCT_COLUMNS + VARIANT_COLUMNS
FILE_MAX_BYTES = 5 * 1024 * 1024
ROWS_MAX = 5000
_PRICE = re.compile(r"^\d+(?:[.,]\d+)?$")


@dataclass
class ImportProduct:
    line: int
    key: str  # sku, or the folded name
    fields: dict[str, Any]
    category_path: list[str]
    image_url: str
    updates_id: int | None = None  # the product it updates
    variants: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class ImportReport(SpreadsheetImportReport[ImportProduct]):
    # The plan's refusal of the new products (also among `errors`, on line 0, for the page):
    # the API answers it as a 402.
    refused: PlanLimitReached | None = None

    @property
    def variants(self) -> int:
        return sum(len(row.variants) for row in self.rows)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=CommerceErrorCode.IMPORT_INVALID)


def _price(raw: str, currency: str, label: str) -> int | None:
    text = raw.strip().replace(" ", "")
    if not text:
        return None
    if not _PRICE.match(text):
        raise _invalid(_("The %(field)s must be a number such as 45 or 45.50.") % {"field": label})
    digits = minor_digits(currency)
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise _invalid(_("The %(field)s must be a number.") % {"field": label}) from None
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value():
        raise _invalid(
            _("The %(field)s has more decimals than %(currency)s allows.")
            % {"field": label, "currency": currency}
        )
    return int(minor)


def _whole(raw: str, label: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if text.endswith(".0"):  # Excel's numbers arrive as floats
        text = text[:-2]
    if not (text.isascii() and text.isdigit()):
        raise _invalid(_("The %(field)s must be a whole number.") % {"field": label})
    return int(text)


def _moment(raw: str, zone: zoneinfo.ZoneInfo, label: str) -> dt.datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(
            _("The %(field)s must be a date and time such as 2026-05-12 19:00.") % {"field": label}
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _attributes(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise _invalid(_("Attributes are written key=value; key=value."))
        key, value = part.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _active(raw: str) -> bool:
    value = yes_no(raw)
    if value is None:
        raise _invalid(_("Active must be yes or no."))
    return value


def _category_path(raw: str) -> list[str]:
    parts = [" ".join(p.split()) for p in raw.split(">")] if raw.strip() else []
    if any(not p for p in parts) or len(parts) > 2:
        raise _invalid(_("A category is written “Category” or “Category > Subcategory”."))
    if any(len(p) > 120 for p in parts):
        raise _invalid(_("The name is too long (at most 120 characters)."))
    return parts


class _Row:
    def __init__(self, cells: list[str], where: dict[str, int]) -> None:
        self.cells, self.where = cells, where

    def __call__(self, name: str) -> str:
        index = self.where.get(name)
        value = self.cells[index] if index is not None and index < len(self.cells) else ""
        return value.strip()


def _read_product(business: Business, cell: _Row, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    currency = (cell("currency") or business.currency or "EUR").upper()
    raw: dict[str, Any] = {
        "name": cell("name"),
        "sku": cell("sku"),
        "kind": cell("kind").lower() or "product",
        "description": cell("description"),
        "price_minor": _price(cell("price"), currency, _("price")),
        "currency": currency,
        "stock": _whole(cell("stock"), _("stock")),
        "active": _active(cell("active")),
        "retailer_id": cell("retailer_id"),
        "attributes": _attributes(cell("attributes")),
        "starts_at": _moment(cell("starts_at"), zone, _("start")),
        "ends_at": _moment(cell("ends_at"), zone, _("end")),
        "duration_minutes": _whole(cell("duration_minutes"), _("duration")),
    }
    return product_clean(business=business, fields=raw)


def _read_variant(cell: _Row, currency: str) -> dict[str, Any]:
    return variant_clean(
        {
            "name": cell("variant"),
            "price_minor": _price(cell("variant_price"), currency, _("variant price")),
            "stock": _whole(cell("variant_stock"), _("variant stock")),
            "sku": cell("variant_sku"),
            "retailer_id": cell("variant_retailer_id"),
        }
    )


def catalog_import_check(*, business: Business, file_name: str, content: bytes) -> ImportReport:
    """Reads and checks every row without saving (the dry run)."""
    rows, where = spreadsheet_table(
        file_name,
        content,
        columns=COLUMNS,
        required=("name", "price"),
        max_bytes=FILE_MAX_BYTES,
        max_rows=ROWS_MAX,
        invalid=_invalid,
    )
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    existing_sku = dict(
        Product.objects.filter(business=business).exclude(sku="").values_list("sku", "pk")
    )
    existing_name = {
        name.casefold(): pk
        for pk, name in Product.objects.filter(business=business, sku="").values_list("pk", "name")
    }
    retailer_owner = dict(
        Product.objects.filter(business=business)
        .exclude(retailer_id="")
        .values_list("retailer_id", "pk")
    )
    retailer_owner.update(
        ProductVariant.objects.filter(product__business=business)
        .exclude(retailer_id="")
        .values_list("retailer_id", "product_id")
    )
    report = ImportReport()
    by_key: dict[str, ImportProduct] = {}
    retailer_seen: dict[str, str] = {}
    for line, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cell = _Row(cells, where)
        key = cell("sku") or cell("name").casefold()
        if not key:
            report.errors.append((line, _("Please fill in the name.")))
            continue
        known = by_key.get(key)
        try:
            if known is not None and not cell("variant"):
                raise _invalid(_("This product is already in an earlier row."))
            if known is None:
                fields = _read_product(business, cell, zone)
                row = ImportProduct(
                    line=line,
                    key=key,
                    fields=fields,
                    category_path=_category_path(cell("category")),
                    image_url=media_url_check(cell("image_url")) if cell("image_url") else "",
                    updates_id=existing_sku.get(key) if cell("sku") else existing_name.get(key),
                )
                probe = Product(business=business, pk=row.updates_id, **fields)
                if probe.kind == "event" and probe.starts_at is None:
                    raise _invalid(_("An event needs a start date and time."))
                if probe.starts_at and probe.ends_at and probe.ends_at <= probe.starts_at:
                    raise _invalid(_("The end must come after the start."))
                ids = [fields.get("retailer_id", "")]
            else:
                row = known
                ids = []
            variant = _read_variant(cell, row.fields["currency"]) if cell("variant") else None
            if variant is not None:
                if any(
                    v["name"].casefold() == variant["name"].casefold() for _l, v in row.variants
                ):
                    raise _invalid(_("This variant is already in an earlier row."))
                ids.append(variant.get("retailer_id", ""))
            for retailer_id in filter(None, ids):
                owner = retailer_owner.get(retailer_id)
                if retailer_seen.get(retailer_id, key) != key or (
                    owner is not None and owner != row.updates_id
                ):
                    raise _invalid(_("Another product already has this retailer id."))
                retailer_seen[retailer_id] = key
        except KazanError as error:
            report.errors.append((line, str(error.message)))
            continue
        if known is None:
            by_key[key] = row
            report.rows.append(row)
        if variant is not None:
            row.variants.append((line, variant))
    if not report.rows and not report.errors:
        raise _invalid(_("The file has no products."))
    if report.created:
        try:
            plan_allows(business=business, key=Limit.PRODUCTS, adding=report.created)
        except PlanLimitReached as refused:
            report.refused = refused
            report.errors.append((0, str(refused.message)))
    return report


def _category_for(
    business: Business, path: list[str], cache_: dict[tuple[str, ...], int]
) -> int | None:
    parent: int | None = None
    for depth in range(len(path)):
        key = tuple(p.casefold() for p in path[: depth + 1])
        if key not in cache_:
            found = Category.objects.filter(
                business=business, parent_id=parent, name__iexact=path[depth]
            ).first()
            if found is None:
                found = Category.objects.create(
                    business=business, parent_id=parent, name=path[depth]
                )
            cache_[key] = found.pk
        parent = cache_[key]
    return parent


def _save(business: Business, report: ImportReport) -> None:
    categories: dict[tuple[str, ...], int] = {}
    for row in report.rows:
        fields = dict(row.fields)
        if row.category_path:
            fields["category_id"] = _category_for(business, row.category_path, categories)
        if row.updates_id is None:
            product = Product(business=business, **fields)
        else:
            product = Product.objects.select_for_update().get(business=business, pk=row.updates_id)
            for key, value in fields.items():
                setattr(product, key, value)
        try:
            _product_rules(business, product)
            product.save()
            for _line, variant_fields in row.variants:
                # Locked like the product: a reservation made meanwhile is not overwritten.
                variant = ProductVariant.objects.select_for_update().filter(
                    product=product, name__iexact=variant_fields["name"]
                ).first() or ProductVariant(product=product)
                for key, value in variant_fields.items():
                    setattr(variant, key, value)
                _variant_save(business, variant)
        except KazanError as error:
            raise _invalid(
                _("Row %(line)d: %(reason)s") % {"line": row.line, "reason": error.message}
            ) from error
        if (
            row.image_url
            and not ProductMedia.objects.filter(product=product, url=row.image_url).exists()
        ):
            ProductMedia.objects.create(
                product=product, url=row.image_url, position=product.media.count()
            )


def catalog_import(
    *,
    business: Business,
    upload: Any = None,
    dry_run: bool,
    actor: Actor,
    file_name: str = "",
    content: bytes | None = None,
    actor_kind: str | None = None,
) -> ImportReport:
    """The dry run's report; without `dry_run` and with no bad row, everything saved in one
    transaction. `upload` is an uploaded file (name and read()); or pass file_name and
    content."""
    if upload is not None:
        file_name = str(getattr(upload, "name", "") or "")
        content = upload.read(FILE_MAX_BYTES + 1)
    if content is None:
        raise _invalid(_("Please choose a file."))
    report = catalog_import_check(business=business, file_name=file_name, content=content)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        plan_allows(business=business, key=Limit.PRODUCTS, adding=report.created)
        _save(business, report)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.catalog_imported",
            data={"created": report.created, "updated": report.updated},
        )
    report.saved = True
    return report


# --- between the dry run and the confirmation ---------------------------------------------------


def _scope(business: Business) -> str:
    return f"commerce:import:{business.pk}"


def catalog_import_stage(*, business: Business, file_name: str, content: bytes) -> str:
    """Keeps a checked file for an hour under a random token bound to the business, until the
    team confirms."""
    return upload_stage(scope=_scope(business), file_name=file_name, content=content)


def catalog_import_staged(*, business: Business, token: str) -> tuple[str, bytes]:
    return upload_staged(scope=_scope(business), token=token, invalid=_invalid)


def catalog_import_unstage(*, business: Business, token: str) -> None:
    upload_unstage(scope=_scope(business), token=token)
