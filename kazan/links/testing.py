"""Test helpers for secure links, for links and the apps that register pages (commerce)."""

from urllib.parse import urlsplit


def link_path(url: str) -> str:
    """The path of an issued link's absolute URL (what a test client requests)."""
    return urlsplit(url).path


def link_token(url: str) -> str:
    return link_path(url).rsplit("/", 1)[-1]
