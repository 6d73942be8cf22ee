"""Encryption of personal data at rest (AES-GCM) and keyed blind indexes for exact look-ups.

Both keys are derived from settings.PII_KEY with HKDF, so one secret is configured and the two
uses never share a key. Ciphertexts carry a version prefix so the key can be rotated later.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = "v1"


@cache
def _derive(root: str, purpose: bytes) -> bytes:
    material = root.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kazan-pii", info=purpose).derive(
        material
    )


def _encryption_key() -> bytes:
    return _derive(settings.PII_KEY, b"aes-gcm")


@cache
def _aead(key: bytes) -> AESGCM:
    """One cipher object per key (stateless, reusable): a bulk write encrypts thousands."""
    return AESGCM(key)


def _index_key() -> bytes:
    return _derive(settings.PII_KEY, b"blind-index")


def encrypt(plaintext: str, *, context: str = "") -> str:
    """AES-GCM with a random 96-bit nonce; `context` is bound as associated data."""
    nonce = os.urandom(12)
    sealed = _aead(_encryption_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str = "") -> str:
    version, _, payload = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown ciphertext version")
    raw = base64.urlsafe_b64decode(payload)
    return _aead(_encryption_key()).decrypt(raw[:12], raw[12:], context.encode()).decode()


def blind_index(value: str, *, scope: str = "") -> str:
    """HMAC-SHA256 of a normalized value: equal inputs give equal digests, nothing else leaks."""
    message = f"{scope}\x00{value}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()
