"""How the commerce app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import activity_target, activity_type
from kazan.commerce.models import Category, Offer, Product


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
activity_type(
    "commerce.product_limit_changed",
    label=t("Product limit changed"),
    sentence=t("%(actor)s changed the product limit"),
)
