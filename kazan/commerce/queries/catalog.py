"""Reads of a business's catalog: categories, products, prices with offers, stock left, text
search and events by day. Every read is scoped to the business first."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import (
    Category,
    Offer,
    OrderItem,
    Product,
    ProductKind,
    ProductMedia,
    ProductVariant,
)
from kazan.commerce.queries.search import keys_of, terms, word_keys
from kazan.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


@dataclass(frozen=True)
class Price:
    """One unit's price: the list price, the best active offer's discount, what is paid."""

    unit_minor: int
    discount_minor: int
    final_minor: int
    currency: str
    offer: Offer | None = None


@dataclass(frozen=True)
class ProductHit:
    product: Product
    score: float
    price: Price


def _kind_check(kind: str | None) -> None:
    if kind is not None and kind not in ProductKind.values:
        raise ValidationFailed(_("Unknown product kind."), code=CommerceErrorCode.INVALID_PRODUCT)


# Categories ---------------------------------------------------------------------------------


def categories_list(
    *, business: "Business", parent_id: int | None = None, active_only: bool = True
) -> list[Category]:
    """The categories under `parent_id` (None: the top level)."""
    qs = Category.objects.filter(business=business, parent_id=parent_id)
    if active_only:
        qs = qs.filter(active=True)
    return list(qs)


def category_tree(*, business: "Business") -> list[tuple[Category, list[Category]]]:
    """Every category as (top-level category, its subcategories), for pages and forms."""
    rows = list(Category.objects.filter(business=business))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    return [(root, children.get(root.pk, [])) for root in children.get(None, [])]


def category_get(*, business: "Business", category_id: int) -> Category:
    found = Category.objects.filter(business=business, pk=category_id).first()
    if found is None:
        raise NotFound(_("This category does not exist."))
    return found


def _with_descendants(business: "Business", category_id: int) -> set[int]:
    ids = {category_id}
    frontier = {category_id}
    while frontier:
        frontier = (
            set(
                Category.objects.filter(business=business, parent_id__in=frontier).values_list(
                    "pk", flat=True
                )
            )
            - ids
        )
        ids |= frontier
    return ids


# Products -----------------------------------------------------------------------------------


def _products(business: "Business", active_only: bool) -> QuerySet[Product]:
    qs = Product.objects.filter(business=business).select_related("category__parent")
    if active_only:
        qs = qs.filter(active=True).filter(Q(category__isnull=True) | Q(category__active=True))
        variants = ProductVariant.objects.filter(active=True)
    else:
        variants = ProductVariant.objects.all()
    return qs.prefetch_related(Prefetch("variants", queryset=variants), "media")


def products_list(
    *,
    business: "Business",
    category_id: int | None = None,
    kind: str | None = None,
    active_only: bool = True,
    limit: int = 20,
    offset: int = 0,
) -> list[Product]:
    """Products by name, a category including its subcategories; variants and media loaded."""
    _kind_check(kind)
    qs = _products(business, active_only)
    if category_id is not None:
        qs = qs.filter(category_id__in=_with_descendants(business, category_id))
    if kind:
        qs = qs.filter(kind=kind)
    offset = max(offset, 0)
    return list(qs[offset : offset + max(limit, 0)])


def product_count(*, business: "Business") -> int:
    return Product.objects.filter(business=business).count()


def product_get(*, business: "Business", product_id: int, active_only: bool = False) -> Product:
    found = _products(business, active_only).filter(pk=product_id).first()
    if found is None:
        raise NotFound(_("This product does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND)
    return found


def product_by_retailer_id(
    *, business: "Business", retailer_id: str
) -> tuple[Product, ProductVariant | None] | None:
    """The product (and variant) a WhatsApp catalog item names; a variant's id wins."""
    retailer_id = (retailer_id or "").strip()
    if not retailer_id:
        return None
    variant = (
        ProductVariant.objects.filter(product__business=business, retailer_id=retailer_id)
        .select_related("product")
        .first()
    )
    if variant is not None:
        return variant.product, variant
    product = Product.objects.filter(business=business, retailer_id=retailer_id).first()
    return (product, None) if product is not None else None


