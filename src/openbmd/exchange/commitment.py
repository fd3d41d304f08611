"""Salted per-field commitments: what lets a reader verify a message with body fields withheld.

The sender commits to each top-level body field ``name`` holding the JSON value ``value``:

- ``salt``: 16 random bytes, written as standard base64 with padding (24 characters);
- ``commitment``: standard base64 with padding (44 characters) of the SHA-256 digest of::

      b"openbmd.exchange.field-commitment.v1\\x00"   domain separation (37 bytes)
      || salt                                      16 bytes
      || len(name) as 2 bytes, big-endian            length of the UTF-8 name
      || name                                      UTF-8
      || canonical_json(value)                     RFC 8785 bytes

The prefix keeps these digests apart from every other SHA-256 in the exchange (Merkle leaves and
nodes start with 0x00 and 0x01, never with ``o``); the length-prefixed name binds the commitment
to its field; the salt keeps a withheld low-entropy value (a threat level, a missile class) from
being guessed from its commitment. The sender signs the commitments, never the values, so the
centre can withhold a field and the reader can still check the signature and every field released.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable, Mapping
from typing import Any

from openbmd.exchange.canonical import CanonicalizationError, canonical_json

__all__ = ["SALT_SIZE", "DOMAIN", "CommitmentError", "new_salt", "field_commitment", "commit_body", "check_opening"]

SALT_SIZE = 16
"""Bytes of random salt per field."""

DOMAIN = b"openbmd.exchange.field-commitment.v1\x00"
"""Domain-separation prefix of every field commitment."""


class CommitmentError(ValueError):
    """A body field that does not open its commitment; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def new_salt() -> str:
    """A fresh random salt: 16 bytes from the OS, standard base64 (24 characters)."""
    return base64.b64encode(os.urandom(SALT_SIZE)).decode("ascii")


def _salt_bytes(name: str, salt: Any) -> bytes:
    """Strictly decode a salt: exactly 16 bytes in the one base64 text that encodes them."""
    # A lenient decode, then the one text that encodes its bytes: anything that is not exactly
    # that text (stray characters, missing padding, nonzero spare bits) fails the comparison.
    if type(salt) is not str or not salt.isascii():
        raise CommitmentError(name, f"salt of field {name!r} is not base64")
    try:
        raw = binascii.a2b_base64(salt)
    except (binascii.Error, ValueError):
        raise CommitmentError(name, f"salt of field {name!r} is not base64") from None
    if len(raw) != SALT_SIZE or binascii.b2a_base64(raw, newline=False).decode("ascii") != salt:
        raise CommitmentError(name, f"salt of field {name!r} must be {SALT_SIZE} bytes in padded base64")
    return raw


def field_commitment(name: str, salt: str, value: Any) -> str:
    """The commitment (base64 of 32 bytes) to field ``name`` holding ``value`` under ``salt``.

    This is the one place the byte layout (see the module docstring) is written down.
    """
    raw_name = name.encode("utf-8")
    if len(raw_name) > 0xFFFF:
        raise CommitmentError(name[:64], "field name is over 65535 bytes")
    try:
        value_bytes = canonical_json(value)
    except CanonicalizationError as exc:
        raise CommitmentError(name, f"field {name!r} has no canonical JSON form: {exc}") from None
    data = DOMAIN + _salt_bytes(name, salt) + len(raw_name).to_bytes(2, "big") + raw_name + value_bytes
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def commit_body(body: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Fresh salts and the commitments to every top-level field: ``(commitments, salts)``."""
    salts = {name: new_salt() for name in body}
    return {name: field_commitment(name, salts[name], value) for name, value in body.items()}, salts


def check_opening(commitments: Mapping[str, str], body: Mapping[str, Any], salts: Mapping[str, str],
                  withheld: Iterable[str] = ()) -> None:
    """Check that ``body`` and ``salts`` open ``commitments``; raises :class:`CommitmentError`.

    Every field in ``body`` must have a salt and match its commitment, no salt may stand alone,
    and every committed field must be opened unless it is named in ``withheld`` (a reader's
    redacted copy; the centre passes none).
    """
    for name, value in body.items():
        if name not in commitments:
            raise CommitmentError(name, f"field {name!r} is not committed")
        if name not in salts:
            raise CommitmentError(name, f"field {name!r} has no salt")
        if field_commitment(name, salts[name], value) != commitments[name]:
            raise CommitmentError(name, f"field {name!r} does not match its commitment")
    for name in salts:
        if name not in body:
            raise CommitmentError(name, f"salt for {name!r} opens no field")
    hidden = set(withheld)
    for name in commitments:
        if name not in body and name not in hidden:
            raise CommitmentError(name, f"field {name!r} is committed but not opened")
