"""A Python client for the centre: signs messages and read requests, checks what comes back.

>>> c = ExchangeClient("http://127.0.0.1:8470", "nato", private_key_pem)   # doctest: +SKIP
>>> c.submit("track_report", example_body("track_report"))                  # doctest: +SKIP
{'leaf_index': 0, 'tree_head': {...}}
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from openbmd.exchange.auth import sign_request
from openbmd.exchange.merkle import ProofError, leaf_hash
from openbmd.exchange.messages import MessageKind, sign_envelope, verify_released
from openbmd.exchange.service import wall_clock_ms
from openbmd.exchange.config import CENTRE_SENDER
from openbmd.exchange.rotation import check_announcement
from openbmd.exchange.signing import PrivateKeyLike, PublicKeyLike, SignatureError, key_id, load_private_key
from openbmd.exchange.treehead import (
    ConsistencyProof, InclusionProof, TreeHead, b64, check_consistency, check_inclusion, cosign_tree_head,
    verify_tree_head,
)
from openbmd.exchange.canonical import canonical_json

__all__ = ["ExchangeClient", "ClientError", "LogRewritten"]


class LogRewritten(ProofError):
    """Two signed heads of the centre that cannot both be true: a split view or a rewound log."""

    def __init__(self, held: TreeHead, latest: TreeHead, why: str) -> None:
        super().__init__(f"log rewritten: {why}: held head size {held.tree_size} root {held.root_hash}, "
                         f"centre's latest size {latest.tree_size} root {latest.root_hash}")
        self.held, self.latest = held, latest


class ClientError(RuntimeError):
    """The centre refused a request: ``status`` and ``code`` from its error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _code(r: httpx.Response) -> str | None:
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