def events_on(*, business: "Business", day: dt.date) -> list[Product]:
    """Active events happening on `day` in the business's time zone (starting or running)."""
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    running = Q(ends_at__isnull=False, starts_at__lt=end, ends_at__gt=start)
    starting = Q(starts_at__gte=start, starts_at__lt=end)
    return list(
        _products(business, True)
        .filter(kind=ProductKind.EVENT, starts_at__isnull=False)
        .filter(running | starting)
        .order_by("starts_at", "id")
    )


# Prices and stock ---------------------------------------------------------------------------


def offers_list(*, business: "Business") -> QuerySet[Offer]:
    return Offer.objects.filter(business=business).prefetch_related("products", "categories")


def offer_get(*, business: "Business", offer_id: int) -> Offer:
    found = offers_list(business=business).filter(pk=offer_id).first()
    if found is None:
        raise NotFound(_("This offer does not exist."))
    return found


def _active_offers(business: "Business", at: dt.datetime) -> list[Offer]:
    return list(
        Offer.objects.filter(business=business, active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=at))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .prefetch_related("products", "categories")
    )


def _category_chain(product: Product) -> set[int]:
    ids: set[int] = set()
    category = product.category
    while category is not None and category.pk not in ids:
        ids.add(category.pk)
        category = category.parent
    return ids


def offer_discount(offer: Offer, unit_minor: int) -> int:
    """What `offer` takes off one unit, never more than the unit costs."""
    if offer.kind == Offer.Kind.PERCENT:
        off = (unit_minor * int(offer.value) + 50) // 100
    else:
        off = int(offer.value)
    return max(0, min(off, unit_minor))


def _offer_applies(offer: Offer, product: Product, chain: set[int]) -> bool:
    product_ids = {p.pk for p in offer.products.all()}
    category_ids = {c.pk for c in offer.categories.all()}
    if not product_ids and not category_ids:
        return True
    return product.pk in product_ids or bool(category_ids & chain)


def _best(offers: Iterable[Offer], product: Product, unit: int) -> tuple[int, Offer | None]:
    chain = _category_chain(product)
    best, best_offer = 0, None
    for offer in offers:
        if _offer_applies(offer, product, chain):
            off = offer_discount(offer, unit)
            if off > best:
                best, best_offer = off, offer
    return best, best_offer


def unit_price(product: Product, variant: ProductVariant | None = None) -> int:
    if variant is not None and variant.price_minor is not None:
        return int(variant.price_minor)
    return int(product.price_minor)


