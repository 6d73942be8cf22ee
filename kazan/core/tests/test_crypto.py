import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from kazan.core import crypto


def test_encrypt_round_trips_and_is_randomized():
    first = crypto.encrypt("+4915112345678", context="customer.phone")
    second = crypto.encrypt("+4915112345678", context="customer.phone")
    assert first != second
    assert "4915112345678" not in first
    assert crypto.decrypt(first, context="customer.phone") == "+4915112345678"


def test_ciphertext_is_bound_to_its_context():
    token = crypto.encrypt("secret", context="customer.phone")
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, context="customer.email")


def test_blind_index_is_deterministic_keyed_and_scoped():
    assert crypto.blind_index("x", scope="a") == crypto.blind_index("x", scope="a")
    assert crypto.blind_index("x", scope="a") != crypto.blind_index("x", scope="b")
    with override_settings(PII_KEY="another-root-key"):
        crypto._derive.cache_clear()
        other = crypto.blind_index("x", scope="a")
    crypto._derive.cache_clear()
    assert other != crypto.blind_index("x", scope="a")


def test_unknown_version_is_refused():
    with pytest.raises(ValueError):
        crypto.decrypt("v0:abcd")
