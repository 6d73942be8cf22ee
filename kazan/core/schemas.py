"""Base of the API's input schemas."""

from ninja import Schema


class InputSchema(Schema):
    """What an API client sends. Its text is already free of NUL characters and lone
    surrogates (refused with a 400 by kazan.core.middleware.InputTextMiddleware for every
    request), so fields only say what they themselves allow."""