class ExchangeClient:
    """One party's connection to a centre at ``base_url``.

    The sequence number starts after the centre's record of the party's last one (fetched on
    first submit) and increases by one per message. ``centre_public_key``, when given, is used
    to check every tree head returned: one key, or ``{key_id: key}`` of the current and retired
    centre keys (:meth:`CentreConfig.centre_keys`). ``party_keys`` (``{(party, key_id): public
    key}`` as :meth:`CentreConfig.signing_keys` gives, or ``{(party, key_id): (key,
    valid_before_leaf)}`` as :meth:`CentreConfig.verification_keys` gives) lets
    :meth:`verify_message` check senders' signatures, each against the key valid when logged.
    ``http`` replaces the HTTP client (tests pass a Starlette ``TestClient``); ``quota_wait_s``
    bounds how long reads over the party's quota are retried.
    """

    def __init__(self, base_url: str, party: str, private_key: PrivateKeyLike, *,
                 centre_public_key: PublicKeyLike | Mapping[str, PublicKeyLike] | None = None,
                 party_keys: Mapping[tuple[str, str], Any] | None = None,
                 clock_ms: Callable[[], int] = wall_clock_ms,
                 timeout_s: float = 30.0, http: httpx.Client | None = None, quota_wait_s: float = 30.0) -> None:
        self.party = party
        self._quota_wait_s = quota_wait_s
        self._key = load_private_key(private_key)
        self._centre_key = centre_public_key
        self._party_keys = dict(party_keys or {})
        self._clock = clock_ms
        self._seq: int | None = None
        self._lock = threading.Lock()
        self._http = http if http is not None else httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ExchangeClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------------

    def _check(self, r: httpx.Response) -> Any:
        if r.status_code >= 400:
            try:
                err = r.json()["error"]
                raise ClientError(r.status_code, err["code"], err["message"])
            except (ValueError, KeyError, TypeError):
                raise ClientError(r.status_code, "http", r.text[:200]) from None
        return r.json()

    def get(self, path: str, **params: Any) -> Any:
        """A signed GET; ``params`` with ``None`` values are left out. A read refused for the
        party's quota (429 ``quota``) is signed afresh and retried, backing off, for up to
        ``quota_wait_s`` in all."""
        query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
        target = path + ("?" + query if query else "")
        waited, pause = 0.0, 0.05
        while True:
            headers = sign_request(self._key, self.party, "GET", target, self._clock())
            r = self._http.get(target, headers=headers)
            if r.status_code != 429 or waited >= self._quota_wait_s or _code(r) != "quota":
                return self._check(r)
            time.sleep(pause)
            waited += pause
            pause = min(1.0, pause * 2)

    def _head(self, data: dict[str, Any]) -> TreeHead:
        head = TreeHead.model_validate(data)
        if self._centre_key is not None:
            verify_tree_head(self._centre_key, head)
        return head

    # --- writes ---------------------------------------------------------------------------------

    def next_sequence(self) -> int:
        """Reserve the next sequence number."""
        with self._lock:
            if self._seq is None:
                self._seq = int(self.me()["last_sequence"])
            self._seq += 1
            return self._seq

    def sign(self, kind: MessageKind | str, body: dict[str, Any]) -> dict[str, Any]:
        """A signed envelope with the next sequence number and the current time."""
        return sign_envelope(self._key, self.party, self.next_sequence(), self._clock(), kind, body)

    def submit_envelope(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Send an already signed envelope; return ``{leaf_index, tree_head}``."""
        r = self._http.post("/v1/messages", content=canonical_json(envelope),
                            headers={"content-type": "application/json"})
        receipt = self._check(r)
        self._head(receipt["tree_head"])
        return receipt

    def submit(self, kind: MessageKind | str, body: dict[str, Any]) -> dict[str, Any]:
        """Sign and send one message; return ``{leaf_index, tree_head}``."""
        return self.submit_envelope(self.sign(kind, body))

    # --- reads ----------------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return self.get("/v1/me")

    def read(self, after: int = -1, limit: int = 100, kind: str | None = None) -> dict[str, Any]:
        """``{messages, tree_size}`` released to this party after leaf ``after``."""
        return self.get("/v1/messages", after=after, limit=limit, kind=kind)

    def tree_head(self, tree_size: int | None = None) -> TreeHead:
        return self._head(self.get("/v1/tree-head", tree_size=tree_size))

    def inclusion(self, leaf_index: int, tree_size: int | None = None) -> InclusionProof:
        return InclusionProof.model_validate(self.get("/v1/proofs/inclusion", leaf_index=leaf_index,
                                                      tree_size=tree_size))

    def consistency(self, first: int, second: int | None = None) -> ConsistencyProof:
        return ConsistencyProof.model_validate(self.get("/v1/proofs/consistency", first=first, second=second))

    def decision(self, proposal_leaf_index: int) -> dict[str, Any]:
        return self.get(f"/v1/decisions/{proposal_leaf_index}")

    # --- audit ----------------------------------------------------------------------------------

    def verify_head(self, held: TreeHead, latest: TreeHead | None = None) -> TreeHead:
        """Check that a head this party holds is consistent with the centre's latest; return it.

        Raises :class:`LogRewritten` (a ``ProofError``) with both heads when they cannot both be
        true, ``SignatureError`` when the held head is not the centre's.
        """
        latest = latest or self.tree_head()
        if self._centre_key is not None:
            verify_tree_head(self._centre_key, held)
        if held.tree_size == 0:
            return latest  # the empty tree is a prefix of every tree
        if held.tree_size > latest.tree_size:
            raise LogRewritten(held, latest, "the centre now signs a shorter log than one it signed before")
        if held.tree_size == latest.tree_size:
            if held.root_hash != latest.root_hash:
                raise LogRewritten(held, latest, "two different roots for one tree size")
            return latest
        p = self.consistency(held.tree_size, latest.tree_size)
        if p.first_root != held.root_hash or p.second_root != latest.root_hash:
            raise LogRewritten(held, latest, "the centre's roots differ from the held or the latest signed head")
        try:
            check_consistency(p)
        except ProofError as exc:
            raise LogRewritten(held, latest, str(exc)) from None
        return latest

    def witness(self, previous: TreeHead | None) -> tuple[TreeHead, str]:
        """Co-sign the centre's latest head as this party, once it is shown consistent with the
        ``previous`` head this witness co-signed; raises :class:`LogRewritten` on a split view."""
        latest = self.tree_head()
        if previous is not None:
            self.verify_head(previous, latest)
        return latest, cosign_tree_head(self._key, self.party, latest)

    def heads(self, after: int = -1, limit: int = 1000) -> list[TreeHead]:
        """The stored signed heads above size ``after`` (each checked against the centre's keys)."""
        return [self._head(h) for h in self.get("/v1/tree-heads", after=after, limit=limit)["heads"]]

    def audit(self, latest: TreeHead) -> dict[str, int]:
        """Check what the centre stored against what was signed, as far as this party can see.

        Every stored head: signed by the centre, not older than the one before, consistent with
        ``latest``. Every message released to the party: the routing columns ``sender`` and
        ``kind`` equal the signed envelope's, and ``received_ms`` equals the timestamp of the
        first head that covers it. Returns ``{heads, messages}`` counted; raises ``ProofError``.
        """
        heads: list[TreeHead] = []
        while True:
            page = self.heads(heads[-1].tree_size if heads else -1)
            heads += page
            if len(page) < 1000:
                break
        for prev, h in zip([None, *heads], heads):
            if prev is not None and h.timestamp < prev.timestamp:
                raise ProofError(f"stored head of size {h.tree_size} is older than the head before it")
            if h.tree_size <= latest.tree_size:
                self.verify_head(h, latest)
        sizes = [h.tree_size for h in heads]
        n, after = 0, -1
        while True:
            msgs = self.read(after, 1000)["messages"]
            for m in msgs:
                env, i = m["envelope"], m["leaf_index"]
                for col in ("sender", "kind"):
                    if col in m and m[col] != env.get(col):
                        raise ProofError(f"leaf {i}: the centre routes it by {col} {m[col]!r}, "
                                         f"but the signed envelope says {env.get(col)!r}")
                k = bisect.bisect_right(sizes, i)
                if k == len(heads) or heads[k].timestamp != m["received_ms"]:
                    raise ProofError(f"leaf {i}: received_ms {m['received_ms']} is not the timestamp of the "
                                     "head that logged it")
                n += 1
            if len(msgs) < 1000:
                break
            after = msgs[-1]["leaf_index"]
        return {"heads": len(heads), "messages": n}

    def verify_message(self, released: dict[str, Any], head: TreeHead) -> None:
        """Check a released message, redacted or not, end to end.

        The sender's signature over the signed envelope (key from ``party_keys``), every released
        field against its commitment, and the leaf's inclusion under ``head``. Raises
        ``SignatureError``, ``CommitmentError`` or ``ProofError`` (all ``ValueError``).
        """
        env = released["envelope"]
        if env.get("sender") == CENTRE_SENDER:  # the centre's key announcement, signed by the old key
            keys = self._centre_key if isinstance(self._centre_key, Mapping) else (
                {key_id(self._centre_key): self._centre_key} if self._centre_key is not None else {})
            self._check_leaf(released, check_announcement(env, dict(keys)), head)
            return
        key = self._party_keys.get((env.get("sender"), env.get("key_id")))
        if key is None:
            raise SignatureError(f"no public key for {env.get('sender')!r} key {env.get('key_id')!r}: "
                                 "give party_keys")
        if isinstance(key, tuple):  # (key, valid_before_leaf): a retired key signs only older leaves
            key, before = key
            if before is not None and released["leaf_index"] >= before:
                raise SignatureError(f"key {env.get('key_id')!r} of {env.get('sender')!r} was retired before "
                                     f"leaf {released['leaf_index']}")
        self._check_leaf(released, verify_released(env, key, released.get("withheld_fields", ())), head)

    def _check_leaf(self, released: dict[str, Any], data: bytes, head: TreeHead) -> None:
        p = self.inclusion(released["leaf_index"], head.tree_size)
        if p.leaf_hash != b64(leaf_hash(data)) or p.root_hash != head.root_hash:
            raise ProofError("the message or root does not match the proof")
        check_inclusion(p)
