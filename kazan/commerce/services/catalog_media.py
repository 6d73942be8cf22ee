"""A product's pictures: an uploaded image (checked with Pillow to be a real PNG, JPEG or WebP
of a sensible size, stored under a random name) or an https address where the business hosts
it. Customer pages and WhatsApp show them; nothing else is fetched from the address here."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Product, ProductMedia
from kazan.commerce.services.catalog import product_owned_check
from kazan.core.errors import ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

MEDIA_MAX_BYTES = 5 * 1024 * 1024
MEDIA_MAX_SIDE = 6000
MEDIA_PER_PRODUCT = 10
MEDIA_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=CommerceErrorCode.INVALID_PRODUCT)


def media_image_check(upload: Any) -> Any:
    """The upload if it is a real image within the limits, renamed to a random name with the
    extension of what it is; else ValidationFailed."""
    size = getattr(upload, "size", None) or 0
    if size > MEDIA_MAX_BYTES:
        raise _invalid(
            _("The image is too large (%(size)s MB). The limit is %(max)d MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": MEDIA_MAX_BYTES // 1024 // 1024}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except Exception:  # Pillow raises many types for junk; all mean "not an image"
        raise _invalid(_("This file is not a PNG, JPEG or WebP image.")) from None
    if image_format not in MEDIA_FORMATS:
        raise _invalid(_("This file is not a PNG, JPEG or WebP image."))
    if width > MEDIA_MAX_SIDE or height > MEDIA_MAX_SIDE:
        raise _invalid(
            _("The image may be at most %(side)d pixels wide and high.") % {"side": MEDIA_MAX_SIDE}
        )
    upload.seek(0)
    upload.name = f"{uuid.uuid4().hex}.{MEDIA_FORMATS[str(image_format)]}"
    return upload


def media_url_check(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or len(url) > 500:
        raise _invalid(_("The image address must start with https:// (at most 500 characters)."))
    return url


def media_add(
    *,
    business: Business,
    actor: Actor,
    product: Product,
    upload: Any = None,
    url: str = "",
    alt: str = "",
    actor_kind: str | None = None,
) -> ProductMedia:
    """Adds an image to the product: an upload or an https address (one of the two)."""
    product_owned_check(business, product)
    if (upload is None) == (not url):
        raise _invalid(_("Upload an image or give its https address (one of the two)."))
    alt = " ".join(str(alt or "").split())[:200]
    with transaction.atomic():
        count = ProductMedia.objects.filter(product=product).count()
        if count >= MEDIA_PER_PRODUCT:
            raise _invalid(_("A product has at most %(max)d images.") % {"max": MEDIA_PER_PRODUCT})
        media = ProductMedia(product=product, alt=alt, position=count)
        if upload is not None:
            media.file = media_image_check(upload)
        else:
            media.url = media_url_check(url)
        media.save()
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_updated",
            target=product,
            data={"media_added": media.pk},
        )
    return media


def media_delete(
    *, business: Business, actor: Actor, media: ProductMedia, actor_kind: str | None = None
) -> None:
    product_owned_check(business, media.product)
    stored = media.file.name if media.file else ""
    storage = media.file.storage if media.file else None
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_updated",
            target=media.product,
            data={"media_deleted": media.pk},
        )
        media.delete()
        if stored and storage is not None:
            transaction.on_commit(lambda: storage.delete(stored))
