"""How the commerce app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import activity_target, activity_type
from kazan.commerce.models import Category, Offer, Order, Package, Product


@activity_target("commerce.product")
def _products(ids, viewer):
    rows = Product.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the product “%(name)s”") % {"name": name} for pk, name in rows}


@activity_target("commerce.category")
def _categories(ids, viewer):
    rows = Category.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the category “%(name)s”") % {"name": name} for pk, name in rows}


@activity_target("commerce.offer")
def _offers(ids, viewer):
    rows = Offer.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the offer “%(name)s”") % {"name": name} for pk, name in rows}


activity_type(
    "commerce.product_created", label=t("Product added"), sentence=t("%(actor)s added %(target)s")
)
activity_type(
    "commerce.product_updated",
    label=t("Product changed"),
    sentence=t("%(actor)s changed %(target)s"),
)
activity_type(
    "commerce.product_deleted",
    label=t("Product deleted"),
    sentence=t("%(actor)s deleted a product"),
)
activity_type(
    "commerce.category_created",
    label=t("Category added"),
    sentence=t("%(actor)s added %(target)s"),
)
activity_type(
    "commerce.category_updated",
    label=t("Category changed"),
    sentence=t("%(actor)s changed %(target)s"),
)
activity_type(
    "commerce.category_deleted",
    label=t("Category deleted"),
    sentence=t("%(actor)s deleted a category"),
)
activity_type(
    "commerce.offer_saved", label=t("Offer saved"), sentence=t("%(actor)s saved %(target)s")
)
activity_type(
    "commerce.offer_deleted", label=t("Offer deleted"), sentence=t("%(actor)s deleted an offer")
)
activity_type(
    "commerce.catalog_imported",
    label=t("Catalog imported"),
    sentence=t("%(actor)s imported products into the catalog"),
)


@activity_target("commerce.order")
def _orders(ids, viewer):
    rows = Order.objects.filter(pk__in=ids).values_list("pk", "number")
    return {pk: _("order %(number)s") % {"number": number} for pk, number in rows}


@activity_target("commerce.package")
def _packages(ids, viewer):
    rows = Package.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the package “%(name)s”") % {"name": name} for pk, name in rows}


activity_type(
    "commerce.token_order_placed",
    label=t("Token order placed"),
    sentence=t("%(actor)s placed %(target)s"),
)
activity_type(
    "commerce.token_order_status",
    label=t("Token order status changed"),
    sentence=t("%(actor)s changed the status of %(target)s"),
)
activity_type(
    "commerce.token_order_assigned",
    label=t("Token order assigned"),
    sentence=t("%(actor)s assigned %(target)s to an operator"),
)
activity_type(
    "commerce.token_order_completed",
    label=t("Token order completed"),
    sentence=t("%(actor)s completed %(target)s"),
)
activity_type(
    "commerce.token_order_cancelled",
    label=t("Token order cancelled"),
    sentence=t("%(actor)s cancelled %(target)s and refunded its tokens"),
)
activity_type(
    "commerce.token_order_rerun",
    label=t("Token order run again"),
    sentence=t("%(actor)s ran an order again as %(target)s"),
)
activity_type(
    "commerce.token_order_note",
    label=t("Note on a token order"),
    sentence=t("%(actor)s added a note to %(target)s"),
)
activity_type(
    "commerce.token_order_moved",
    label=t("Order moved in the queue"),
    sentence=t("%(actor)s moved %(target)s in the queue"),
)
activity_type(
    "commerce.package_created",
    label=t("Package added"),
    sentence=t("%(actor)s added %(target)s"),
)
activity_type(
    "commerce.package_updated",
    label=t("Package changed"),
    sentence=t("%(actor)s changed %(target)s"),
)
activity_type(
    "commerce.package_deactivated",
    label=t("Package withdrawn"),
    sentence=t("%(actor)s withdrew %(target)s"),
)
activity_type(
    "commerce.addon_prices_changed",
    label=t("Add-on prices changed"),
    sentence=t("%(actor)s changed the email confirmation add-on's prices"),
)
activity_type(
    "commerce.token_orders_exported",
    label=t("Token orders exported"),
    sentence=t("%(actor)s exported token orders"),
)
