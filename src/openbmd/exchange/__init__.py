"""The joint exchange centre: canonical JSON, Ed25519 signing, the RFC 9162 Merkle log, message
models, storage with the release policy, and the service.

Modules: :mod:`~openbmd.exchange.messages` (one model per kind, the signed envelope),
:mod:`~openbmd.exchange.config` (parties, keys, release policy), :mod:`~openbmd.exchange.storage`
(SQLite and PostgreSQL), :mod:`~openbmd.exchange.audit` (the start-up audit),
:mod:`~openbmd.exchange.highwater` (the signed high-water mark outside the store),
:mod:`~openbmd.exchange.quota` (per-party quotas), :mod:`~openbmd.exchange.rotation` (key
lifecycle), :mod:`~openbmd.exchange.service` (the centre without HTTP),
:mod:`~openbmd.exchange.verifier_pool` (signature checks in worker processes),
:mod:`~openbmd.exchange.app` (FastAPI), :mod:`~openbmd.exchange.client` (Python client),
:mod:`~openbmd.exchange.server` (uvicorn). The foundations are pure and stand alone:

>>> from openbmd.exchange import MerkleTree, leaf_hash, verify_inclusion
>>> tree = MerkleTree(leaf_hash(m) for m in (b"a", b"b", b"c"))
>>> verify_inclusion(1, tree.size, leaf_hash(b"b"), tree.inclusion_proof(1), tree.root())
"""

from openbmd.exchange.canonical import CanonicalizationError, canonical_json
from openbmd.exchange.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from openbmd.exchange.signing import (
    KeyFormatError,
    SignatureError,
    decode_signature,
    encode_public_key,
    encode_signature,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_bytes,
    sign,
    sign_bytes,
    verify,
    verify_bytes,
)

from openbmd.exchange.commitment import CommitmentError, check_opening, field_commitment
from openbmd.exchange.messages import BODY_MODELS, Envelope, MessageKind, example_body, sign_envelope, verify_released
from openbmd.exchange.treehead import ConsistencyProof, InclusionProof, TreeHead

__all__ = [
    "MessageKind", "BODY_MODELS", "Envelope", "sign_envelope", "verify_released", "example_body",
    "CommitmentError", "field_commitment", "check_opening",
    "TreeHead", "InclusionProof", "ConsistencyProof",
    "canonical_json", "CanonicalizationError",
    "HASH_SIZE", "EMPTY_ROOT", "ProofError", "MerkleTree",
    "leaf_hash", "node_hash", "root_hash", "inclusion_proof", "consistency_proof",
    "verify_inclusion", "verify_consistency",
    "KeyFormatError", "SignatureError", "generate_keypair", "load_private_key", "load_public_key",
    "private_key_pem", "public_key_bytes", "encode_public_key", "key_id",
    "sign", "verify", "sign_bytes", "verify_bytes", "encode_signature", "decode_signature",
]
