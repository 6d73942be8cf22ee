"""Tables of the commerce app (seed 002): a business's catalog (categories, products and services
with variants, media and offers), carts per customer and channel, orders with their history and
invoices. Money is stored in minor units (cents) with an ISO 4217 currency; a variant without a
price or stock of its own takes its product's. Stock counts what is on the shelf; `reserved`
counts what pending orders hold, so what can still be sold is `stock - reserved`."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kazan.core.db import AppendOnlyModel


class CommerceSettings(models.Model):
    """A business's shop settings; a business without a row has the defaults."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="commerce_settings"
    )
    # A cart nobody touched for this long is expired (its lines are kept, it no longer sells).
    cart_ttl_hours = models.PositiveIntegerField(default=72)
    # Remind a consenting customer of a cart left this long (0: never).
    abandoned_cart_hours = models.PositiveIntegerField(default=4)
    # How the customer may pay: Stripe Checkout (the platform's gateway) and/or on delivery.
    pay_online = models.BooleanField(default=True)
    pay_on_delivery = models.BooleanField(default=True)
    # Hours a payment link stays valid.
    payment_link_hours = models.PositiveIntegerField(default=48)
    # Seed 004 §8.1: the email-confirmation add-on of a token order, regular and subscriber.
    email_addon_tokens = models.PositiveIntegerField(
        _("email confirmation add-on"), default=50, db_default=50
    )
    email_addon_subscriber_tokens = models.PositiveIntegerField(
        _("email confirmation add-on for subscribers"), default=30, db_default=30
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"commerce settings of business #{self.business_id}"


class Category(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "parent", "name"], name="category_name_unique"
            ),
            models.UniqueConstraint(
                fields=["business", "name"],
                condition=Q(parent__isnull=True),
                name="category_root_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    EVENT = "event", _("Event")


class Product(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.PRODUCT
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True, default="")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    price_minor = models.PositiveBigIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # None: not tracked (services, made to order).
    stock = models.IntegerField(_("stock"), null=True, blank=True)
    reserved = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    # Services: how long one takes; events: when they happen.
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # Free attributes shown on the product card ({"origin": "Bronte", "weight": "200 g"}).
    attributes = models.JSONField(default=dict, blank=True)
    # The product's id in the business's WhatsApp (Meta) catalog, for product messages and
    # the `order` messages a customer sends from it.
    retailer_id = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "sku"], condition=~Q(sku=""), name="product_sku_unique"
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(reserved__lte=F("stock")),
                name="product_reserved_within_stock",
            ),
        ]
        indexes = [models.Index(fields=["business", "active"], name="product_active_idx")]

    def __str__(self) -> str:
        return self.name


