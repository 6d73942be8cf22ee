"""The schemas of /api/v1/catalog (kazan/commerce/api_catalog.py): what clients send, checked
at the boundary, and what they get back (prices in minor units with the best offer applied)."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kazan.commerce import queries
from kazan.commerce.models import Offer, Product, ProductMedia, ProductVariant
from kazan.core.api import Timestamp
from kazan.core.money import money_format
from kazan.core.schemas import InputSchema

KINDS = "^(product|service|event)$"


class CategoryOut(Schema):
    id: int
    name: str
    description: str
    parent_id: int | None
    position: int
    active: bool


class CategoryIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    parent_id: int | None = Field(None, ge=1, le=2**62)
    description: str = Field("", max_length=2000)
    position: int = Field(0, ge=0, le=100_000)
    active: bool = True


class CategoryPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    parent_id: int | None = Field(None, ge=1, le=2**62)
    description: str | None = Field(None, max_length=2000)
    position: int | None = Field(None, ge=0, le=100_000)
    active: bool | None = None


class VariantOut(Schema):
    id: int
    name: str
    options: dict[str, str]
    sku: str
    price_minor: int | None
    stock: int | None
    reserved: int
    active: bool
    position: int
    retailer_id: str


class MediaOut(Schema):
    id: int
    kind: str
    url: str
    alt: str

    @staticmethod
    def resolve_url(obj: ProductMedia) -> str:
        return obj.file.url if obj.file else obj.url


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    category_id: int | None
    sku: str
    price_minor: int
    currency: str
    price_text: str = Field(description="The list price for people, in the request's language.")
    final_price_minor: int = Field(description="After the best active offer (never below 0).")
    discount_minor: int
    offer_id: int | None
    stock: int | None = Field(description="None: not tracked.")
    reserved: int
    available: int | None
    active: bool
    retailer_id: str
    attributes: dict[str, Any]
    duration_minutes: int | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    variants: list[VariantOut]
    media: list[MediaOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_price_text(obj: Product) -> str:
        return money_format(obj.price_minor, obj.currency)

    @staticmethod
    def resolve_final_price_minor(obj: Product) -> int:
        return _price(obj).final_minor

    @staticmethod
    def resolve_discount_minor(obj: Product) -> int:
        return _price(obj).discount_minor

    @staticmethod
    def resolve_offer_id(obj: Product) -> int | None:
        offer = _price(obj).offer
        return offer.pk if offer else None

    @staticmethod
    def resolve_available(obj: Product) -> int | None:
        return queries.available(obj)

    @staticmethod
    def resolve_variants(obj: Product) -> list[ProductVariant]:
        return list(obj.variants.all())

    @staticmethod
    def resolve_media(obj: Product) -> list[ProductMedia]:
        return list(obj.media.all())


def _price(product: Product) -> queries.Price:
    cached = getattr(product, "_api_price", None)
    if cached is None:
        cached = queries.prices_for(business=product.business, products=[product])[product.pk]
        product._api_price = cached  # type: ignore[attr-defined]
    return cached


class ProductFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Name, SKU or retailer id contains.")
    search: str | None = Field(
        None,
        max_length=200,
        description="Ranked search in every catalog language (active products only, at most "
        "50 results).",
    )
    category_id: int | None = Field(None, ge=1, le=2**62)
    kind: str | None = Field(None, pattern=KINDS)
    active: bool | None = None
    max_price_minor: int | None = Field(None, ge=0, le=10**12)
    min_price_minor: int | None = Field(None, ge=0, le=10**12)


class ProductIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    price_minor: int = Field(ge=0, le=10**12)
    kind: str = Field("product", pattern=KINDS)
    description: str = Field("", max_length=5000)
    category_id: int | None = Field(None, ge=1, le=2**62)
    sku: str = Field("", max_length=64)
    currency: str = Field("EUR", pattern="^[A-Za-z]{3}$")
    stock: int | None = Field(None, ge=0, le=10**9)
    active: bool = True
    retailer_id: str = Field("", max_length=100)
    attributes: dict[str, str] = Field(default_factory=dict, max_length=30)
    duration_minutes: int | None = Field(None, ge=1, le=100_000)
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None


class ProductPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    price_minor: int | None = Field(None, ge=0, le=10**12)
    kind: str | None = Field(None, pattern=KINDS)
    description: str | None = Field(None, max_length=5000)
    category_id: int | None = Field(None, ge=1, le=2**62)
    sku: str | None = Field(None, max_length=64)
    currency: str | None = Field(None, pattern="^[A-Za-z]{3}$")
    stock: int | None = Field(None, ge=0, le=10**9)
    active: bool | None = None
    retailer_id: str | None = Field(None, max_length=100)
    attributes: dict[str, str] | None = Field(None, max_length=30)
    duration_minutes: int | None = Field(None, ge=1, le=100_000)
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None


class VariantIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    options: dict[str, str] = Field(default_factory=dict, max_length=30)
    sku: str = Field("", max_length=64)
    price_minor: int | None = Field(None, ge=0, le=10**12)
    stock: int | None = Field(None, ge=0, le=10**9)
    active: bool = True
    position: int = Field(0, ge=0, le=100_000)
    retailer_id: str = Field("", max_length=100)


class VariantPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    options: dict[str, str] | None = Field(None, max_length=30)
    sku: str | None = Field(None, max_length=64)
    price_minor: int | None = Field(None, ge=0, le=10**12)
    stock: int | None = Field(None, ge=0, le=10**9)
    active: bool | None = None
    position: int | None = Field(None, ge=0, le=100_000)
    retailer_id: str | None = Field(None, max_length=100)


class MediaIn(InputSchema):
    url: str = Field(min_length=1, max_length=500, description="An https address.")
    alt: str = Field("", max_length=200)


class OfferOut(Schema):
    id: int
    name: str
    kind: str
    value: int = Field(description="Percent (1-100), or minor units off each unit.")
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    active: bool
    product_ids: list[int]
    category_ids: list[int]

    @staticmethod
    def resolve_product_ids(obj: Offer) -> list[int]:
        return sorted(p.pk for p in obj.products.all())

    @staticmethod
    def resolve_category_ids(obj: Offer) -> list[int]:
        return sorted(c.pk for c in obj.categories.all())


class OfferIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(pattern="^(percent|amount)$")
    value: int = Field(ge=1, le=10**12)
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    active: bool = True
    product_ids: list[int] = Field(default_factory=list, max_length=1000)
    category_ids: list[int] = Field(default_factory=list, max_length=1000)


class ImportErrorOut(Schema):
    line: int = Field(description="The file's line (1 is the header); 0: the whole file.")
    message: str


class ImportOut(Schema):
    ok: bool
    saved: bool
    created: int
    updated: int
    variants: int
    errors: list[ImportErrorOut]
