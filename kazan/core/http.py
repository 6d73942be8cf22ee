"""Request helpers shared by pages that rate-limit or record where a request came from."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's address. Behind our proxy (BEHIND_PROXY), the last X-Forwarded-For hop is
    the one the proxy itself appended; the earlier ones are whatever the client claimed."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]