class ProductVariant(models.Model):
    """A size, colour, … of a product; its own price, stock and SKU where it has them."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=120)  # "500 g", "Red / M"
    options = models.JSONField(default=dict, blank=True)  # {"size": "M", "colour": "red"}
    sku = models.CharField(_("SKU"), max_length=64, blank=True, default="")
    price_minor = models.PositiveBigIntegerField(_("price"), null=True, blank=True)
    stock = models.IntegerField(_("stock"), null=True, blank=True)
    reserved = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(default=0)
    retailer_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="variant_name_unique"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(reserved__lte=F("stock")),
                name="variant_reserved_within_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.name}"


class ProductMedia(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    file = models.FileField(upload_to="commerce/media/%Y/%m/", blank=True)
    # Or an address where the business hosts it (https only).
    url = models.URLField(max_length=500, blank=True, default="")
    alt = models.CharField(_("description"), max_length=200, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"media #{self.pk} of product {self.product_id}"


class Offer(models.Model):
    """A discount on some products or categories (none chosen: the whole catalog) in a date
    range. The best active offer applies to a line; offers do not add up."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percentage")
        AMOUNT = "amount", _("Amount")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # Percent: 1..100; amount: minor units off each unit.
    value = models.PositiveBigIntegerField(_("value"))
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    products = models.ManyToManyField(Product, blank=True, related_name="offers")
    categories = models.ManyToManyField(Category, blank=True, related_name="offers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__gte=1, value__lte=100),
                name="offer_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cart(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ORDERED = "ordered", _("Ordered")
        EXPIRED = "expired", _("Expired")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="carts"
    )
    channel = models.CharField(max_length=16)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    currency = models.CharField(max_length=3, default="EUR")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()
    # The abandoned-cart reminder went out (at most once per cart).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "customer", "channel"],
                condition=Q(status="open"),
                name="cart_one_open_per_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="cart_abandoned_idx"),
        ]

    def __str__(self) -> str:
        return f"cart #{self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product", "variant"], name="cartitem_variant_line_unique"
            ),
            models.UniqueConstraint(
                fields=["cart", "product"],
                condition=Q(variant__isnull=True),
                name="cartitem_product_line_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cartitem_quantity_min"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × product {self.product_id}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending payment")
    PAID = "paid", _("Paid")
    PROCESSING = "processing", _("Processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    # Token orders of the queue (seed 004 §3.2.2): pending → processing → assigned → completed.
    ASSIGNED = "assigned", _("Assigned")
    COMPLETED = "completed", _("Completed")


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Online (card)")
    ON_DELIVERY = "on_delivery", _("Cash on delivery")
    TOKENS = "tokens", _("Tokens")


class Package(models.Model):
    """A service package of seed 004 §8.1, bought with tokens: a number of sites at a regular
    and a subscriber price."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    sites = models.PositiveIntegerField(_("sites"))
    price_tokens = models.PositiveIntegerField(_("price in tokens"))
    subscriber_price_tokens = models.PositiveIntegerField(_("subscriber price in tokens"))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "sites", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="package_name_unique"),
            models.CheckConstraint(condition=Q(price_tokens__gte=1), name="package_price_min"),
            models.CheckConstraint(
                condition=Q(subscriber_price_tokens__gte=1), name="package_sub_price_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", null=True, on_delete=models.SET_NULL, related_name="orders"
    )
    cart = models.OneToOneField(
        Cart, null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )
    # Sequential per business: what the customer and the team call the order.
    number = models.PositiveIntegerField()
    # Where the order was placed and where its notifications go.
    channel = models.CharField(max_length=16)
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    currency = models.CharField(max_length=3)
    subtotal_minor = models.PositiveBigIntegerField()
    discount_minor = models.PositiveBigIntegerField(default=0)
    total_minor = models.PositiveBigIntegerField()
    payment_method = models.CharField(
        max_length=12, choices=PaymentMethod.choices, default=PaymentMethod.ONLINE
    )
    # The gateway's checkout reference (Stripe Checkout session id).
    payment_reference = models.CharField(max_length=255, blank=True, default="")
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    tracking_code = models.CharField(_("tracking code"), max_length=120, blank=True, default="")
    # Token orders of the queue (seed 004): their currency is "TOK" and total_minor counts
    # whole tokens. The person it is for, the package, the email add-on, whether the
    # subscriber price applied and the priority lane.
    profile = models.ForeignKey(
        "customers.CustomerProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    sites_count = models.PositiveIntegerField(null=True, blank=True)
    email_confirmation = models.BooleanField(default=False, db_default=False)
    subscriber_price = models.BooleanField(default=False, db_default=False)
    priority = models.BooleanField(default=False, db_default=False)
    # Sort key inside its lane while the order waits (pending, processing); NULL once it left
    # the queue. The position shown is computed from it, never stored.
    queue_rank = models.BigIntegerField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="order_number_unique"),
            # One rank per place in a lane (NULLs, orders out of the queue, never collide).
            models.UniqueConstraint(
                fields=["business", "priority", "queue_rank"], name="order_queue_rank_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["business", "status", "-created_at"], name="order_list_idx"),
            models.Index(fields=["payment_reference"], name="order_payment_ref_idx"),
            models.Index(
                fields=["business", "-priority", "queue_rank"],
                condition=Q(queue_rank__isnull=False),
                name="order_queue_idx",
            ),
            models.Index(fields=["business", "operator", "status"], name="order_operator_idx"),
        ]

    def __str__(self) -> str:
        return f"order #{self.number}"


class OrderItem(models.Model):
    """A line of an order, with the name and prices as they were when it was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="order_items"
    )
    variant = models.ForeignKey(
        ProductVariant, null=True, on_delete=models.SET_NULL, related_name="order_items"
    )
    name = models.CharField(max_length=330)
    sku = models.CharField(max_length=64, blank=True, default="")
    unit_price_minor = models.PositiveBigIntegerField()
    quantity = models.PositiveIntegerField()
    discount_minor = models.PositiveBigIntegerField(default=0)
    total_minor = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class OrderEvent(AppendOnlyModel):
    """The order's history: each status change and each note of the team, never rewritten."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        NOTE = "note", _("Note")
        # A token order moved in the queue by an admin; `note` holds "old→new" positions.
        MOVE = "move", _("Moved in the queue")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    note = models.TextField(blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "member", "customer", "system", "provider:stripe"
    actor_kind = models.CharField(max_length=32, default="system")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of order {self.order_id}"


class Invoice(models.Model):
    """An order's invoice, numbered without gaps per business in the order it was issued."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="invoice")
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    total_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="invoice_number_unique"),
        ]

    def __str__(self) -> str:
        return f"invoice {self.number}"


class NumberSequence(models.Model):
    """The last number given per business and kind ("order", "invoice"): taken by an atomic
    conditional update so two orders at once never get the same number."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "kind"], name="sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} sequence of business #{self.business_id}"
