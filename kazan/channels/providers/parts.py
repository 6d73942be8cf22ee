"""One outbox message sent as several provider messages (WhatsApp's and Telegram's renderers
make a list of them): each accepted part's id is remembered in the shared cache under the
message's delivery key and index, so a retry after a transient error or a crash resends only
the parts the provider has not accepted (decision 0022). Without Redis the cache is per
process: a retry picked up by another worker process could resend accepted parts."""

from collections.abc import Callable, Sequence

from django.core.cache import cache

PART_SECONDS = 7 * 24 * 3600  # longer than the outbox ever retries a message


def parts_send[Part](
    *, prefix: str, idempotency_key: str, parts: Sequence[Part], send: Callable[[Part], str]
) -> str:
    """Sends the parts in order with `send` (returns the provider's id of one part), skipping
    those accepted by an earlier attempt of the same message; returns the last part's id."""
    last = ""
    for index, part in enumerate(parts):
        key = f"{prefix}:{idempotency_key}:{index}"
        accepted = cache.get(key)
        if accepted:
            last = str(accepted)
            continue
        last = send(part)
        cache.set(key, last, PART_SECONDS)
    return last
