"""Signed tree heads and the JSON forms of proofs.

Hashes and signatures travel in standard padded base64, as in the RFC 9162 test vectors. A
tree head's signature covers the RFC 8785 JSON of ``{tree_size, root_hash, timestamp, key_id}``;
Ed25519 is deterministic, so a stored head re-signs to the same bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from openbmd.exchange.merkle import HASH_SIZE, ProofError, verify_consistency, verify_inclusion
from openbmd.exchange.signing import (
    PrivateKeyLike, PublicKeyLike, SignatureError, key_id, public_key_bytes, sign, verify,
)

__all__ = [
    "b64", "unb64", "TreeHead", "InclusionProof", "ConsistencyProof", "sign_tree_head",
    "verify_tree_head", "cosign_tree_head", "verify_cosignature", "check_inclusion", "check_consistency",
]


def b64(data: bytes) -> str:
    """Standard base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, size: int | None = HASH_SIZE) -> bytes:
    """Strict standard base64 decode; raises ``ValueError`` (``ProofError``) on bad input."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ProofError(f"not valid base64: {text!r}") from exc
    if size is not None and len(raw) != size:
        raise ProofError(f"expected {size} bytes, got {len(raw)}")
    return raw


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TreeHead(_Frozen):
    """A signed statement by the centre: the log had ``tree_size`` leaves with this root."""

    tree_size: Annotated[int, Field(ge=0)]
    root_hash: str = Field(description="Standard base64 of the 32-byte SHA-256 root.")
    timestamp: Annotated[int, Field(ge=0, description="Signing time, Unix ms (UTC).")]
    key_id: str = Field(description="Key id of the centre's signing key.")
    signature: str = Field(description="Ed25519 over RFC 8785 JSON of the other fields, padded base64.")

    def payload(self) -> dict[str, Any]:
        """The fields the signature covers."""
        return {"tree_size": self.tree_size, "root_hash": self.root_hash,
                "timestamp": self.timestamp, "key_id": self.key_id}


class InclusionProof(_Frozen):
    """Leaf ``leaf_index`` is in the tree of ``tree_size`` whose root is ``root_hash``."""

    leaf_index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]
    root_hash: str


class ConsistencyProof(_Frozen):
    """The tree of ``first`` leaves is a prefix of the tree of ``second`` leaves."""

    first: int
    second: int
    proof: list[str]
    first_root: str
    second_root: str


def sign_tree_head(private_key: PrivateKeyLike, tree_size: int, root: bytes, timestamp_ms: int,
                   kid: str | None = None) -> TreeHead:
    """Sign a tree head with the centre's key; ``kid`` is its key id, when the caller has it at hand."""
    from openbmd.exchange.signing import load_private_key

    sk = load_private_key(private_key)
    payload = {"tree_size": int(tree_size), "root_hash": b64(root), "timestamp": int(timestamp_ms),
               "key_id": kid or key_id(public_key_bytes(sk))}
    return TreeHead(**payload, signature=sign(sk, payload))


def verify_tree_head(public_key: PublicKeyLike | Mapping[str, PublicKeyLike], head: TreeHead) -> None:
    """Check the centre's signature on a head; raises ``SignatureError``.

    ``public_key`` is one key, or ``{key_id: key}`` of the centre's current and retired keys
    (:meth:`CentreConfig.centre_keys`), so heads signed before a rotation still verify.
    """
    if isinstance(public_key, Mapping):
        key = public_key.get(head.key_id)
        if key is None:
            raise SignatureError(f"tree head of size {head.tree_size} is signed by unknown centre key {head.key_id!r}")
        public_key = key
    verify(public_key, head.payload(), head.signature)


def cosign_tree_head(private_key: PrivateKeyLike, witness: str, head: TreeHead) -> str:
    """A witness's co-signature of a head it checked was consistent with the last one it signed:
    Ed25519 over RFC 8785 JSON of ``{witness, tree_head}`` (the head with its signature)."""
    return sign(private_key, {"witness": witness, "tree_head": head.model_dump()})


def verify_cosignature(public_key: PublicKeyLike, witness: str, head: TreeHead, cosignature: str) -> None:
    """Check a witness's co-signature; raises ``SignatureError``."""
    verify(public_key, {"witness": witness, "tree_head": head.model_dump()}, cosignature)


def check_inclusion(p: InclusionProof) -> None:
    """Verify an inclusion proof as given; raises :class:`ProofError`."""
    verify_inclusion(p.leaf_index, p.tree_size, unb64(p.leaf_hash), [unb64(h) for h in p.proof], unb64(p.root_hash))


def check_consistency(p: ConsistencyProof) -> None:
    """Verify a consistency proof as given; raises :class:`ProofError`."""
    verify_consistency(p.first, p.second, unb64(p.first_root), unb64(p.second_root), [unb64(h) for h in p.proof])
