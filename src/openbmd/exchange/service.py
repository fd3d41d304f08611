"""The centre's logic, without HTTP: validate, sequence, log durably, answer reads and proofs.

Write path, in order: size limit → schema → known party and key → signature → the body opens its
signed field commitments → sequence/replay and clock skew → durable write → receipt. Each step
that fails raises :class:`ExchangeError` with an HTTP status and a short code.

Group commit: request handlers validate and queue; one writer thread takes everything queued,
assigns leaf indices, signs one tree head for the batch and stores all of it in one durable
transaction; only then are the waiting requests answered. With ``group_commit=False`` every
message gets its own transaction (the naive baseline of the benchmark).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from pydantic_core import to_json

from openbmd.exchange.audit import recover
from openbmd.exchange.auth import AuthError, NonceBook, RequestVerifier
from openbmd.exchange.canonical import CanonicalizationError, canonical_json
from openbmd.exchange.commitment import CommitmentError, check_opening
from openbmd.exchange.config import CENTRE_KEY_KIND, CENTRE_SENDER, STATE_DIR, CentreConfig
from openbmd.exchange.highwater import HighWaterMark
from openbmd.exchange.merkle import leaf_hash
from openbmd.exchange.messages import MessageKind, parse_envelope, signing_payload
from openbmd.exchange.signing import (
    SignatureError, decode_signature, key_id, public_key_bytes, verify_bytes, verify_key,
)
from openbmd.exchange.quota import PartyQuota
from openbmd.exchange.storage import Storage, StorageError, StoredMessage
from openbmd.exchange.treehead import ConsistencyProof, InclusionProof, TreeHead, b64, sign_tree_head

__all__ = ["ExchangeError", "Receipt", "Decision", "Checked", "Waiter", "Centre", "check_signed", "check_batch",
           "wall_clock_ms"]


def wall_clock_ms() -> int:
    """The system clock in Unix milliseconds."""
    return time.time_ns() // 1_000_000


class ExchangeError(Exception):
    """A refused request: HTTP ``status``, machine ``code`` and a human ``message``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def to_json(self) -> dict[str, Any]:
        """The error body the API returns."""
        err: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.details is not None:
            err["details"] = self.details
        return {"error": err}


@dataclass(frozen=True)
class Receipt:
    """The answer to an accepted message: its leaf index and a signed head that includes it."""

    leaf_index: int
    tree_head: TreeHead

    head_json: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {"leaf_index": self.leaf_index, "tree_head": self.tree_head.model_dump()}

    def json_bytes(self) -> bytes:
        """The 201 body; the head's JSON is rendered once per batch."""
        head = self.head_json or json.dumps(self.tree_head.model_dump()).encode()
        return b'{"leaf_index":' + str(self.leaf_index).encode() + b',"tree_head":' + head + b"}"


class Waiter(Protocol):
    """What the writer answers a queued message through: a ``concurrent.futures.Future``, or
    anything with the same three methods (the HTTP front hands results to its event loop in
    one wake-up per batch)."""

    def done(self) -> bool: ...

    def set_result(self, result: Any) -> None: ...

    def set_exception(self, exception: BaseException) -> None: ...


@dataclass(frozen=True)
class Decision:
    """Where a joint engagement decision stands: approved once every required party approves, and
    never for a proposal with fewer distinct required parties than ``min_decision_parties``."""

    proposal_leaf_index: int
    proposal_id: str
    proposer: str
    status: str  # pending | approved | rejected | expired | invalid (fewer than min_decision_parties)
    required_parties: tuple[str, ...]
    approvals: dict[str, int]  # party -> leaf index of its approval (the proposal for the proposer)
    rejections: dict[str, int]
    expires_unix_ms: int

    def to_json(self) -> dict[str, Any]:
        return {"proposal_leaf_index": self.proposal_leaf_index, "proposal_id": self.proposal_id,
                "proposer": self.proposer, "status": self.status, "required_parties": list(self.required_parties),
                "approvals": self.approvals, "rejections": self.rejections,
                "pending": [p for p in self.required_parties if p not in self.approvals and p not in self.rejections],
                "expires_unix_ms": self.expires_unix_ms}