def price_for(
    *,
    business: "Business",
    product: Product,
    variant: ProductVariant | None = None,
    at: dt.datetime | None = None,
) -> Price:
    """The price of one unit with the best offer active at `at` (now); offers do not add up."""
    if product.business_id != business.pk:
        raise NotFound(_("This product does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND)
    unit = unit_price(product, variant)
    off, offer = _best(_active_offers(business, at or timezone.now()), product, unit)
    return Price(unit, off, unit - off, product.currency, offer)


def offers_active(*, business: "Business", at: dt.datetime | None = None) -> list[Offer]:
    """The business's offers running at `at` (now), for pricing many lines with one read."""
    return _active_offers(business, at or timezone.now())


def price_among(
    *, offers: list[Offer], product: Product, variant: ProductVariant | None = None
) -> Price:
    """price_for with the offers already read (`offers_active` of the product's business)."""
    unit = unit_price(product, variant)
    off, offer = _best(offers, product, unit)
    return Price(unit, off, unit - off, product.currency, offer)


def prices_for(*, business: "Business", products: Iterable[Product]) -> dict[int, Price]:
    """price_for of many products at once (the active offers read once), by product id."""
    offers = _active_offers(business, timezone.now())
    out: dict[int, Price] = {}
    for product in products:
        unit = int(product.price_minor)
        off, offer = _best(offers, product, unit)
        out[product.pk] = Price(unit, off, unit - off, product.currency, offer)
    return out


def variant_get(*, business: "Business", product: Product, variant_id: int) -> ProductVariant:
    found = ProductVariant.objects.filter(
        product__business=business, product=product, pk=variant_id
    ).first()
    if found is None:
        raise NotFound(_("This variant does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND)
    return found


def media_get(*, business: "Business", product: Product, media_id: int) -> ProductMedia:
    found = ProductMedia.objects.filter(
        product__business=business, product=product, pk=media_id
    ).first()
    if found is None:
        raise NotFound(_("This image does not exist."))
    return found


def products_filtered(
    *,
    business: "Business",
    text: str = "",
    category_id: int | None = None,
    kind: str | None = None,
    active: bool | None = None,
) -> QuerySet[Product]:
    """The dashboard's and the API's product list: name, SKU or retailer id contains `text`;
    newest first."""
    _kind_check(kind)
    qs = _products(business, False).order_by("-created_at", "-id")
    if text.strip():
        needle = text.strip()
        qs = qs.filter(
            Q(name__icontains=needle) | Q(sku__icontains=needle) | Q(retailer_id__icontains=needle)
        )
    if category_id is not None:
        qs = qs.filter(category_id__in=_with_descendants(business, category_id))
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def available(product: Product, variant: ProductVariant | None = None) -> int | None:
    """How many can still be sold (stock - reserved); None when stock is not tracked. A variant
    without stock of its own counts its product's."""
    if variant is not None and variant.stock is not None:
        return max(0, variant.stock - variant.reserved)
    if product.stock is None:
        return None
    return max(0, product.stock - product.reserved)


# Search -------------------------------------------------------------------------------------

# How much a word matching each part of a product counts.
_WEIGHTS = (("name", 3.0), ("category", 2.0), ("attributes", 1.5), ("description", 1.0))


def _fields(product: Product) -> dict[str, set[str]]:
    category_text = ""
    category = product.category
    while category is not None:
        category_text += f" {category.name} {category.description}"
        category = category.parent
    attributes = " ".join(
        f"{k} {v}" for k, v in (product.attributes or {}).items() if isinstance(v, str | int)
    )
    variants = " ".join(
        f"{v.name} " + " ".join(str(x) for x in (v.options or {}).values())
        for v in product.variants.all()
    )
    return {
        "name": keys_of(product.name),
        "category": keys_of(category_text),
        "attributes": keys_of(f"{attributes} {variants} {product.kind}"),
        "description": keys_of(product.description),
    }


def _score(query_words: list[str], fields: dict[str, set[str]]) -> float:
    score = 0.0
    for word in query_words:
        keys = word_keys(word)
        best = max((w for name, w in _WEIGHTS if keys & fields[name]), default=0.0)
        score += best
    return score / max(len(query_words), 1) if score else 0.0


def _sales(business: "Business") -> dict[int, int]:
    rows = (
        OrderItem.objects.filter(order__business=business, product__isnull=False)
        .exclude(order__status__in=["cancelled", "refunded"])
        .values("product_id")
        .annotate(sold=Sum("quantity"))
    )
    return {row["product_id"]: int(row["sold"] or 0) for row in rows}


def products_search(
    *,
    business: "Business",
    text: str = "",
    kind: str | None = None,
    category_id: int | None = None,
    max_price_minor: int | None = None,
    min_price_minor: int | None = None,
    limit: int = 5,
) -> list[ProductHit]:
    """Active products matching `text` in any catalog language, best first; filters on kind,
    category (with subcategories) and the price after offers. No text: best sellers, then the
    newest."""
    _kind_check(kind)
    qs = _products(business, True).select_related("category__parent")
    if kind:
        qs = qs.filter(kind=kind)
    if category_id is not None:
        qs = qs.filter(category_id__in=_with_descendants(business, category_id))
    offers = _active_offers(business, timezone.now())
    query_words = terms(text)
    sales = _sales(business) if not query_words else {}
    hits: list[tuple[float, float, ProductHit]] = []
    for product in qs:
        unit = int(product.price_minor)
        off, offer = _best(offers, product, unit)
        price = Price(unit, off, unit - off, product.currency, offer)
        if max_price_minor is not None and price.final_minor > max_price_minor:
            continue
        if min_price_minor is not None and price.final_minor < min_price_minor:
            continue
        if query_words:
            score = _score(query_words, _fields(product))
            if score <= 0:
                continue
            tie = float(-product.pk)
        else:
            score = float(sales.get(product.pk, 0))
            tie = product.created_at.timestamp()
        hits.append((score, tie, ProductHit(product, score, price)))
    hits.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [hit for _score_, _tie, hit in hits[: max(limit, 0)]]
