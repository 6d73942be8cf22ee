"""Posting Twilio's documented webhook payloads (fixtures/) the way Twilio does: form-encoded,
signed in X-Twilio-Signature over PUBLIC_URL + path + the parameters."""

import json
from pathlib import Path

from django.test import TestCase
from django.urls import reverse
from twilio.request_validator import RequestValidator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PUBLIC_URL = "https://kazan.example"
# The platform's own token in these tests (the fake's token is the business's own).
PLATFORM_TOKEN = "platform-auth-token-0123456789"


def twilio_fixture(name: str) -> dict[str, str]:
    """The parameters of fixtures/<name>.json."""
    return json.loads((FIXTURES / f"{name}.json").read_text())["params"]


def twilio_post(client, url_name: str, params: dict, *, token: str, signature: str | None = "sign"):
    """`signature="sign"` signs with `token`; any other string is sent as it is; None sends no
    signature header. The test's settings must have PUBLIC_URL = PUBLIC_URL."""
    path = reverse(url_name)
    headers = {}
    if signature == "sign":
        signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, params)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return client.post(path, params, headers=headers)


def twilio_deliver(client, params: dict, *, token: str, signature: str | None = "sign"):
    """Posts like Twilio, then runs what the webhook enqueued, as a worker would: the inbound
    event's task (the flow queues its replies), then their delivery."""
    from kazan.messaging.testing import tasks_run_all

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = twilio_post(
            client, "hooks:twilio_inbound", params, token=token, signature=signature
        )
    tasks_run_all()
    tasks_run_all()
    return response


def twilio_text(body: str, **overrides) -> dict[str, str]:
    """Twilio's documented inbound SMS with another body (and other parameters)."""
    return {**twilio_fixture("inbound_text"), "Body": body, **overrides}
