"""Encryption at rest and keyed hashes for personal data (phone numbers, names, reply text).

Values are sealed with AES-256-GCM under a key derived from ``PESTER_DATA_KEY``. Each sealed
value is bound to its place: the associated data names the table, the column and the row
(its primary key) as well as the key, so a ciphertext copied to another row or another
column fails to open with :class:`MisplacedValueError` (which names the place, never the
value). Each ciphertext names the key it was sealed with, so old keys
(``PESTER_OLD_DATA_KEYS``) keep opening values after a rotation until ``pester keys rotate``
re-seals everything.

Two formats exist. ``p2`` (bound, above) is the only one written. ``p1`` (before migration
0006) is bound to the key only; migration 0006 re-seals every ``p1`` value as ``p2``, and a
``p1`` value met afterwards is refused (:class:`LegacySealRefused`) unless
``PESTER_LEGACY_SEALS=accept``: it could have been moved from any row or column, or
planted from an old backup.

Equality lookups use an HMAC-SHA256 of the value under a separate derived lookup key that does
not rotate: opt-outs kept only as that hash must still match after the numbers are purged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String

LEGACY_FORMAT = b"p1"  # associated data: the key id only
BOUND_FORMAT = b"p2"  # associated data: table, column, row and key id
_HEADER = 2 + 4 + 12  # format, key id, nonce
_MINIMUM = _HEADER + 16  # and the GCM tag


class DecryptionError(RuntimeError):
    """A stored value could not be opened; the message names where, never what."""


class MisplacedValueError(DecryptionError):
    """A sealed value does not open in the place it was read from: it was sealed for another
    row or column (moved or swapped there), or altered."""

    def __init__(self, place: Place) -> None:
        self.place = place
        super().__init__(
            f"{place}: the sealed value does not belong here (sealed for another row or "
            "column, or altered); it was not opened"
        )


class LegacySealRefused(DecryptionError):
    """A value in the old format (bound to its key only) met where only bound values are
    accepted."""

    def __init__(self, place: Place) -> None:
        self.place = place
        super().__init__(
            f"{place}: sealed in the old format, which is not bound to its row and column; "
            "refused (run `pester keys rotate` with PESTER_LEGACY_SEALS=accept if pester "
            "wrote it before migration 0006)"
        )


class Place(NamedTuple):
    """Where a sealed value lives: table, column and the row's primary key."""

    table: str
    column: str
    row_id: int

    def associated_data(self, key_id: bytes) -> bytes:
        """What the seal authenticates besides the value: format, table, column, row, key."""
        return _column_prefix(self.table, self.column) + b"%d\x00" % self.row_id + key_id

    def __str__(self) -> str:
        return f"{self.table}.{self.column} of row {self.row_id}"


@functools.lru_cache(maxsize=256)
def _column_prefix(table: str, column: str) -> bytes:
    return b"\x00".join((b"pester-seal/2", table.encode(), column.encode(), b""))


def _derive(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), b"pester/" + purpose, hashlib.sha256).digest()


class DataCipher:
    """Seals and opens personal data; computes lookup hashes."""

    def __init__(
        self,
        data_key: str,
        old_keys: tuple[str, ...] = (),
        lookup_secret: str = "",
        *,
        accept_legacy: bool = False,
    ):
        if not data_key:
            raise ValueError("a data key is required")
        self._current = self._key_entry(data_key)
        self._keys = dict([self._current, *(self._key_entry(k) for k in old_keys)])
        self.accept_legacy = accept_legacy
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

    def seal(self, plaintext: str, place: Place) -> bytes:
        """Seal a value for one place (table, column, row) under the current key."""
        nonce = os.urandom(12)
        key_id, aead = self._current
        body = aead.encrypt(nonce, plaintext.encode(), place.associated_data(key_id))
        return BOUND_FORMAT + key_id + nonce + body

    def open(self, blob: bytes, place: Place) -> str:
        """The plaintext of a value read from ``place``; refuses one sealed for elsewhere."""
        if len(blob) < _MINIMUM or blob[:2] not in (BOUND_FORMAT, LEGACY_FORMAT):
            raise DecryptionError(f"{place}: not a pester ciphertext")
        if blob[:2] == LEGACY_FORMAT:
            if not self.accept_legacy:
                raise LegacySealRefused(place)
            return self.open_legacy(blob, where=str(place))
        key_id, nonce, body = blob[2:6], blob[6:18], blob[18:]
        try:
            return (
                self._aead(key_id, str(place))
                .decrypt(nonce, body, place.associated_data(key_id))
                .decode()
            )
        except InvalidTag as exc:
            raise MisplacedValueError(place) from exc

    def open_legacy(self, blob: bytes, *, where: str = "a value") -> str:
        """Open an old-format value (bound to its key only): migration 0006 and rotation."""
        if len(blob) < _MINIMUM or blob[:2] != LEGACY_FORMAT:
            raise DecryptionError(f"{where}: not an old-format pester ciphertext")
        key_id, nonce, body = blob[2:6], blob[6:18], blob[18:]
        try:
            return self._aead(key_id, where).decrypt(nonce, body, key_id).decode()
        except InvalidTag as exc:
            raise DecryptionError(f"{where}: ciphertext failed authentication") from exc

    def seal_legacy(self, plaintext: str) -> bytes:
        """The old, unbound format: only for migration 0006's downgrade and its tests."""
        nonce = os.urandom(12)
        key_id, aead = self._current
        return LEGACY_FORMAT + key_id + nonce + aead.encrypt(nonce, plaintext.encode(), key_id)

    def _aead(self, key_id: bytes, where: str) -> AESGCM:
        aead = self._keys.get(key_id)
        if aead is None:
            raise DecryptionError(
                f"{where}: sealed with a key that is not configured (add it to "
                "PESTER_OLD_DATA_KEYS)"
            )
        return aead

    def needs_rotation(self, blob: bytes) -> bool:
        """True unless the value is bound to its place and sealed under the current key."""
        return blob[:2] != BOUND_FORMAT or blob[2:6] != self._current[0]

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
    data_key: str,
    old_keys: tuple[str, ...] = (),
    lookup_secret: str = "",
    *,
    accept_legacy: bool = False,
) -> None:
    """Install the process-wide cipher (called by app and worker setup)."""
    global _cipher
    _cipher = DataCipher(data_key, old_keys, lookup_secret, accept_legacy=accept_legacy)


def cipher() -> DataCipher:
    if _cipher is None:
        raise RuntimeError("personal-data cipher not configured")
    return _cipher


def cipher_configured() -> bool:
    return _cipher is not None


def lookup_hash(value: str) -> str:
    """Keyed hash of a value (an E.164 number) for lookups."""
    return cipher().lookup_hash(value)


LOOKUP_HASH_LENGTH = 40
LookupHash = String(LOOKUP_HASH_LENGTH)
