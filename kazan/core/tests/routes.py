"""Every URL pattern of the project as a route string, for the tests that walk all routes."""

from django.urls import URLResolver, get_resolver


def url_routes() -> list[str]:
    """Route strings like "console/businesses/<int:business_id>/", in URLconf order, once each."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))
