"""Posting Twilio's documented webhook payloads (fixtures/) the way Twilio does: form-encoded,
signed in X-Twilio-Signature over PUBLIC_URL + path + the parameters."""

import json
from pathlib import Path

from django.urls import reverse
from twilio.request_validator import RequestValidator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PUBLIC_URL = "https://kazan.example"


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
