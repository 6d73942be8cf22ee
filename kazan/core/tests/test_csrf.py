from collections import Counter

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    _check_token_format,
    _does_token_match,
)
from django.test import RequestFactory

from kazan.core.csrf import _random_string, csrf_token


def test_a_new_visitor_gets_a_secret_and_a_token_django_accepts():
    request = RequestFactory().get("/")
    token = csrf_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(token) == CSRF_TOKEN_LENGTH and len(secret) == CSRF_SECRET_LENGTH
    _check_token_format(token)
    assert _does_token_match(token, secret)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    # Masked afresh each time, always for the same secret.
    again = csrf_token(request)
    assert again != token and _does_token_match(again, secret)


def test_a_visitor_with_a_secret_keeps_it():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = secret = "a" * CSRF_SECRET_LENGTH
    assert _does_token_match(csrf_token(request), secret)
    assert request.META["CSRF_COOKIE"] == secret


def test_random_strings_use_the_whole_alphabet_evenly():
    counts = Counter("".join(_random_string(CSRF_SECRET_LENGTH) for _ in range(4000)))
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 4000 * CSRF_SECRET_LENGTH / len(CSRF_ALLOWED_CHARS)
    assert all(0.75 * expected < count < 1.25 * expected for count in counts.values())
