"""Ed25519 keys and detached signatures over RFC 8785 canonical JSON.

Formats, chosen to be plain and easy to check by hand:

- **Private key**: PEM, PKCS#8, unencrypted (``-----BEGIN PRIVATE KEY-----``). Keep the file
  mode 0600; encryption at rest is the operator's business.
- **Public key**: the raw 32-byte Ed25519 key (RFC 8032), written in config files as standard
  base64 (44 characters). :func:`load_public_key` also reads raw bytes and PEM
  (SubjectPublicKeyInfo).
- **Key id**: the first 16 hex characters (64 bits) of SHA-256 of the raw 32-byte public key.
  It names a key in messages and config; it is not a security boundary, since the verifier
  always checks against the full key registered for the party.
- **Signature**: the 64-byte Ed25519 signature over ``canonical_json(payload)``, written as
  standard base64 with padding (88 characters), like the hashes in the RFC 9162 vectors. Decoding
  is strict: a string that does not re-encode to itself is rejected, so each signature has
  exactly one text form.

Verification runs in libsodium (PyNaCl, Apache-2.0; libsodium itself is ISC): it checks a
signature in about half the CPU time of OpenSSL's Ed25519 through ``cryptography``. Both check
the same cofactorless equation; libsodium besides refuses small-order public keys and ``R``
points and non-canonical encodings, so a small-order key, for which one signature verifies
every message under OpenSSL, verifies nothing here. Keys are read and messages signed with
``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import VerifyKey

from openbmd.exchange.canonical import CanonicalizationError, canonical_json

__all__ = [
    "KEY_SIZE", "SIGNATURE_SIZE", "KeyFormatError", "SignatureError",
    "generate_keypair", "load_private_key", "load_public_key", "private_key_pem",
    "public_key_bytes", "encode_public_key", "key_id", "verify_key",
    "sign", "verify", "sign_bytes", "verify_bytes", "encode_signature", "decode_signature",
]

KEY_SIZE = 32
"""Bytes in a raw Ed25519 public key or private seed."""

SIGNATURE_SIZE = 64
"""Bytes in an Ed25519 signature."""

PrivateKeyLike = Ed25519PrivateKey | bytes
"""A private key object, PEM PKCS#8 bytes, or the raw 32-byte seed."""

PublicKeyLike = Ed25519PublicKey | VerifyKey | bytes | str
"""A public key object (``cryptography``'s or PyNaCl's), raw 32 bytes, PEM bytes, or a base64
string of the raw key."""


class KeyFormatError(ValueError):
    """A key that cannot be read as Ed25519."""


class SignatureError(ValueError):
    """A signature that is malformed or does not verify."""


def generate_keypair() -> tuple[bytes, bytes]:
    """A fresh key pair: ``(private key as PEM PKCS#8, raw 32-byte public key)``."""
    private = Ed25519PrivateKey.generate()
    return private_key_pem(private), public_key_bytes(private.public_key())


def private_key_pem(private_key: PrivateKeyLike) -> bytes:
    """The private key as unencrypted PEM PKCS#8."""
    return load_private_key(private_key).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
    )


def _key_from_bytes(data: bytes, cls: type, from_raw: Any, from_pem: Any, what: str) -> Any:
    """An Ed25519 key of type ``cls`` from raw 32 bytes or PEM; raises :class:`KeyFormatError`."""
    if len(data) == KEY_SIZE:
        return from_raw(data)
    try:
        key = from_pem(data)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"not {what}: {exc}") from exc
    if not isinstance(key, cls):
        raise KeyFormatError(f"expected an {cls.__name__}, got {type(key).__name__}")
    return key


def load_private_key(private_key: PrivateKeyLike) -> Ed25519PrivateKey:
    """Read a private key from a key object, PEM PKCS#8 bytes or a raw 32-byte seed."""
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key
    if isinstance(private_key, (bytes, bytearray)):
        return _key_from_bytes(bytes(private_key), Ed25519PrivateKey, Ed25519PrivateKey.from_private_bytes,
                               lambda d: serialization.load_pem_private_key(d, password=None),
                               "a PEM PKCS#8 private key")
    raise KeyFormatError(f"cannot read a private key from {type(private_key).__name__}")