def _schema_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(x) for x in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()[:20]]


@dataclass(frozen=True)
class Checked:
    """A message through the stateless checks: the fields the centre needs and the leaf.

    ``envelope`` is the leaf data (RFC 8785 signed envelope), ``opened`` the compact JSON of
    ``{body, salts}``; ``approval`` is ``(proposal_leaf_index, proposal_id)`` for an engagement
    approval.
    """

    sender: str
    kind: str
    sequence: int
    timestamp: int
    envelope: bytes
    opened: bytes
    leaf_hash: bytes
    approval: tuple[int, str] | None = None
    required: tuple[str, ...] | None = None




def check_signed(data: bytes, keys: Mapping[tuple[str, str], Any], max_body_bytes: int) -> Checked:
    """The stateless part of the write path: size, schema, known party and key, signature, and
    the opening of every signed field commitment.

    ``keys`` maps ``(party, key_id)`` to a public key. Pure, so it can run in another process.
    Raises :class:`ExchangeError`.
    """
    if len(data) > max_body_bytes:
        raise ExchangeError(413, "too_large", f"message body is {len(data)} bytes; the limit is {max_body_bytes}")
    try:
        env, raw = parse_envelope(data)
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            raise ExchangeError(400, "bad_json", f"body is not JSON: {first.get('msg')}") from None
        raise ExchangeError(422, "schema", "message does not match the schema", _schema_details(exc)) from None
    except ValueError as exc:
        raise ExchangeError(400, "bad_json", f"body is not a JSON object: {exc}") from None
    except RecursionError:
        raise ExchangeError(400, "bad_json", "body is nested too deeply") from None
    key = keys.get((env.sender, env.key_id))
    if key is None:
        if not any(p == env.sender for p, _ in keys):
            raise ExchangeError(401, "unknown_party", f"party {env.sender!r} is not registered with the centre")
        raise ExchangeError(401, "unknown_key", f"key {env.key_id!r} is not registered for party {env.sender!r}")
    try:
        payload = canonical_json(signing_payload(raw))
    except CanonicalizationError as exc:
        raise ExchangeError(422, "schema", f"message has no canonical JSON form: {exc}") from None
    try:
        verify_bytes(key, payload, decode_signature(env.signature))
    except SignatureError as exc:
        raise ExchangeError(401, "bad_signature", f"signature: {exc}") from None
    try:
        check_opening(raw["commitments"], raw["body"], raw["salts"])
    except CommitmentError as exc:
        raise ExchangeError(401, "bad_commitment", f"commitment: {exc}", {"field": exc.field}) from None
    # The leaf is the canonical JSON of the signed envelope: the signature slots in before
    # "timestamp", the last key in RFC 8785 order.
    cut = payload.rindex(b',"timestamp":')
    envelope = payload[:cut] + b',"signature":"' + env.signature.encode() + b'"' + payload[cut:]
    # Compact JSON (the opening is stored, never hashed, so it need not be canonical).
    opened = to_json({"body": raw["body"], "salts": raw["salts"]})
    approval = required = None
    if env.kind == MessageKind.ENGAGEMENT_APPROVAL.value:
        approval = (env.body.proposal_leaf_index, env.body.proposal_id)
    elif env.kind == MessageKind.ENGAGEMENT_PROPOSAL.value:
        required = tuple(env.body.required_parties)
    return Checked(env.sender, env.kind, env.sequence, env.timestamp, envelope, opened, leaf_hash(envelope),
                   approval, required)


_LOADED_KEYS: dict[bytes, Any] = {}
"""Verification keys (:func:`verify_key`) by raw key, kept by a verifier process across batches."""


