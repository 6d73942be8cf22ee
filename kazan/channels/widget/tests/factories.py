"""Widget test helpers: a business's widget switched on through the service, and chat turns."""

import json

from django.test import Client

from kazan.channels.widget.services import widget_settings_update

HOST = "https://www.cafe-a.example"


def widget_on(business, **fields):
    fields.setdefault("allowed_origins", [HOST])
    return widget_settings_update(business=business, actor=None, enabled=True, **fields)


def chat(client: Client, business, body: dict, **headers):
    return client.post(
        "/api/v1/widget/chat",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CLIENT_ID=business.client_id,
        **headers,
    )


def start(client: Client, business) -> dict:
    response = chat(client, business, {"action": "start"})
    assert response.status_code == 200, response.content
    return response.json()


def choice_values(replies: list[dict]) -> list[str]:
    return [c["value"] for r in replies if r["type"] == "choices" for c in r["choices"]]
