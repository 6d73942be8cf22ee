"""How big the console bench's data set is, and the few facts about its rows that the builder,
the marker and the measurement all need: kept in a module of their own that imports nothing from
the bench, so every console module can import it without a cycle."""

from dataclasses import dataclass, replace

SLUG_PREFIX = "cb-"
PHONE_SHARE = 0.80
EMAIL_SHARE = 0.15
DISTINCT_CIPHERTEXTS = 1_000


@dataclass(frozen=True)
class Sizes:
    businesses: int = 1_000
    customers: int = 1_000_000
    events: int = 5_000_000
    reviews: int = 100_000
    vouchers: int = 200_000
    activities: int = 200_000
    payments_per_business: float = 8.0

    def scaled(self, factor: float) -> "Sizes":
        if factor == 1:
            return self
        return replace(
            self,
            **{
                name: max(10, round(getattr(self, name) * factor))
                for name in (
                    "businesses",
                    "customers",
                    "events",
                    "reviews",
                    "vouchers",
                    "activities",
                )
            },
        )