def _public_key(raw: bytes) -> Any:
    key = _LOADED_KEYS.get(raw)
    if key is None:
        key = _LOADED_KEYS[raw] = verify_key(raw)
    return key


def check_batch(items: list[bytes], keys: Mapping[tuple[str, str], bytes], max_body_bytes: int) -> list[Checked | tuple]:
    """:func:`check_signed` over a batch, for a verifier process; ``keys`` holds raw public keys.

    Errors come back as ``(status, code, message, details)`` tuples, which pickle plainly.
    """
    loaded = {k: _public_key(v) for k, v in keys.items()}
    out: list[Checked | tuple] = []
    for data in items:
        try:
            out.append(check_signed(data, loaded, max_body_bytes))
        except ExchangeError as exc:
            out.append((exc.status, exc.code, exc.message, exc.details))
        except Exception as exc:  # one bad message must not sink its batch-mates
            out.append((500, "internal", f"{type(exc).__name__} while checking the message", None))
    return out


class Centre:
    """The exchange centre over one :class:`Storage`.

    ``centre_key`` signs tree heads; ``clock_ms`` gives Unix milliseconds (injectable for tests);
    ``max_batch`` caps a group commit. Opening recovers the Merkle tree from storage and checks
    it against the last signed head.
    """

    def __init__(self, config: CentreConfig, storage: Storage, centre_key: Any, *,
                 clock_ms: Callable[[], int] = wall_clock_ms, group_commit: bool = True,
                 max_batch: int = 1024, data_dir: Path | None = None) -> None:
        from openbmd.exchange.signing import load_private_key

        self.config = config
        self.storage = storage
        self._key = load_private_key(centre_key)
        if public_key_bytes(self._key) != public_key_bytes(config.centre_public_key):
            raise StorageError("the centre key does not match centre_public_key in the config")
        self._key_id = key_id(public_key_bytes(self._key))
        self._clock = clock_ms
        self._max_batch = max_batch if group_commit else 1
        self._keys = {pk: verify_key(k) for pk, k in config.signing_keys().items()}
        limits = config.limits
        self._write_quota = PartyQuota(limits.writes_per_s, limits.burst_s)
        self._high_water = HighWaterMark(data_dir) if data_dir is not None else None
        mark = self._high_water.load() if self._high_water is not None else None
        got = recover(storage, config.centre_keys(), mark,
                      f"{self._high_water.dir}" if self._high_water is not None else "")
        self._tree, self._last_seq = got.tree, got.last_sequences
        head = got.head
        if head is None:
            head = sign_tree_head(self._key, 0, self._tree.root(), self._clock())
            storage.append([], head)
        self._head = head
        if head.key_id != key_id(public_key_bytes(self._key)):
            self._log_announcement(data_dir)
        if self._high_water is not None:
            self._high_water.store(self._head)
        self._resync_needed = False
        self._reconnects = storage.reconnected
        state = Path(data_dir) / STATE_DIR if data_dir is not None else None
        self._nonces = NonceBook(limits.nonces_per_party, state / "nonces.log" if state else None, clock_ms())
        self.verifier = RequestVerifier(self._keys, limits.max_skew_ms, self._nonces,
                                        PartyQuota(limits.reads_per_s, limits.burst_s))
        self._queue: queue.SimpleQueue[tuple[Checked, Waiter] | list[tuple[Checked, Waiter]] | None] = \
            queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="exchange-writer", daemon=True)
        self._closed = False
        self._writer.start()

    def _log_announcement(self, data_dir: Path | None) -> None:
        """Log the old key's announcement of the current centre key before it signs any head."""
        from openbmd.exchange.rotation import ANNOUNCEMENT_FILE, check_announcement, leaf_parts

        old, new = self._head.key_id, key_id(public_key_bytes(self._key))
        path = Path(data_dir) / STATE_DIR / ANNOUNCEMENT_FILE if data_dir is not None else None
        try:
            message = json.loads(path.read_bytes()) if path is not None else None
            check_announcement(message, self.config.centre_keys())
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise StorageError(f"the log's last head is signed by centre key {old} but the centre key is now {new}, "
                               f"with no valid announcement ({exc}): rotate with `openbmd keys rotate`") from None
        body = message["body"]
        if message["key_id"] != old or body["new_key_id"] != new:
            raise StorageError(f"the waiting announcement hands key {message['key_id']} to {body['new_key_id']}, "
                               f"but the log's last head is signed by {old} and the centre key is {new}")
        envelope, opened = leaf_parts(message)
        now = max(self._clock(), self._head.timestamp)
        leaf = leaf_hash(envelope)
        row = StoredMessage(self._tree.size, CENTRE_SENDER, CENTRE_KEY_KIND, message["sequence"], message["timestamp"],
                            now, envelope, opened, leaf)
        self._tree.append(leaf)
        head = sign_tree_head(self._key, self._tree.size, self._tree.root(), now)
        try:
            self.storage.append([row], head)
        except BaseException:
            self._tree.truncate(row.leaf_index)
            raise
        self._last_seq[CENTRE_SENDER] = message["sequence"]
        self._head = head
        path.unlink()

    def ready(self) -> bool:
        """Whether a write could succeed now: open, and storage holding its connection and lock."""
        return not self._closed and self._writer.is_alive() and self.storage.ready()

    # --- write path ---------------------------------------------------------------------------

    def check_size(self, content_length: int | None) -> None:
        """413 when a declared or actual body is over the limit."""
        limit = self.config.limits.max_body_bytes
        if content_length is not None and content_length > limit:
            raise ExchangeError(413, "too_large", f"message body is {content_length} bytes; the limit is {limit}")

    def validate(self, data: bytes) -> Checked:
        """Run every check up to the durable write; return the message as it would be queued."""
        return self.admit(check_signed(data, self._keys, self.config.limits.max_body_bytes))

    def admit(self, checked: "Checked | tuple") -> Checked:
        """The checks that need the centre's state, after :func:`check_signed`: sequence and
        replay, clock skew, and for approvals the proposal they answer."""
        if isinstance(checked, tuple):  # an error carried back from a verifier process
            raise ExchangeError(*checked)
        last = self._last_seq.get(checked.sender, 0)
        if checked.sequence <= last:
            raise ExchangeError(409, "replayed_sequence",
                                f"sequence {checked.sequence} is not above {checked.sender}'s last accepted {last}",
                                {"last_sequence": last})
        now = self._clock()
        skew = self.config.limits.max_skew_ms
        if checked.timestamp < now - skew:
            raise ExchangeError(422, "stale_timestamp", f"timestamp is {(now - checked.timestamp) / 1000:.1f} s "
                                                        f"old; the bound is {skew / 1000:.0f} s")
        if checked.timestamp > now + skew:
            raise ExchangeError(422, "future_timestamp", f"timestamp is {(checked.timestamp - now) / 1000:.1f} s "
                                                         f"ahead; the bound is {skew / 1000:.0f} s")
        if checked.required is not None and len(checked.required) < self.config.min_decision_parties:
            raise ExchangeError(422, "unilateral_proposal",
                                f"required_parties lists {len(checked.required)} party; a joint decision needs at "
                                f"least {self.config.min_decision_parties} (min_decision_parties)")
        if checked.approval is not None:
            self._check_approval(checked.sender, *checked.approval)
        wait = self._write_quota.take(checked.sender)
        if wait:
            raise ExchangeError(429, "quota", f"{checked.sender} is over its write quota; retry in {wait:.2f} s",
                                {"retry_after_s": round(wait, 3)})
        return checked

    def submit_checked(self, checked: "Checked | tuple", waiter: Waiter | None = None) -> Waiter:
        """Queue a message already through :func:`check_signed` (e.g. in a verifier process).

        Returns ``waiter`` (a new ``Future`` by default), which gets the :class:`Receipt` once
        the message is durable, or the :class:`ExchangeError` that refused it.
        """
        if self._closed:
            raise ExchangeError(503, "closing", "the centre is shutting down")
        future = waiter if waiter is not None else Future()
        self._queue.put((self.admit(checked), future))
        return future

    @property
    def public_keys(self) -> dict[tuple[str, str], bytes]:
        """``{(party, key_id): raw public key}``, for verifier processes."""
        return {k: public_key_bytes(v) for k, v in self._keys.items()}

    def _check_approval(self, sender: str, idx: int, proposal_id: str) -> None:
        m = self.storage.message(idx) if idx < self._head.tree_size else None
        if m is None or m.kind != MessageKind.ENGAGEMENT_PROPOSAL.value:
            raise ExchangeError(422, "bad_approval", f"leaf {idx} is not an engagement proposal in the log")
        body = m.body()
        if body["proposal_id"] != proposal_id:
            raise ExchangeError(422, "bad_approval", f"leaf {idx} is proposal {body['proposal_id']!r}, "
                                                     f"not {proposal_id!r}")
        if sender not in body["required_parties"]:
            raise ExchangeError(403, "not_required", f"{sender} is not a required party of {body['proposal_id']}")
        if not self.storage.released(sender, self.config.release, leaf_index=idx, after=idx - 1):
            raise ExchangeError(403, "not_released", f"proposal {idx} was not released to {sender}")

    def submit(self, data: bytes, waiter: Waiter | None = None) -> Waiter:
        """Validate and queue one message; the future resolves to a :class:`Receipt` once durable."""
        if self._closed:
            raise ExchangeError(503, "closing", "the centre is shutting down")
        return self.submit_checked(check_signed(data, self._keys, self.config.limits.max_body_bytes), waiter)

    def submit_wait(self, data: bytes, timeout_s: float = 30.0) -> Receipt:
        """Submit and wait for the durable receipt (synchronous callers and tests)."""
        future: Future = Future()
        self.submit(data, future)
        return future.result(timeout_s)

    def enqueue(self, admitted: list[tuple[Checked, Waiter]]) -> None:
        """Queue messages already through :meth:`admit`, as one hand-off: the writer wakes once
        for all of them, so they share a commit rather than the first going alone."""
        if self._closed:
            raise ExchangeError(503, "closing", "the centre is shutting down")
        if admitted:
            self._queue.put(admitted)

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = list(item) if type(item) is list else [item]
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                if type(nxt) is list:
                    batch += nxt
                else:
                    batch.append(nxt)
            for i in range(0, len(batch), self._max_batch):
                part = batch[i:i + self._max_batch]
                try:
                    self._commit(part)
                except BaseException as exc:  # never leave a waiter hanging
                    for _, future in part:
                        if not future.done():
                            future.set_exception(ExchangeError(503, "storage", f"write failed: {exc}"))

    def _resync(self) -> None:
        """After a failed write or a reconnection: re-take the storage's lock, and if the store
        moved on without us (a commit whose answer was lost, or another writer while we held no
        lock) rebuild the log from it, audited, before writing again."""
        self.storage.prepare_write()
        latest = self.storage.latest_head()
        if latest != self._head:
            got = recover(self.storage, self.config.centre_keys(), self._head, "the centre's last head")
            self._tree, self._last_seq, self._head = got.tree, got.last_sequences, got.head or self._head
            if self._high_water is not None:
                self._high_water.store(self._head)
        self._reconnects = self.storage.reconnected
        self._resync_needed = False

    def _commit(self, batch: list[tuple[Checked, Waiter]]) -> None:
        if self._resync_needed or self.storage.reconnected != self._reconnects:
            self._resync()
        tree = self._tree
        base = tree.size
        last = dict(self._last_seq)
        rows, waiting = [], []
        now = max(self._clock(), self._head.timestamp)  # a leaf's received_ms is its head's timestamp
        for p, future in batch:
            prev = last.get(p.sender, 0)
            if p.sequence <= prev:
                future.set_exception(ExchangeError(
                    409, "replayed_sequence", f"sequence {p.sequence} is not above {p.sender}'s last accepted {prev}",
                    {"last_sequence": prev}))
                continue
            last[p.sender] = p.sequence
            idx = tree.append(p.leaf_hash)
            rows.append(StoredMessage(idx, p.sender, p.kind, p.sequence, p.timestamp, now, p.envelope, p.opened,
                                      p.leaf_hash))
            waiting.append(future)
        if not rows:
            return
        head = sign_tree_head(self._key, tree.size, tree.root(), now, self._key_id)
        try:
            self.storage.append(rows, head)
        except BaseException:
            tree.truncate(base)
            self._resync_needed = True
            raise
        self._last_seq = last
        self._head = head
        head_json = json.dumps(head.model_dump()).encode()
        if self._high_water is not None:
            self._high_water.store(head, head_json)
        for future, row in zip(waiting, rows):
            future.set_result(Receipt(row.leaf_index, head, head_json))

    def close(self) -> None:
        """Finish queued writes, stop the writer and close storage."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._writer.join(timeout=30)
        self._nonces.close()
        if self._high_water is not None:
            self._high_water.close()
        self.storage.close()

    # --- read path ----------------------------------------------------------------------------

    def authenticate(self, method: str, target: str, headers: Mapping[str, str | None]) -> str:
        """The party behind a signed read request; raises :class:`ExchangeError` (401/403)."""
        try:
            return self.verifier.verify(method, target, headers, self._clock())
        except AuthError as exc:
            raise ExchangeError(exc.status, exc.code, str(exc)) from None

    def tree_head(self, tree_size: int | None = None) -> TreeHead:
        """The latest signed head, or the stored head of ``tree_size``."""
        if tree_size is None:
            return self._head
        head = self.storage.head(tree_size)
        if head is None:
            raise ExchangeError(404, "no_such_head", f"the centre never signed a head of size {tree_size}")
        return head

    def heads(self, after: int = -1, limit: int = 1000) -> list[TreeHead]:
        """Stored signed heads of size above ``after``, by size, at most ``limit`` (capped)."""
        return self.storage.heads(after, max(1, min(limit, self.config.limits.max_read_limit)))

    def last_sequence(self, party: str) -> int:
        """The last sequence accepted from ``party`` (0 if none)."""
        return self._last_seq.get(party, 0)

    def read(self, reader: str, after: int = -1, limit: int = 100, kind: str | None = None) -> list[dict[str, Any]]:
        """Messages released to ``reader`` after leaf ``after``, at most ``limit`` (capped)."""
        if kind is not None and kind != CENTRE_KEY_KIND and kind not in {k.value for k in MessageKind}:
            raise ExchangeError(422, "schema", f"unknown kind {kind!r}")
        limit = max(0, min(limit, self.config.limits.max_read_limit))
        return [m.to_json() for m in self.storage.released(reader, self.config.release, after, limit, kind)]

    def read_one(self, reader: str, leaf_index: int) -> dict[str, Any]:
        """One message, if released to ``reader``."""
        got = self.storage.released(reader, self.config.release, after=leaf_index - 1, limit=1, leaf_index=leaf_index)
        if not got:
            raise ExchangeError(404, "not_found", f"no message {leaf_index} released to {reader}")
        return got[0].to_json()

    def _size(self, tree_size: int | None) -> int:
        size = self._head.tree_size
        if tree_size is None:
            return size
        if not 0 <= tree_size <= size:
            raise ExchangeError(400, "bad_size", f"tree size {tree_size} is outside 0..{size}")
        return tree_size

    def inclusion(self, reader: str, leaf_index: int, tree_size: int | None = None) -> InclusionProof:
        """Inclusion proof for a leaf released to ``reader`` in the tree of ``tree_size`` leaves."""
        size = self._size(tree_size)
        if not 0 <= leaf_index < size:
            raise ExchangeError(400, "bad_leaf", f"leaf {leaf_index} is outside a tree of size {size}")
        if not self.storage.released(reader, self.config.release, after=leaf_index - 1, limit=1, leaf_index=leaf_index):
            raise ExchangeError(403, "not_released", f"leaf {leaf_index} was not released to {reader}")
        t = self._tree
        return InclusionProof(leaf_index=leaf_index, tree_size=size, leaf_hash=b64(t.leaf(leaf_index)),
                              proof=[b64(h) for h in t.inclusion_proof(leaf_index, size)], root_hash=b64(t.root(size)))

    def consistency(self, first: int, second: int | None = None) -> ConsistencyProof:
        """Consistency proof between two tree sizes (``first`` >= 1)."""
        second = self._size(second)
        if not 1 <= first <= second:
            raise ExchangeError(400, "bad_size", f"first size must be in 1..{second}; an empty tree is consistent "
                                                 "with every tree and needs no proof")
        t = self._tree
        return ConsistencyProof(first=first, second=second, proof=[b64(h) for h in t.consistency_proof(first, second)],
                                first_root=b64(t.root(first)), second_root=b64(t.root(second)))

    def picture(self, reader: str, at_unix_ms: int | None = None, max_reports: int = 20_000) -> dict[str, Any]:
        """The fused picture built only from the track reports released to ``reader``.

        Reads at most the latest ``max_reports`` released track reports.
        """
        from openbmd.exchange.picture import fused_picture

        kind = MessageKind.TRACK_REPORT.value
        after, got = -1, []
        page_size = self.config.limits.max_read_limit
        while True:
            page = self.storage.released(reader, self.config.release, after, page_size, kind)
            got += [m.to_json() for m in page]
            got = got[-max_reports:]
            if len(page) < page_size:
                break
            after = page[-1].leaf_index
        out = fused_picture(got, at_unix_ms)
        out["tree_size"] = self._head.tree_size
        return out

    def decision(self, reader: str, proposal_leaf_index: int) -> Decision:
        """The joint decision on a proposal released to ``reader``.

        Counts the signed approvals of the required parties (the centre's own view, so every
        required party sees the same status); returns party names and leaf indices only.
        """
        got = self.storage.released(reader, self.config.release, after=proposal_leaf_index - 1, limit=1,
                                    kind=MessageKind.ENGAGEMENT_PROPOSAL.value, leaf_index=proposal_leaf_index)
        if not got:
            raise ExchangeError(404, "not_found", f"no engagement proposal {proposal_leaf_index} released to {reader}")
        m = self.storage.message(proposal_leaf_index)
        assert m is not None
        body = m.body()
        required = tuple(body["required_parties"])
        approvals: dict[str, int] = {}
        rejections: dict[str, int] = {}
        if m.sender in required:
            approvals[m.sender] = proposal_leaf_index
        for a in self.storage.approvals(proposal_leaf_index, [p.name for p in self.config.parties]):
            if a.sender not in required or a.sender in approvals or a.sender in rejections:
                continue
            if a.received_ms > body["expires_unix_ms"]:
                continue
            (approvals if a.body()["decision"] == "approve" else rejections)[a.sender] = a.leaf_index
        if len(required) < self.config.min_decision_parties:
            status = "invalid"  # logged before the rule, or the rule was raised since: never joint
        elif rejections:
            status = "rejected"
        elif all(p in approvals for p in required):
            status = "approved"
        elif self._clock() > body["expires_unix_ms"]:
            status = "expired"
        else:
            status = "pending"
        return Decision(proposal_leaf_index, body["proposal_id"], m.sender, status, required,
                        approvals, rejections, body["expires_unix_ms"])
