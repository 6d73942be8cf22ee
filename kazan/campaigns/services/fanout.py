"""One campaign batch, written set-wise: the send task's inner step (services.sending).

The batch's recipients come from one query (the audience: consent, reachability and filters
read now, minus who already has a recipient row of this campaign); their messages are composed
in Python and written by messaging's bulk writer (consent read again, one ledger entry for the
batch, outbox and activity rows in one INSERT each, one delivery task on commit); recipient
rows and short links follow in one INSERT each. All in one transaction: a crash leaves the
batch whole or absent, and the unique (campaign, customer) and (business, idempotency key)
keep a rerun or a second runner from writing anyone twice. Should a key be taken anyway (a
message written by an older version, a short-code collision), the batch is rolled back and
written one recipient at a time, each in its own savepoint, as before.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef

from kazan.campaigns import links, queries
from kazan.campaigns.models import Campaign, CampaignRecipient, ShortLink
from kazan.core.db import rows_insert
from kazan.messaging.bulk import BulkItem, marketing_sms_write_bulk

if TYPE_CHECKING:
    from kazan.customers.models import Customer


@dataclass(frozen=True)
class BatchOutcome:
    """`last_pk`: the highest customer id looked at; `stopped_at`: the first customer the
    credits did not cover (None: the batch went out whole)."""

    last_pk: int
    written: int
    skipped: int
    stopped_at: int | None


def batch_candidates(*, campaign: Campaign, after_pk: int, limit: int) -> list["Customer"]:
    """The next `limit` customers of the audience after `after_pk`, in id order, who have no
    recipient row of this campaign yet (an anti-join)."""
    written = CampaignRecipient.objects.filter(
        campaign=campaign, customer_id__gt=after_pk, customer_id=OuterRef("pk")
    )
    return list(
        queries.campaign_audience(campaign=campaign)
        .filter(pk__gt=after_pk)
        .filter(~Exists(written))
        .only("pk", "business_id", "name", "language", "phone_e164")
        .order_by("pk")[:limit]
    )


def batch_write(*, campaign: Campaign, customers: list["Customer"]) -> BatchOutcome:
    """Writes one message per customer of `customers` (batch_candidates) as described above.
    Raises IntegrityError when a unique key is already taken (nothing is left written)."""
    business = campaign.business
    composer = links.Composer(default_language=business.language)
    items: list[BulkItem] = []
    tracked: dict[int, list[tuple[str, str]]] = {}
    for customer in customers:
        personal = links.personalize(campaign.body, name=customer.name)
        codes = {url: links.code_new() for url in composer.frame(personal)[0]}
        tracked[customer.pk] = list(codes.items())
        token = links.unsubscribe_token(business_id=business.pk, customer_id=customer.pk)
        text = composer.compose_personal(
            personal, name=customer.name, codes=codes, language=customer.language, token=token
        )
        items.append(
            BulkItem(
                customer_id=customer.pk,
                to=customer.phone_e164,
                text=text,
                idempotency_key=f"campaign:{campaign.pk}:{customer.pk}",
            )
        )
    with transaction.atomic():
        result = marketing_sms_write_bulk(
            business=business, items=items, note=f"campaign {campaign.pk}"
        )
        written = list(result.messages.items())
        recipient_ids = rows_insert(
            CampaignRecipient,
            [
                {
                    "business_id": business.pk,
                    "campaign_id": campaign.pk,
                    "customer_id": customer_id,
                    "message_id": message_id,
                }
                for customer_id, message_id in written
            ],
        )
        rows_insert(
            ShortLink,
            [
                {
                    "business_id": business.pk,
                    "code": code,
                    "target_url": url,
                    "campaign_id": campaign.pk,
                    "recipient_id": recipient_id,
                }
                for recipient_id, (customer_id, _message_id) in zip(
                    recipient_ids, written, strict=True
                )
                for url, code in tracked[customer_id]
            ],
        )
        if result.skipped:
            Campaign.objects.filter(pk=campaign.pk).update(
                skipped_count=F("skipped_count") + len(result.skipped)
            )
    return BatchOutcome(
        last_pk=customers[-1].pk if customers else 0,
        written=len(recipient_ids),
        skipped=len(result.skipped),
        stopped_at=result.unpaid[0] if result.unpaid else None,
    )


def batch_write_safely(*, campaign: Campaign, customers: list["Customer"]) -> BatchOutcome | None:
    """batch_write, or None when a unique key was taken (the caller writes one by one)."""
    try:
        return batch_write(campaign=campaign, customers=customers)
    except IntegrityError:
        return None
