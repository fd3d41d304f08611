"""A Python client for the centre: signs messages and read requests, checks what comes back.

>>> c = ExchangeClient("http://127.0.0.1:8470", "nato", private_key_pem)   # doctest: +SKIP
>>> c.submit("track_report", example_body("track_report"))                  # doctest: +SKIP
{'leaf_index': 0, 'tree_head': {...}}
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from openbmd.exchange.auth import sign_request
from openbmd.exchange.merkle import leaf_hash
from openbmd.exchange.messages import MessageKind, sign_envelope, verify_released
from openbmd.exchange.service import wall_clock_ms
from openbmd.exchange.signing import PrivateKeyLike, PublicKeyLike, SignatureError, load_private_key
from openbmd.exchange.treehead import (
    ConsistencyProof, InclusionProof, TreeHead, b64, check_consistency, check_inclusion, verify_tree_head,
)
from openbmd.exchange.canonical import canonical_json

__all__ = ["ExchangeClient", "ClientError"]


class ClientError(RuntimeError):
    """The centre refused a request: ``status`` and ``code`` from its error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class ExchangeClient:
    """One party's connection to a centre at ``base_url``.

    The sequence number starts after the centre's record of the party's last one (fetched on
    first submit) and increases by one per message. ``centre_public_key``, when given, is used
    to check every tree head returned. ``party_keys`` (``{(party, key_id): public key}``, as
    :meth:`CentreConfig.signing_keys` gives) lets :meth:`verify_message` check senders'
    signatures. ``http`` replaces the HTTP client (tests pass a Starlette ``TestClient``).
    """

    def __init__(self, base_url: str, party: str, private_key: PrivateKeyLike, *,
                 centre_public_key: PublicKeyLike | None = None,
                 party_keys: Mapping[tuple[str, str], PublicKeyLike] | None = None,
                 clock_ms: Callable[[], int] = wall_clock_ms,
                 timeout_s: float = 30.0, http: httpx.Client | None = None) -> None:
        self.party = party
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
        """A signed GET; ``params`` with ``None`` values are left out."""
        query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
        target = path + ("?" + query if query else "")
        headers = sign_request(self._key, self.party, "GET", target, self._clock())
        return self._check(self._http.get(target, headers=headers))

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

    def verify_head(self, held: TreeHead) -> TreeHead:
        """Check that a head this party holds is consistent with the centre's latest; return it.

        Raises ``ProofError`` or ``SignatureError`` when the log was rewritten.
        """
        latest = self.tree_head()
        if self._centre_key is not None:
            verify_tree_head(self._centre_key, held)
        if held.tree_size == 0:
            return latest  # the empty tree is a prefix of every tree
        p = self.consistency(held.tree_size, latest.tree_size)
        if p.first_root != held.root_hash or p.second_root != latest.root_hash:
            from openbmd.exchange.merkle import ProofError

            raise ProofError("the centre's roots differ from the held or the latest signed head")
        check_consistency(p)
        return latest

    def verify_message(self, released: dict[str, Any], head: TreeHead) -> None:
        """Check a released message, redacted or not, end to end.

        The sender's signature over the signed envelope (key from ``party_keys``), every released
        field against its commitment, and the leaf's inclusion under ``head``. Raises
        ``SignatureError``, ``CommitmentError`` or ``ProofError`` (all ``ValueError``).
        """
        from openbmd.exchange.merkle import ProofError

        env = released["envelope"]
        key = self._party_keys.get((env.get("sender"), env.get("key_id")))
        if key is None:
            raise SignatureError(f"no public key for {env.get('sender')!r} key {env.get('key_id')!r}: "
                                 "give party_keys")
        data = verify_released(env, key, released.get("withheld_fields", ()))
        p = self.inclusion(released["leaf_index"], head.tree_size)
        if p.leaf_hash != b64(leaf_hash(data)) or p.root_hash != head.root_hash:
            raise ProofError("the message or root does not match the proof")
        check_inclusion(p)
