"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and verifiers.

Hashes are SHA-256: a leaf is ``SHA-256(0x00 || data)``, an inner node is
``SHA-256(0x01 || left || right)`` and the empty tree hashes to ``SHA-256("")``.

The free functions (:func:`root_hash`, :func:`inclusion_proof`, :func:`consistency_proof`)
follow the recursive definitions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 over a plain list of
leaf hashes; they cost O(n) hashes. :class:`MerkleTree` keeps every complete subtree hash, so
appends cost O(1) hashes amortised and roots and proofs, at the current size or any earlier one,
cost O(log n) (O(log² n) for proofs).

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and raise :class:`ProofError`.
Two cases the RFC algorithm leaves undefined are settled as the transparency-dev/merkle test
vectors in ``shared/testdata/rfc9162`` require:

- a consistency proof between equal sizes is the empty list, and verifies when the roots match;
- a consistency proof from size 0 is rejected: every tree extends the empty tree, so a caller
  holding an empty tree head has nothing to check and should not ask.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "HASH_SIZE", "EMPTY_ROOT", "ProofError", "MerkleTree",
    "leaf_hash", "node_hash", "root_hash", "inclusion_proof", "consistency_proof",
    "verify_inclusion", "verify_consistency",
]

HASH_SIZE = 32
"""Bytes in a SHA-256 hash."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""Root hash of the empty tree: SHA-256 of the empty string."""


class ProofError(ValueError):
    """A Merkle inclusion or consistency proof failed to verify."""


