"""Signed read requests: each party proves who it is with the same Ed25519 key it signs data with.

A read carries five headers::

    X-OpenBMD-Party      the reader
    X-OpenBMD-Key-Id     the key id of its signing key
    X-OpenBMD-Timestamp  Unix ms; must be within the centre's skew bound
    X-OpenBMD-Nonce      16-64 characters [A-Za-z0-9_-], never reused within the skew window
    X-OpenBMD-Signature  Ed25519 over RFC 8785 JSON of {method, target, party, key_id,
                         timestamp, nonce}, base64; ``target`` is the path plus query string

Why signed requests rather than mutual TLS: the parties already hold registered Ed25519 keys for
their data, so one key and one registry serve both (no X.509 CA to run and agree upon between
parties who do not trust each other); the check lives in the application, so it survives TLS
termination at a proxy and works over plain loopback in tests; and each read is individually
attributable and replay-proof (timestamp plus nonce). Confidentiality on the wire is still TLS's
job, in front of the centre.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Mapping
from typing import Any

from openbmd.exchange.signing import PrivateKeyLike, SignatureError, key_id, load_private_key, public_key_bytes, sign, verify

__all__ = ["HEADERS", "AuthError", "sign_request", "RequestVerifier"]

HEADERS = ("x-openbmd-party", "x-openbmd-key-id", "x-openbmd-timestamp", "x-openbmd-nonce", "x-openbmd-signature")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class AuthError(ValueError):
    """A read request that cannot be authenticated: ``status`` is 401 or 403, ``code`` names why."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def request_payload(method: str, target: str, party: str, kid: str, timestamp_ms: int, nonce: str) -> dict[str, Any]:
    """What a request signature covers."""
    return {"method": method.upper(), "target": target, "party": party, "key_id": kid,
            "timestamp": int(timestamp_ms), "nonce": nonce}


def sign_request(private_key: PrivateKeyLike, party: str, method: str, target: str, now_ms: int,
                 nonce: str | None = None) -> dict[str, str]:
    """The headers that authenticate one request by ``party``."""
    sk = load_private_key(private_key)
    kid = key_id(public_key_bytes(sk))
    nonce = nonce or secrets.token_urlsafe(18)
    sig = sign(sk, request_payload(method, target, party, kid, now_ms, nonce))
    return {"X-OpenBMD-Party": party, "X-OpenBMD-Key-Id": kid, "X-OpenBMD-Timestamp": str(int(now_ms)),
            "X-OpenBMD-Nonce": nonce, "X-OpenBMD-Signature": sig}


class RequestVerifier:
    """Checks request signatures against the registered keys and remembers recent nonces.

    ``keys`` maps ``(party, key_id)`` to a public key; ``max_skew_ms`` bounds the clock
    difference and how long a nonce is remembered.
    """

    def __init__(self, keys: Mapping[tuple[str, str], Any], max_skew_ms: int, max_nonces: int = 200_000) -> None:
        self._keys = dict(keys)
        self._skew = int(max_skew_ms)
        self._max = max_nonces
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def verify(self, method: str, target: str, headers: Mapping[str, str | None], now_ms: int) -> str:
        """Return the authenticated party or raise :class:`AuthError`."""
        party, kid, ts, nonce, sig = (headers.get(h) for h in HEADERS)
        if not all((party, kid, ts, nonce, sig)):
            raise AuthError("missing_auth", "reads need the X-OpenBMD-Party, -Key-Id, -Timestamp, -Nonce "
                                            "and -Signature headers")
        key = self._keys.get((party, kid))
        if key is None:
            raise AuthError("unknown_key", f"no key {kid!r} registered for party {party!r}")
        try:
            t = int(ts)
        except ValueError:
            raise AuthError("bad_timestamp", "X-OpenBMD-Timestamp must be integer Unix milliseconds") from None
        if abs(t - now_ms) > self._skew:
            raise AuthError("clock_skew", f"request timestamp is {(now_ms - t) / 1000:.1f} s off the centre's "
                                          f"clock; the bound is {self._skew / 1000:.0f} s")
        if not _NONCE.match(nonce):
            raise AuthError("bad_nonce", "X-OpenBMD-Nonce must be 16-64 characters of [A-Za-z0-9_-]")
        try:
            verify(key, request_payload(method, target, party, kid, t, nonce), sig)
        except SignatureError as exc:
            raise AuthError("bad_signature", f"request signature: {exc}") from None
        with self._lock:
            if nonce in self._seen:
                raise AuthError("replayed_request", "this request nonce was already used")
            if len(self._seen) >= self._max:
                cutoff = now_ms - 2 * self._skew
                self._seen = {n: x for n, x in self._seen.items() if x >= cutoff}
                if len(self._seen) >= self._max:
                    raise AuthError("busy", "too many requests in the replay window", status=429)
            self._seen[nonce] = t
        return party
