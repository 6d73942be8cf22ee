"""Sending one outbox message through a business's WhatsApp number.

The renderer turns a payload into one or more Graph messages (render.py). They are sent in
order; each accepted part's wamid is remembered under the message's delivery key and index
(`wa-part:<key>:<index>` in the shared cache), so a retry after a transient error or a crash
resends only the parts Meta has not accepted (decision 0022). The outbox row keeps the last
part's wamid: the status webhook reports against it.

Throughput: at most WHATSAPP_MESSAGES_PER_SECOND sends per phone number id across every worker
(core.ratelimit: Redis when configured, the database otherwise); a worker waits briefly for a
slot, then hands the message back to the outbox as a transient error.
"""

import json
from typing import Any

from django.conf import settings

from kazan.channels.providers.parts import parts_send
from kazan.channels.providers.whatsapp.graph import GraphClient
from kazan.channels.providers.whatsapp.inbound import wamid_key
from kazan.core.ratelimit import ratelimit_wait
from kazan.messaging.transports import SmsRequest, SmsResult, TransientProviderError

THROUGHPUT_CODE = "throughput"
THROUGHPUT_WAIT_SECONDS = 2.0


def throughput_wait(phone_number_id: str, *, max_wait: float | None = None) -> None:
    """Takes one send slot of the number (fixed one-second windows shared by all workers);
    raises TransientProviderError when none frees up within about `max_wait` seconds."""
    rate = int(settings.WHATSAPP_MESSAGES_PER_SECOND)
    if rate <= 0 or ratelimit_wait(
        f"whatsapp-throughput:{phone_number_id}",
        limit=rate,
        max_wait=THROUGHPUT_WAIT_SECONDS if max_wait is None else max_wait,
    ):
        return
    raise TransientProviderError(
        "This number's throughput limit is reached; trying again shortly.", code=THROUGHPUT_CODE
    )


class WhatsAppSender:
    key = "whatsapp"

    def __init__(self, *, credentials: dict[str, str], catalog_id: str = "") -> None:
        self.phone_number_id = credentials.get("phone_number_id", "")
        self.catalog_id = catalog_id
        self.client = GraphClient(
            access_token=credentials.get("access_token", ""), phone_number_id=self.phone_number_id
        )

    def _prepared(self, message: dict[str, Any]) -> dict[str, Any]:
        """The catalog id filled in from the installation; without one, the text fallback."""
        message = dict(message)
        fallback = message.pop("_fallback", None)
        interactive = message.get("interactive")
        if isinstance(interactive, dict) and interactive.get("type") in ("product", "product_list"):
            action = dict(interactive.get("action") or {})
            action["catalog_id"] = action.get("catalog_id") or self.catalog_id
            if not action["catalog_id"]:
                texts = fallback if isinstance(fallback, list) and fallback else None
                return dict(texts[0]) if texts else {"type": "text", "text": {"body": "…"}}
            message["interactive"] = {**interactive, "action": action}
        return message

    def send(self, request: SmsRequest) -> SmsResult:
        try:
            messages = json.loads(request.body)
        except ValueError:
            messages = None
        if not isinstance(messages, list):  # a row queued with a plain body
            messages = [{"type": "text", "text": {"body": request.body[:4096]}}]
        to = request.to.lstrip("+")

        def send(message: dict[str, Any]) -> str:
            throughput_wait(self.phone_number_id)
            wamid = self.client.message_send(
                {"recipient_type": "individual", "to": to, **self._prepared(message)}
            )
            return wamid_key(wamid)

        last = parts_send(
            prefix="wa-part", idempotency_key=request.idempotency_key, parts=messages, send=send
        )
        return SmsResult(provider_message_id=last, status="accepted")
