"""How the wallet app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice, number
from kazan.wallet.models import PurchaseStatus, TokenEntry, TokenEntryKind, TokenPurchase


@activity_target("wallet.tokenpurchase")
def _purchases(ids, viewer):
    """A purchase reads as its number (no personal data on it)."""
    return {
        pk: f"#{pk}" for pk in TokenPurchase.objects.filter(pk__in=ids).values_list("pk", flat=True)
    }


def _entry_notes(entries) -> dict[int, dict[str, str]]:
    """The reason an admin gave for an adjustment (kept on the entry), in one query."""
    ids = [entry.data.get("entry") for entry in entries if isinstance(entry.data.get("entry"), int)]
    notes = dict(TokenEntry.objects.filter(pk__in=ids).values_list("pk", "note"))
    return {entry.pk: {"note": notes.get(entry.data.get("entry")) or "—"} for entry in entries}


TOKENS = {
    "amount": Detail(t("Tokens"), number),
    "balance_after": Detail(t("Balance after"), number),
    "kind": Detail(t("Type"), choice(TokenEntryKind.choices)),
}
PERIOD = {"days": Detail(t("Days"), number)}

activity_type(
    "tokens.credited",
    label=t("Tokens added"),
    sentence=t("%(actor)s added %(tokens)s tokens to %(target)s"),
    details=TOKENS,
)
activity_type(
    "tokens.debited",
    label=t("Tokens spent"),
    sentence=t("%(target)s spent %(tokens)s tokens"),
    details=TOKENS,
)
activity_type(
    "tokens.adjusted",
    label=t("Token balance adjusted"),
    sentence=t("%(actor)s changed the tokens of %(target)s by %(amount)s: %(note)s"),
    details=TOKENS,
    load=_entry_notes,
)
activity_type(
    "premium.tokens",
    label=t("Premium bought with tokens"),
    sentence=t("%(target)s bought %(days)s days of premium with tokens"),
    details=PERIOD,
)
activity_type(
    "premium.gateway",
    label=t("Premium paid online"),
    sentence=t("%(target)s paid for %(days)s days of premium"),
    details=PERIOD,
)
activity_type(
    "premium.admin",
    label=t("Premium granted"),
    sentence=t("%(actor)s granted %(target)s %(days)s days of premium"),
    details=PERIOD,
)
activity_type(
    "token_purchase.started",
    label=t("Token purchase started"),
    sentence=t("Token purchase %(target)s was started"),
    details={"tokens": Detail(t("Tokens"), number)},
)
activity_type(
    "token_purchase.paid",
    label=t("Token purchase paid"),
    sentence=t("Token purchase %(target)s was paid"),
    details={"tokens": Detail(t("Tokens"), number)},
)
activity_type(
    "token_purchase.closed",
    label=t("Token purchase closed"),
    sentence=t("Token purchase %(target)s ended unpaid"),
    details={"status": Detail(t("Status"), choice(PurchaseStatus.choices))},
)
activity_type(
    "token_purchase.mismatch",
    label=t("Token purchase amount mismatch"),
    sentence=t("Token purchase %(target)s was paid with a different amount and was not credited"),
)
activity_type(
    "wallet.settings_changed",
    label=t("Wallet settings changed"),
    sentence=t("%(actor)s changed the wallet settings"),
)
