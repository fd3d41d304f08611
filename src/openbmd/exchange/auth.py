"""Signed read requests: each party proves who it is with the same Ed25519 key it signs data with.

A read carries five headers::

    X-OpenBMD-Party      the reader
    X-OpenBMD-Key-Id     the key id of its signing key
    X-OpenBMD-Timestamp  Unix ms; must be within the centre's skew bound
    X-OpenBMD-Nonce      16-64 characters [A-Za-z0-9_-], never reused within the skew window
                         (remembered across restarts; each party has its own budget)
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

import heapq
import os
import re
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openbmd.exchange.signing import PrivateKeyLike, SignatureError, key_id, load_private_key, public_key_bytes, sign, verify

__all__ = ["HEADERS", "AuthError", "sign_request", "NonceBook", "RequestVerifier"]

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


class NonceBook:
    """The request nonces each party used, remembered while their requests could still be accepted.

    A request with timestamp ``t`` passes the skew check until ``t + skew``, so its nonce is
    kept until then and no longer. Each party has its own budget of ``per_party`` live nonces:
    a party that spends it is refused (429) alone. With ``journal`` every nonce is also appended
    to that file (mode 0600, one ``party nonce expiry`` line each), and the live ones are read
    back at start-up, so a captured request cannot be replayed after a restart.
    """

    def __init__(self, per_party: int, journal: Path | None = None, now_ms: int = 0) -> None:
        self._max = int(per_party)
        self._seen: dict[str, dict[str, int]] = {}
        self._heaps: dict[str, list[tuple[int, str]]] = {}
        self._lock = threading.Lock()
        self._journal = Path(journal) if journal is not None else None
        self._fd: int | None = None
        self._lines = 0
        if self._journal is not None:
            self._load(now_ms)
            self._rewrite()

    def _load(self, now_ms: int) -> None:
        try:
            text = self._journal.read_text(errors="replace")
        except FileNotFoundError:
            return
        for line in text.splitlines():
            parts = line.split(" ")
            if len(parts) != 3 or not parts[2].isdigit():
                continue  # a line torn by a crash
            party, nonce, exp = parts[0], parts[1], int(parts[2])
            if exp >= now_ms:
                self._remember(party, nonce, exp)

    def _remember(self, party: str, nonce: str, expires_ms: int) -> None:
        self._seen.setdefault(party, {})[nonce] = expires_ms
        heapq.heappush(self._heaps.setdefault(party, []), (expires_ms, nonce))

    def _rewrite(self) -> None:
        """Write the live nonces to a fresh journal and append to that from now on."""
        path = self._journal
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        live = [f"{p} {n} {e}\n" for p, seen in self._seen.items() for n, e in seen.items()]
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, "".join(live).encode())
        finally:
            os.close(fd)
        os.replace(tmp, path)
        if self._fd is not None:
            os.close(self._fd)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND, 0o600)
        self._lines = len(live)

    def add(self, party: str, nonce: str, expires_ms: int, now_ms: int) -> None:
        """Remember a nonce of ``party``; raises :class:`AuthError` if it was used or the budget is spent."""
        with self._lock:
            seen = self._seen.setdefault(party, {})
            if nonce in seen:
                raise AuthError("replayed_request", "this request nonce was already used")
            heap = self._heaps.setdefault(party, [])
            while heap and heap[0][0] < now_ms:
                exp, old = heapq.heappop(heap)
                if seen.get(old) == exp:
                    del seen[old]
            if len(seen) >= self._max:
                raise AuthError("busy", f"{party} has {len(seen)} requests in the replay window, its limit",
                                status=429)
            self._remember(party, nonce, expires_ms)
            if self._fd is not None:
                os.write(self._fd, f"{party} {nonce} {expires_ms}\n".encode())
                self._lines += 1
                if self._lines > max(100_000, 4 * sum(len(v) for v in self._seen.values())):
                    self._rewrite()

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class RequestVerifier:
    """Checks request signatures against the registered keys and remembers recent nonces.

    ``keys`` maps ``(party, key_id)`` to a public key; ``max_skew_ms`` bounds the clock
    difference and how long a nonce is remembered; ``nonces`` is the per-party
    :class:`NonceBook`; ``quota`` (optional) is charged once per authenticated request, before
    its nonce is stored, so a party over its quota spends neither its nonce budget nor anyone's.
    """

    def __init__(self, keys: Mapping[tuple[str, str], Any], max_skew_ms: int,
                 nonces: NonceBook | None = None, quota: Any = None) -> None:
        self._keys = dict(keys)
        self._skew = int(max_skew_ms)
        self._nonces = nonces if nonces is not None else NonceBook(200_000)
        self._quota = quota

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
        if self._quota is not None:
            wait = self._quota.take(party)
            if wait:
                raise AuthError("quota", f"{party} is over its read quota; retry in {wait:.2f} s", status=429)
        self._nonces.add(party, nonce, t + self._skew, now_ms)
        return party