def leaf_hash(data: bytes) -> bytes:
    """Hash one log entry: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their parent: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, (bytes, bytearray)) else type(value).__name__
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, got {got}")


def _check_size(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{what} must be a non-negative integer, got {value!r}")


# --- Generation from a list (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1) -----------------------------

def _mth(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of ``hashes[start:end]`` by the recursive definition (``end > start``)."""
    n = end - start
    if n == 1:
        return bytes(hashes[start])
    k = _split(n)
    return node_hash(_mth(hashes, start, start + k), _mth(hashes, start + k, end))


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash (MTH) of a list of leaf hashes; :data:`EMPTY_ROOT` for an empty list."""
    if len(leaf_hashes) == 0:
        return EMPTY_ROOT
    return _mth(leaf_hashes, 0, len(leaf_hashes))


SubtreeHash = Callable[[int, int], bytes]


def _path(index: int, start: int, end: int, sub: SubtreeHash) -> list[bytes]:
    """PATH(index, D[start:end]), innermost sibling first."""
    proof: list[bytes] = []
    while end - start > 1:
        k = _split(end - start)
        if index < k:
            proof.append(sub(start + k, end))
            end = start + k
        else:
            proof.append(sub(start, start + k))
            start += k
            index -= k
    proof.reverse()
    return proof


def _subproof(m: int, start: int, end: int, sub: SubtreeHash) -> list[bytes]:
    """SUBPROOF(m, D[start:end], true), in RFC order."""
    proof: list[bytes] = []
    complete = True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(sub(start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append(sub(start + k, end))
            end = start + k
        else:
            proof.append(sub(start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def _check_inclusion_args(index: int, size: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise ValueError(f"leaf index {index!r} is outside a tree of size {size}")


def _check_consistency_args(old_size: int, size: int) -> None:
    if isinstance(old_size, bool) or not isinstance(old_size, int) or not 0 < old_size <= size:
        raise ValueError(f"old size {old_size!r} must be in 1..{size} for a consistency proof")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path (RFC 9162 §2.1.3.1) proving leaf ``index`` is in the tree of ``leaf_hashes``."""
    _check_inclusion_args(index, len(leaf_hashes))
    return _path(index, 0, len(leaf_hashes), lambda a, b: _mth(leaf_hashes, a, b))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof (RFC 9162 §2.1.4.1) that the first ``old_size`` leaves are a prefix.

    ``old_size`` must be in ``1..len(leaf_hashes)``; equal sizes give the empty proof.
    """
    _check_consistency_args(old_size, len(leaf_hashes))
    return _subproof(old_size, 0, len(leaf_hashes), lambda a, b: _mth(leaf_hashes, a, b))


# --- Incremental tree --------------------------------------------------------------------------

class MerkleTree:
    """An append-only RFC 9162 tree that keeps the hash of every complete subtree.

    Level ``k`` holds, packed in one ``bytearray``, the hashes of the aligned complete subtrees of
    ``2**k`` leaves (level 0 holds the leaf hashes): about ``64 * size`` bytes in all, 64 MB for a
    million leaves. Appends cost O(1) hashes amortised; ``root``, ``inclusion_proof`` and
    ``consistency_proof`` work at the current size or any earlier one in O(log² n).
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash (see :func:`leaf_hash`) and return its index."""
        if not isinstance(leaf, (bytes, bytearray)) or len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        index = self._size
        levels = self._levels
        levels[0] += leaf
        node, level = index, 0
        while node & 1:  # a right child completes its parent
            row = levels[level]
            parent = node_hash(bytes(row[-2 * HASH_SIZE:-HASH_SIZE]), bytes(row[-HASH_SIZE:]))
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += parent
            node >>= 1
        self._size = index + 1
        return index

    def append_data(self, data: bytes) -> int:
        """Hash ``data`` as a leaf, append it and return its index."""
        return self.append(leaf_hash(data))

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for leaf in leaf_hashes:
            self.append(leaf)

    def truncate(self, size: int) -> None:
        """Drop every leaf from ``size`` on (undo appends that were never committed)."""
        n = self._resolve(size)
        for level, row in enumerate(self._levels):
            del row[(n >> level) * HASH_SIZE:]
        self._size = n

    def leaf(self, index: int) -> bytes:
        """The stored hash of leaf ``index``."""
        _check_inclusion_args(index, self._size)
        return self._node(0, index)

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[level][offset:offset + HASH_SIZE])

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``; ``start`` must be aligned as in RFC 9162 recursion."""
        n = end - start
        if n & (n - 1) == 0:  # complete subtree: stored
            level = n.bit_length() - 1
            return self._node(level, start >> level)
        k = _split(n)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def _resolve(self, size: int | None) -> int:
        if size is None:
            return self._size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self._size:
            raise ValueError(f"tree size {size!r} is outside 0..{self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the first ``size`` leaves (default: all of them)."""
        n = self._resolve(size)
        if n == 0:
            return EMPTY_ROOT
        # One stored complete subtree per set bit of n, largest first; fold them from the right.
        peaks: list[bytes] = []
        start = 0
        for level in range(n.bit_length() - 1, -1, -1):
            if n >> level & 1:
                peaks.append(self._node(level, start >> level))
                start += 1 << level
        root = peaks.pop()
        while peaks:
            root = node_hash(peaks.pop(), root)
        return root

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path for leaf ``index`` in the tree of the first ``size`` leaves."""
        n = self._resolve(size)
        _check_inclusion_args(index, n)
        return _path(index, 0, n, self._subtree)

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """Proof that the tree of ``old_size`` leaves is a prefix of the tree of ``size`` leaves."""
        n = self._resolve(size)
        _check_consistency_args(old_size, n)
        return _subproof(old_size, 0, n, self._subtree)


# --- Verification (RFC 9162 §2.1.3.2, §2.1.4.2) ------------------------------------------------

def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes] | None, root: bytes,
) -> None:
    """Check that ``leaf_hash`` is leaf ``leaf_index`` of the tree of ``tree_size`` with ``root``.

    Follows RFC 9162 §2.1.3.2; ``proof=None`` is read as the empty proof. Raises
    :class:`ProofError` on any failure.
    """
    _check_size(leaf_index, "leaf index")
    _check_size(tree_size, "tree size")
    # Step 1.
    if leaf_index >= tree_size:
        raise ProofError(f"leaf index {leaf_index} is not below tree size {tree_size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    path = list(proof or ())
    for i, p in enumerate(path):
        _check_hash(p, f"proof[{i}]")
    # Steps 2-3.
    fn, sn = leaf_index, tree_size - 1
    r = bytes(leaf_hash)
    # Step 4.
    for p in path:
        if sn == 0:
            raise ProofError(f"inclusion proof is too long: {len(path)} hashes")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn != 0 and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # Step 5.
    if sn != 0:
        raise ProofError(f"inclusion proof is too short: {len(path)} hashes")
    if not hmac.compare_digest(r, bytes(root)):
        raise ProofError("inclusion proof does not lead to the given root hash")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes] | None,
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of that of ``size2`` with ``root2``.

    Follows RFC 9162 §2.1.4.2, after the two edge cases in the module docstring; ``proof=None`` is
    read as the empty proof. Raises :class:`ProofError` on any failure.
    """
    _check_size(size1, "first tree size")
    _check_size(size2, "second tree size")
    path = list(proof or ())
    if size1 > size2:
        raise ProofError(f"first tree size {size1} is larger than second tree size {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless: any tree extends it")
    if size1 == size2:
        if path:
            raise ProofError(f"trees of equal size need an empty proof, got {len(path)} hashes")
        if not hmac.compare_digest(bytes(root1), bytes(root2)):
            raise ProofError("trees of equal size have different root hashes")
        return
    # Step 1.
    if not path:
        raise ProofError("consistency proof is empty")
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    for i, c in enumerate(path):
        _check_hash(c, f"proof[{i}]")
    # Step 2.
    if size1 & (size1 - 1) == 0:
        path.insert(0, bytes(root1))
    # Step 3.
    fn, sn = size1 - 1, size2 - 1
    # Step 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = bytes(path[0])
    # Step 6.
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof is too long: {len(proof or ())} hashes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn != 0 and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise ProofError(f"consistency proof is too short: {len(proof or ())} hashes")
    if not hmac.compare_digest(fr, bytes(root1)):
        raise ProofError("consistency proof does not lead to the first root hash")
    if not hmac.compare_digest(sr, bytes(root2)):
        raise ProofError("consistency proof does not lead to the second root hash")
