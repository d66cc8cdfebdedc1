"""Encryption at rest and keyed hashes for personal data (phone numbers, names, reply text).

Values are sealed with AES-256-GCM under a key derived from ``PESTER_DATA_KEY``; each
ciphertext names the key it was sealed with, so old keys (``PESTER_OLD_DATA_KEYS``) keep
decrypting after a rotation until ``pester keys rotate`` re-seals everything. Equality
lookups use an HMAC-SHA256 of the value under a separate derived lookup key that does not
rotate: opt-outs kept only as that hash must still match after the numbers are purged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, String
from sqlalchemy.types import TypeDecorator

_PREFIX = b"p1"


class DecryptionError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), b"pester/" + purpose, hashlib.sha256).digest()


class DataCipher:
    """Seals and opens personal data; computes lookup hashes."""

    def __init__(self, data_key: str, old_keys: tuple[str, ...] = (), lookup_secret: str = ""):
        if not data_key:
            raise ValueError("a data key is required")
        self._current = self._key_entry(data_key)
        self._keys = dict([self._current, *(self._key_entry(k) for k in old_keys)])
        # The lookup key comes from the first key ever used unless given: rotating the
        # encryption key must not change hashes.
        # A pre-keyed HMAC, copied per value: keying once saves most of the cost of a hash.
        self._lookup = hmac.new(_derive(lookup_secret or data_key, b"lookup"), digestmod="sha256")
        # The audit chain is keyed too (by the never-rotated lookup secret), so someone who
        # can write to the database but does not hold the keys cannot re-forge the chain.
        self._chain = hmac.new(
            _derive(lookup_secret or data_key, b"audit-chain"), digestmod="sha256"
        )

    @staticmethod
    def _key_entry(secret: str) -> tuple[bytes, AESGCM]:
        key = _derive(secret, b"aead")
        key_id = hashlib.sha256(key).digest()[:4]
        return key_id, AESGCM(key)

    @property
    def current_key_id(self) -> bytes:
        return self._current[0]

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(12)
        key_id, aead = self._current
        return _PREFIX + key_id + nonce + aead.encrypt(nonce, plaintext.encode(), key_id)

    def decrypt(self, blob: bytes) -> str:
        if blob[:2] != _PREFIX or len(blob) < 2 + 4 + 12 + 16:
            raise DecryptionError("not a pester ciphertext")
        key_id, nonce, body = blob[2:6], blob[6:18], blob[18:]
        aead = self._keys.get(key_id)
        if aead is None:
            raise DecryptionError("sealed with a key that is not configured")
        try:
            return aead.decrypt(nonce, body, key_id).decode()
        except InvalidTag as exc:
            raise DecryptionError("ciphertext failed authentication") from exc

    def needs_rotation(self, blob: bytes) -> bool:
        return blob[2:6] != self._current[0]

    def lookup_hash(self, value: str) -> str:
        """The keyed hash used for equality lookups and de-duplication."""
        keyed = self._lookup.copy()
        keyed.update(value.encode())
        return keyed.hexdigest()[:LOOKUP_HASH_LENGTH]

    def chain_hash(self, data: bytes) -> str:
        """The keyed hash that links one audit entry to the one before it."""
        keyed = self._chain.copy()
        keyed.update(data)
        return keyed.hexdigest()


_cipher: DataCipher | None = None


def configure_cipher(
    data_key: str, old_keys: tuple[str, ...] = (), lookup_secret: str = ""
) -> None:
    """Install the process-wide cipher (called by app and worker setup)."""
    global _cipher
    _cipher = DataCipher(data_key, old_keys, lookup_secret)


def cipher() -> DataCipher:
    if _cipher is None:
        raise RuntimeError("personal-data cipher not configured")
    return _cipher


def lookup_hash(value: str) -> str:
    """Keyed hash of a value (an E.164 number) for lookups."""
    return cipher().lookup_hash(value)


class Encrypted(TypeDecorator[str]):
    """A text column stored sealed; reads return the plaintext."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return None if value is None else cipher().encrypt(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        return None if value is None else cipher().decrypt(bytes(value))


LOOKUP_HASH_LENGTH = 40
LookupHash = String(LOOKUP_HASH_LENGTH)
