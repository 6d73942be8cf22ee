"""The loader and the frame: the loader's size and caching; the frame only for the business's
allowed origins (said in frame-ancestors), a refusal page elsewhere, an unavailable page for a
suspended business; and no cookie from any widget response."""

import gzip

import pytest

from kazan.channels.widget.tests.factories import HOST, chat, start, widget_on
from kazan.channels.widget.tokens import preview_sign
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db
LOADER_GZIP_MAX = 6144


def _frame(client, business, origin=HOST, **extra):
    return client.get(
        "/widget/frame", {"client": business.client_id, "origin": origin, "lang": "de-DE", **extra}
    )


def _ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


def test_the_loader_is_small_cached_and_revalidated(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    body = response.content
    assert len(gzip.compress(body, compresslevel=9)) < LOADER_GZIP_MAX
    assert "max-age=86400" in response["Cache-Control"]
    assert "Access-Control-Allow-Origin" not in response
    again = client.get("/widget.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert not again.cookies


def test_the_loader_asks_for_nothing_before_the_click():
    """Static guard beside the browser test: no storage API and no request outside show()."""
    from kazan.channels.widget.views import LOADER_PATH

    source = LOADER_PATH.read_text()
    for forbidden in (
        "localStorage",
        "sessionStorage",
        "document.cookie",
        "indexedDB",
        "XMLHttpRequest",
        "sendBeacon",
    ):
        assert forbidden not in source
    assert source.count("fetch(") == 0
    assert "postMessage(m,base)" in source and '"*"' not in source


def test_an_allowed_origin_may_frame_the_chat(client, business):
    widget_on(business)
    response = _frame(client, business)
    assert response.status_code == 200
    assert _ancestors(response) == f"frame-ancestors {HOST}"
    assert "X-Frame-Options" not in response
    html = response.content.decode()
    assert 'lang="de"' in html
    assert business.client_id in html
    assert not response.cookies
    assert "Set-Cookie" not in response


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "https://www.cafe-a.example.evil.example", "", "null"]
)
def test_another_origin_gets_a_refusal_nobody_may_frame(client, business, origin):
    widget_on(business)
    response = _frame(client, business, origin=origin)
    assert response.status_code == 403
    assert _ancestors(response) == "frame-ancestors 'none'"
    assert "Der Chat ist auf dieser Website nicht aktiviert." in response.content.decode()
    assert not response.cookies


def test_a_switched_off_widget_or_unknown_client_is_refused(client, business):
    widget_on(business)
    from kazan.channels.widget.services import widget_settings_update

    widget_settings_update(business=business, actor=None, enabled=False)
    assert _frame(client, business).status_code == 403
    response = client.get("/widget/frame", {"client": "pk_unknown", "origin": HOST})
    assert response.status_code == 403
    assert _ancestors(response) == "frame-ancestors 'none'"


def test_a_suspended_business_shows_unavailable(client, business):
    widget_on(business)
    Business.objects.filter(pk=business.pk).update(status=Business.Status.SUSPENDED)
    response = _frame(client, business)
    assert response.status_code == 503
    assert "derzeit nicht verfügbar" in response.content.decode()
    assert chat(client, business, {"action": "start"}).status_code == 503


def test_the_preview_runs_on_kazan_only_with_its_token(client, business):
    # switched off, and Kazan's own origin is not in the business's list
    own = "http://testserver"
    assert _frame(client, business, origin=own).status_code == 403
    assert _frame(client, business, origin=own, preview="forged").status_code == 403
    token = preview_sign(business)
    response = _frame(client, business, origin=own, preview=token)
    assert response.status_code == 200
    assert _ancestors(response) == "frame-ancestors 'self'"
    # the token does not open another origin
    assert _frame(client, business, origin=HOST, preview=token).status_code == 403
    # and the chat answers the preview while the widget is off, but not without the token
    assert chat(client, business, {"action": "start"}).status_code == 403
    assert (
        chat(client, business, {"action": "start"}, HTTP_X_WIDGET_PREVIEW=token).status_code == 200
    )


def test_no_widget_response_sets_a_cookie(client, business):
    widget_on(business)
    client.cookies.clear()
    responses = [
        client.get("/widget.js"),
        _frame(client, business),
        _frame(client, business, origin="https://evil.example"),
        client.get("/api/v1/widget/settings", HTTP_X_CLIENT_ID=business.client_id),
        client.get("/api/v1/widget/flow", HTTP_X_CLIENT_ID=business.client_id),
    ]
    started = chat(client, business, {"action": "start"})
    responses.append(started)
    session = started.json()["session"]
    responses.append(chat(client, business, {"session": session, "payload": {"choice": "ask"}}))
    responses.append(
        client.get(
            "/api/v1/widget/chat/live",
            {"session": session},
            HTTP_X_CLIENT_ID=business.client_id,
        )
    )
    responses.append(chat(client, business, {"session": "forged"}))
    for response in responses:
        assert "Set-Cookie" not in response, response
        assert not response.cookies, response
    assert not client.cookies


def test_the_demo_page_embeds_the_snippet(client, business):
    widget_on(business)
    response = client.get("/widget/demo", {"business": business.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-client="{business.client_id}"' in html
    assert 'src="http://testserver/widget.js"' in html
    start(client, business)
