"""Test helpers for secure links, for links and the apps that register pages (commerce)."""

from typing import Any
from urllib.parse import urlsplit


def link_path(url: str) -> str:
    """The path of an issued link's absolute URL (what a test client requests)."""
    return urlsplit(url).path


def link_token(url: str) -> str:
    return link_path(url).rsplit("/", 1)[-1]


# A complete registration form (seed 002's Spanish customer), as the page posts it.
REGISTRATION_FORM = {
    "first_name": "Lucía",
    "last_name": "Martínez",
    "email": "lucia@example.com",
    "street": "Calle Mayor 5",
    "apartment": "",
    "city": "Madrid",
    "state": "Madrid",
    "postal_code": "28013",
    "country": "ES",
    "language": "es",
    "data_processing": "on",
    "lang": "es",
}


def registration_post(client: Any, url: str, **changes: str) -> Any:
    """Fill and send the registration page of `url` (an issued link) like a customer does:
    the response is the thank-you page (200) or the form with its errors (422). Pass
    marketing="on" to accept offers; other keyword arguments replace form fields. Run it
    inside django_capture_on_commit_callbacks(execute=True) to have the listeners called."""
    return client.post(link_path(url), REGISTRATION_FORM | changes)
