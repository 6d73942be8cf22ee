"""What a campaign will cost before it is sent: recipients by segments and language, credits
needed against the balance."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    QuerySet,
)

from kazan.campaigns import links
from kazan.campaigns.queries.campaigns import (
    recipients_consenting,
)
from kazan.loyalty.services import CODE_LENGTH as VOUCHER_CODE_LENGTH
from kazan.messaging.queries import sms_balance
from kazan.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, SegmentInfo, sms_segments

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


# A name made only of GSM-7 basic characters costs one unit per character in either encoding,
# so every such name of the same length gives the same segment count: one computation for all.
_GSM_BASIC_NAME = re.compile("[" + re.escape("".join(sorted(GSM7_BASIC))) + "]*")
SAMPLE_NAME = "Alex"
_LANGUAGE_NAMES = dict(settings.LANGUAGES)
_SAMPLE_VOUCHER = "A" * VOUCHER_CODE_LENGTH  # voucher codes use a GSM-7 alphabet


@dataclass(frozen=True)
class EstimateGroup:
    """Recipients whose copy costs the same: one language (their opt-out line), one encoding
    (a name with, say, "ğ" makes the whole SMS Unicode) and one number of SMS parts."""

    language: str
    encoding: str
    segments: int
    customers: int

    @property
    def credits(self) -> int:
        return self.segments * self.customers

    @property
    def language_name(self) -> str:
        return str(_LANGUAGE_NAMES.get(self.language, self.language))


@dataclass(frozen=True)
class Estimate:
    """What sending a text to everyone would take, computed per recipient (their language's
    opt-out line, their name), so `credits` is what the ledger will be charged. `groups` says
    where the credits come from when they are not simply one SMS per customer."""

    recipients: int
    credits: int
    balance: int
    sample: str
    sample_info: SegmentInfo
    encodings: dict[str, int] = field(default_factory=dict)
    groups: tuple[EstimateGroup, ...] = ()

    @property
    def enough(self) -> bool:
        return self.credits <= self.balance

    @property
    def shortfall(self) -> int:
        return max(0, self.credits - self.balance)

    @property
    def balance_after(self) -> int:
        return max(0, self.balance - self.credits)

    @property
    def segments_min(self) -> int:
        return min((group.segments for group in self.groups), default=0)

    @property
    def segments_max(self) -> int:
        return max((group.segments for group in self.groups), default=0)

    @property
    def varies(self) -> bool:
        """Some customers' copies cost more than others' (longer opt-out line, Unicode name)."""
        return self.segments_min != self.segments_max


class _Costs:
    """Segments of the finished message per message shape, memoized.

    Only the shape of the variable parts changes the count: a GSM-7-basic name costs one unit
    per character in either encoding, and once a name holds any other character the whole SMS
    is UCS-2, where only astral characters (emoji) cost two. Short codes and tokens have a
    fixed alphabet and a length that only grows with the customer id. So a stand-in of the same
    shape gives exactly the real count, and 100,000 customers need a handful of computations.
    """

    def __init__(self, *, business: Business, body: str, has_voucher: bool) -> None:
        self.business = business
        self.body = body
        self.voucher = _SAMPLE_VOUCHER if has_voucher else ""
        self.link_stand_in = {
            url: links.short_url("a" * links.CODE_LENGTH) for url in links.body_urls(body)
        }
        self.stop_url_prefix = links.unsubscribe_url("T")[:-1]
        self.cache: dict[tuple[object, ...], SegmentInfo] = {}

    def text(self, *, customer_id: int, name: str, language: str) -> str:
        token = links.unsubscribe_token(business_id=self.business.pk, customer_id=customer_id)
        return links.compose(
            self.body,
            name=name,
            voucher_code=self.voucher,
            links=self.link_stand_in,
            language=language or self.business.language,
            stop_url=self.stop_url_prefix + token,
        )

    @staticmethod
    def _shape(name: str) -> tuple[tuple[object, ...], str]:
        if _GSM_BASIC_NAME.fullmatch(name):
            return ("gsm", len(name)), "a" * len(name)
        if any(ch not in GSM7_BASIC and ch not in GSM7_EXTENSION for ch in name):
            astral = tuple(i for i, ch in enumerate(name) if ord(ch) > 0xFFFF)
            stand_in = "".join(
                "\U0001f600" if i in astral else ("Ж" if i == 0 else "a") for i in range(len(name))
            )
            return ("ucs", len(name), astral), stand_in
        return ("name", name), name

    def info(self, *, customer_id: int, name: str, language: str) -> SegmentInfo:
        shape, stand_in = self._shape((name or "").strip())
        key = (language or self.business.language, shape, len(links._b36(customer_id)))
        info = self.cache.get(key)
        if info is None:
            info = sms_segments(
                self.text(customer_id=customer_id, name=stand_in, language=language)
            )
            self.cache[key] = info
        return info


def campaign_estimate(
    *,
    business: Business,
    body: str,
    has_voucher: bool,
    customers: QuerySet[Customer] | None = None,
) -> Estimate:
    """Recipients, exact credits, balance and a sample of the finished message.

    One query for the recipients' (id, name, language); 100,000 customers take well under a
    second because equal-shaped messages are counted once.
    """
    rows = customers if customers is not None else recipients_consenting(business=business)
    costs = _Costs(business=business, body=body, has_voucher=has_voucher)
    total = 0
    count = 0
    encodings: Counter[str] = Counter()
    groups: Counter[tuple[str, str, int]] = Counter()
    for customer_id, name, language in rows.values_list("pk", "name", "language").iterator(
        chunk_size=5000
    ):
        info = costs.info(customer_id=customer_id, name=name, language=language)
        total += info.segments
        encodings[info.encoding] += 1
        groups[(language or business.language, info.encoding, info.segments)] += 1
        count += 1
    sample = costs.text(customer_id=1, name=SAMPLE_NAME, language=business.language)
    return Estimate(
        recipients=count,
        credits=total,
        balance=sms_balance(business=business),
        sample=sample,
        sample_info=sms_segments(sample),
        encodings=dict(encodings),
        groups=tuple(
            sorted(
                (
                    EstimateGroup(language=lang, encoding=enc, segments=seg, customers=n)
                    for (lang, enc, seg), n in groups.items()
                ),
                key=lambda g: (-g.segments, -g.customers, g.language, g.encoding),
            )
        ),
    )
