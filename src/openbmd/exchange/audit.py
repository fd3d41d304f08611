"""The start-up audit: rebuild the log from what is stored and check every field the centre acts on.

Each stored column that decides routing or a decision is recomputed from signed data:

- ``leaf_hash`` from the stored envelope (the leaf data); ``sender``, ``kind``, ``sequence`` and
  ``timestamp`` from the envelope the sender signed;
- ``received_ms`` must equal the timestamp of the first signed head that covers the leaf (the
  centre writes it so), so the clock that decides whether an approval came in time is signed;
- the opening of every engagement proposal and approval (which decide joint decisions) must
  open the sender's signed commitments;
- every stored head must carry a valid centre signature (current or retired key), match the root
  of its prefix of the rebuilt tree and not go back in time; the ``senders`` table must match;
- the store must not be shorter than, or inconsistent with, the signed high-water mark kept
  outside it (:mod:`openbmd.exchange.highwater`).

Any failure is one :class:`~openbmd.exchange.storage.StorageError` line naming the leaf or head.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openbmd.exchange.commitment import CommitmentError, check_opening
from openbmd.exchange.merkle import MerkleTree, leaf_hash
from openbmd.exchange.signing import SignatureError
from openbmd.exchange.storage import Storage, StorageError
from openbmd.exchange.treehead import TreeHead, b64, verify_tree_head

__all__ = ["Recovered", "recover"]

_DECIDING = ("engagement_proposal", "engagement_approval")


@dataclass(frozen=True)
class Recovered:
    """The rebuilt state: the Merkle tree, each sender's last sequence and the latest head."""

    tree: MerkleTree
    last_sequences: dict[str, int]
    head: TreeHead | None


def _check_head(h: TreeHead, tree: MerkleTree, keys: Mapping[str, Any], prev: TreeHead | None) -> None:
    try:
        verify_tree_head(keys, h)
    except SignatureError as exc:
        raise StorageError(f"stored head of size {h.tree_size}: {exc}") from None
    if h.root_hash != b64(tree.root(h.tree_size)):
        raise StorageError(f"stored head of size {h.tree_size} does not match the stored leaves: the log was altered")
    if prev is not None and h.timestamp < prev.timestamp:
        raise StorageError(f"stored head of size {h.tree_size} is older than the head before it")


def _check_row(m: Any, index: int, received_ms: int | None) -> None:
    if m.leaf_index != index:
        raise StorageError(f"leaf {index} is missing from the store (next stored is {m.leaf_index})")
    if leaf_hash(m.envelope) != m.leaf_hash:
        raise StorageError(f"leaf {index}: the stored envelope does not hash to its leaf: the log was altered")
    env = json.loads(m.envelope)
    for col in ("sender", "kind", "sequence", "timestamp"):
        if env.get(col) != getattr(m, col):
            raise StorageError(f"leaf {index}: the {col} column differs from the signed envelope: the log was altered")
    if received_ms is None:
        raise StorageError(f"leaf {index} is not covered by any stored head")
    if m.received_ms != received_ms:
        raise StorageError(f"leaf {index}: received_ms differs from the head that logged it: the log was altered")
    if m.kind in _DECIDING:
        opened = json.loads(m.opened)
        try:
            check_opening(env["commitments"], opened["body"], opened["salts"])
        except (CommitmentError, KeyError, TypeError) as exc:
            raise StorageError(f"leaf {index}: the stored body does not open its signed commitments ({exc})") from None


def recover(storage: Storage, centre_keys: Mapping[str, Any], high_water: TreeHead | None = None,
            where: str = "the high-water mark") -> Recovered:
    """Rebuild and audit the log in ``storage``; raises :class:`StorageError` (one line).

    ``centre_keys`` is ``{key_id: public key}`` (current and retired); ``high_water`` the newest
    head signed outside the store, named ``where`` in messages.
    """
    heads = storage.heads()
    tree = MerkleTree()
    last: dict[str, int] = {}
    hi = 0  # heads[hi] is the first head not yet checked
    prev: TreeHead | None = None
    while hi < len(heads) and heads[hi].tree_size == 0:
        _check_head(heads[hi], tree, centre_keys, prev)
        prev, hi = heads[hi], hi + 1
    after = -1
    while True:
        page = storage.scan(after)
        for m in page:
            index = tree.size
            _check_row(m, index, heads[hi].timestamp if hi < len(heads) else None)
            if m.sequence <= last.get(m.sender, 0):
                raise StorageError(f"leaf {index}: sequence {m.sequence} of {m.sender} is not above its last")
            last[m.sender] = m.sequence
            tree.append(m.leaf_hash)
            while hi < len(heads) and heads[hi].tree_size == tree.size:
                _check_head(heads[hi], tree, centre_keys, prev)
                prev, hi = heads[hi], hi + 1
        if not page:
            break
        after = page[-1].leaf_index
    if hi < len(heads):
        raise StorageError(f"a stored head covers {heads[hi].tree_size} leaves but {tree.size} are stored: "
                           "the log was rewound")
    if prev is not None and prev.tree_size != tree.size:
        raise StorageError(f"{tree.size - prev.tree_size} stored leaves are not covered by a signed head")
    stored_last = storage.last_sequences()
    if stored_last != last:
        bad = sorted(p for p in set(stored_last) | set(last) if stored_last.get(p) != last.get(p))
        raise StorageError(f"the senders table disagrees with the log for {', '.join(bad)}: the log was altered")
    if high_water is not None:
        try:
            verify_tree_head(centre_keys, high_water)
        except SignatureError as exc:
            raise StorageError(f"{where}: {exc}") from None
        if high_water.tree_size > tree.size:
            raise StorageError(f"the store holds {tree.size} leaves but the centre signed a head of "
                               f"{high_water.tree_size} ({where}): the log was rewound; restore the database")
        if b64(tree.root(high_water.tree_size)) != high_water.root_hash:
            raise StorageError(f"the store is not consistent with the head of size {high_water.tree_size} "
                               f"({where}): the log was rewritten")
    return Recovered(tree, last, prev)