def load_public_key(public_key: PublicKeyLike) -> Ed25519PublicKey:
    """Read a public key from a key object, raw 32 bytes, PEM bytes or a base64 string."""
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    if isinstance(public_key, VerifyKey):
        return Ed25519PublicKey.from_public_bytes(bytes(public_key))
    if isinstance(public_key, str):
        try:
            raw = base64.b64decode(public_key.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KeyFormatError(f"public key is not valid base64: {exc}") from exc
        if len(raw) != KEY_SIZE:
            raise KeyFormatError(f"public key must be {KEY_SIZE} bytes, got {len(raw)}")
        return Ed25519PublicKey.from_public_bytes(raw)
    if isinstance(public_key, (bytes, bytearray)):
        return _key_from_bytes(bytes(public_key), Ed25519PublicKey, Ed25519PublicKey.from_public_bytes,
                               serialization.load_pem_public_key, f"a raw {KEY_SIZE}-byte or PEM public key")
    raise KeyFormatError(f"cannot read a public key from {type(public_key).__name__}")


def public_key_bytes(public_key: PublicKeyLike | Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key (of a private key object too)."""
    if isinstance(public_key, VerifyKey):
        return bytes(public_key)
    if isinstance(public_key, Ed25519PrivateKey):
        public_key = public_key.public_key()
    return load_public_key(public_key).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw,
    )


def encode_public_key(public_key: PublicKeyLike) -> str:
    """The public key as standard base64 of its raw 32 bytes, the config-file form."""
    return base64.b64encode(public_key_bytes(public_key)).decode("ascii")


def key_id(public_key: PublicKeyLike) -> str:
    """First 16 hex characters of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(public_key_bytes(public_key)).hexdigest()[:16]


def encode_signature(signature: bytes) -> str:
    """Standard base64 with padding (88 characters), as hashes are written in the RFC 9162 vectors."""
    return base64.b64encode(signature).decode("ascii")


def decode_signature(text: str) -> bytes:
    """Strictly decode a base64 Ed25519 signature; raises :class:`SignatureError`."""
    if not isinstance(text, str):
        raise SignatureError(f"signature must be a base64 string, got {type(text).__name__}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"signature is not valid base64: {exc}") from exc
    if len(raw) != SIGNATURE_SIZE or encode_signature(raw) != text:
        raise SignatureError(f"signature must be {SIGNATURE_SIZE} bytes in padded base64")
    return raw


def sign_bytes(private_key: PrivateKeyLike, data: bytes) -> bytes:
    """Raw Ed25519 signature (64 bytes) over ``data``."""
    return load_private_key(private_key).sign(bytes(data))


def verify_key(public_key: PublicKeyLike) -> VerifyKey:
    """The public key as :func:`verify_bytes` checks with it (libsodium's); load keys that check
    many signatures once with this."""
    if isinstance(public_key, VerifyKey):
        return public_key
    return VerifyKey(public_key_bytes(public_key))


def verify_bytes(public_key: PublicKeyLike, data: bytes, signature: bytes) -> None:
    """Check a raw Ed25519 signature over ``data`` (in libsodium); raises :class:`SignatureError`."""
    key = verify_key(public_key)
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureError(f"signature must be {SIGNATURE_SIZE} bytes, got {len(signature)}")
    try:
        key.verify(bytes(data), bytes(signature))
    except (BadSignatureError, CryptoError) as exc:
        raise SignatureError("signature does not verify") from exc


def sign(private_key: PrivateKeyLike, payload: Any) -> str:
    """Detached signature over ``canonical_json(payload)``, as padded base64."""
    return encode_signature(sign_bytes(private_key, canonical_json(payload)))


def verify(public_key: PublicKeyLike, payload: Any, signature: str) -> None:
    """Check a detached signature made by :func:`sign`; raises :class:`SignatureError`."""
    raw = decode_signature(signature)
    try:
        data = canonical_json(payload)
    except CanonicalizationError as exc:
        raise SignatureError(f"payload is not canonical JSON: {exc}") from exc
    verify_bytes(public_key, data, raw)
