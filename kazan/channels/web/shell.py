"""The landing page's HTML, rendered once per business, language and profile and reused.

Everything on the page but two values is the same for every visitor: the CSRF token and the CSP
nonce. The page is rendered with a placeholder for each (random per process, so no business
name can contain one) and the visitor's own values are put in per request.

The cache lives in this process (no network round trip, gone with a deploy). Its key holds
every profile value the page shows (name, logo, colour, links), so an edited business is a new
key at once and the old page is never shown again; least recently used pages are dropped.
"""

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.signals import setting_changed
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

SHELLS_MAX = 2000
CSRF_PLACEHOLDER = f"kzcsrf{secrets.token_hex(12)}"
NONCE_PLACEHOLDER = f"kznonce{secrets.token_hex(12)}"

_shells: OrderedDict[tuple[object, ...], str] = OrderedDict()
_lock = threading.Lock()


def shell_key(
    business: "Business", language: str, links: tuple[str, ...], *, white_label: bool = False
) -> tuple[object, ...]:
    """What the page shows of the business: a change to any of it is a new page. `links` are
    the addresses its social links are made from (their labels depend on the language only);
    `white_label`: its plan hides Kazan's name (no "Powered by Kazan")."""
    return (
        white_label,
        business.pk,
        business.slug,
        language,
        business.name,
        business.logo.name if business.logo else "",
        business.brand_color,
        links,
    )


def shell_html(key: tuple[object, ...], template: str, context: Callable[[], dict]) -> str:
    """The page for `key`, rendered from `template` with `context()` the first time."""
    with _lock:
        html = _shells.get(key)
        if html is not None:
            _shells.move_to_end(key)
            return html
    html = render_to_string(
        template, context() | {"csrf_token": CSRF_PLACEHOLDER, "csp_nonce": NONCE_PLACEHOLDER}
    )
    with _lock:
        _shells[key] = html
        while len(_shells) > SHELLS_MAX:
            _shells.popitem(last=False)
    return html


def shell_fill(html: str, *, csrf_token: str, csp_nonce: str) -> str:
    return html.replace(CSRF_PLACEHOLDER, csrf_token).replace(NONCE_PLACEHOLDER, csp_nonce)


def shells_clear() -> None:
    """Tests: start from an empty cache."""
    with _lock:
        _shells.clear()


def _settings_changed(**kwargs: object) -> None:
    shells_clear()


# A test that overrides settings (static files, languages) never sees a page from before.
setting_changed.connect(_settings_changed)
