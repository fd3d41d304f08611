"""RFC 9162 Merkle hashing, proofs and verifiers, against the shipped transparency-dev vectors."""

import base64
import hashlib
import json
from pathlib import Path

import pytest

from openbmd.exchange.merkle import (
    EMPTY_ROOT, MerkleTree, ProofError, consistency_proof, inclusion_proof, leaf_hash, node_hash,
    root_hash, verify_consistency, verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent / "data" / "rfc9162"  # copied with its LICENSE (Apache-2.0)
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))

# The leaves of the RFC 6962 reference tests, from which the vectors' happy paths are built,
# and the roots of their prefixes (sizes 1..8).
RFC6962_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
RFC6962_ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]


def _case_id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def _load(path: Path) -> dict:
    case = json.loads(path.read_text())
    b64 = base64.b64decode
    for key in ("root", "leafHash", "root1", "root2"):
        if key in case:
            case[key] = b64(case[key])
    case["proof"] = None if case["proof"] is None else [b64(p) for p in case["proof"]]
    return case


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


# --- Shipped vectors ---------------------------------------------------------------------------

def test_vectors_are_present():
    assert VECTORS.is_dir(), f"missing test vectors at {VECTORS}"
    assert len(INCLUSION) >= 90 and len(CONSISTENCY) >= 90
    assert any(_load(p)["wantErr"] is False for p in INCLUSION)
    assert any(_load(p)["wantErr"] is False for p in CONSISTENCY)


@pytest.mark.parametrize("path", INCLUSION, ids=_case_id)
def test_inclusion_vector(path):
    c = _load(path)
    args = (c["leafIdx"], c["treeSize"], c["leafHash"], c["proof"], c["root"])
    if c["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_case_id)
def test_consistency_vector(path):
    c = _load(path)
    args = (c["size1"], c["size2"], c["root1"], c["root2"], c["proof"])
    if c["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_generator_reproduces_happy_path_vectors():
    leaves = [leaf_hash(d) for d in RFC6962_LEAVES]
    tree = MerkleTree(leaves)
    checked = 0
    for path in INCLUSION:
        c = _load(path)
        if c["wantErr"] or c["root"] not in RFC6962_ROOTS:
            continue
        size, index = c["treeSize"], c["leafIdx"]
        assert leaves[index] == c["leafHash"]
        assert root_hash(leaves[:size]) == tree.root(size) == c["root"]
        want = c["proof"] or []
        assert inclusion_proof(leaves[:size], index) == tree.inclusion_proof(index, size) == want
        checked += 1
    for path in CONSISTENCY:
        c = _load(path)
        if c["wantErr"] or c["root2"] not in RFC6962_ROOTS:
            continue
        size1, size2 = c["size1"], c["size2"]
        assert tree.root(size1) == c["root1"] and tree.root(size2) == c["root2"]
        want = c["proof"] or []
        assert consistency_proof(leaves[:size2], size1) == tree.consistency_proof(size1, size2) == want
        checked += 1
    assert checked >= 8


# --- Hashing -----------------------------------------------------------------------------------

def test_hash_definitions():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_hash([]) == EMPTY_ROOT == MerkleTree().root()
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert root_hash([a]) == a
    assert root_hash([a, b]) == node_hash(a, b)


def test_rfc6962_reference_roots():
    leaves = [leaf_hash(d) for d in RFC6962_LEAVES]
    tree = MerkleTree()
    for n, want in enumerate(RFC6962_ROOTS, start=1):
        tree.append(leaves[n - 1])
        assert root_hash(leaves[:n]) == want
        assert tree.root() == want


# --- Properties over every small tree ----------------------------------------------------------

SIZES = range(1, 71)
ALL_LEAVES = _leaves(max(SIZES))


@pytest.mark.parametrize("n", SIZES)
def test_incremental_tree_matches_list(n):
    leaves = ALL_LEAVES[:n]
    tree = MerkleTree()
    for i, leaf in enumerate(leaves):
        assert tree.append(leaf) == i
    assert tree.size == len(tree) == n
    assert tree.root() == root_hash(leaves)
    for m in range(n + 1):
        assert tree.root(m) == root_hash(leaves[:m])
    assert [tree.leaf(i) for i in range(n)] == leaves


@pytest.mark.parametrize("n", SIZES)
def test_every_inclusion_proof_verifies(n):
    leaves = ALL_LEAVES[:n]
    tree = MerkleTree(leaves)
    root = root_hash(leaves)
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        assert tree.inclusion_proof(i) == proof
        verify_inclusion(i, n, leaves[i], proof, root)
        # A wrong leaf or index, or a damaged proof, must fail. (A wrong tree size may pass:
        # the size is bound by the signed tree head, not by the proof.)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, leaf_hash(b"other"), proof, root)
        if n > 1:
            with pytest.raises(ProofError):
                verify_inclusion((i + 1) % n, n, leaves[i], proof, root)
            damaged = list(proof)
            damaged[-1] = bytes([damaged[-1][0] ^ 1]) + damaged[-1][1:]
            with pytest.raises(ProofError):
                verify_inclusion(i, n, leaves[i], damaged, root)
            with pytest.raises(ProofError):
                verify_inclusion(i, n, leaves[i], proof[:-1], root)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, leaves[i], [*proof, root], root)


@pytest.mark.parametrize("n", SIZES)
def test_every_consistency_proof_verifies(n):
    leaves = ALL_LEAVES[:n]
    tree = MerkleTree(leaves)
    root2 = root_hash(leaves)
    for m in range(1, n + 1):
        proof = consistency_proof(leaves, m)
        assert tree.consistency_proof(m) == proof
        root1 = root_hash(leaves[:m])
        verify_consistency(m, n, root1, root2, proof)
        if m < n:
            with pytest.raises(ProofError):
                verify_consistency(m, n, leaf_hash(b"other"), root2, proof)
            with pytest.raises(ProofError):
                verify_consistency(m, n, root1, leaf_hash(b"other"), proof)
            with pytest.raises(ProofError):
                verify_consistency(m, n, root1, root2, proof[:-1])


def test_proofs_at_earlier_sizes_from_incremental_tree():
    tree = MerkleTree(ALL_LEAVES)
    for size in (1, 5, 16, 33, 64):
        for index in range(0, size, 3):
            assert tree.inclusion_proof(index, size) == inclusion_proof(ALL_LEAVES[:size], index)
        for old in range(1, size + 1, 4):
            assert tree.consistency_proof(old, size) == consistency_proof(ALL_LEAVES[:size], old)


# --- Errors ------------------------------------------------------------------------------------

def test_generation_rejects_bad_arguments():
    leaves = ALL_LEAVES[:5]
    tree = MerkleTree(leaves)
    for bad in (-1, 5, True):
        with pytest.raises(ValueError):
            inclusion_proof(leaves, bad)
        with pytest.raises(ValueError):
            tree.inclusion_proof(bad)
    for bad in (0, 6):
        with pytest.raises(ValueError):
            consistency_proof(leaves, bad)
        with pytest.raises(ValueError):
            tree.consistency_proof(bad)
    with pytest.raises(ValueError):
        tree.root(6)
    with pytest.raises(ValueError):
        tree.append(b"short")
    with pytest.raises(ValueError):
        inclusion_proof([], 0)


def test_proof_error_is_value_error_with_a_message():
    leaves = ALL_LEAVES[:4]
    with pytest.raises(ValueError, match="too short"):
        verify_inclusion(0, 4, leaves[0], inclusion_proof(leaves, 0)[:1], root_hash(leaves))
    with pytest.raises(ProofError, match="32-byte"):
        verify_inclusion(0, 4, b"x", inclusion_proof(leaves, 0), root_hash(leaves))
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 4, EMPTY_ROOT, root_hash(leaves), [])
    with pytest.raises(ProofError, match="larger"):
        verify_consistency(4, 3, root_hash(leaves), root_hash(leaves[:3]), [])
    with pytest.raises(ProofError, match="non-negative"):
        verify_inclusion(-1, 4, leaves[0], [], root_hash(leaves))


def test_large_tree_appends_and_proofs_are_cheap():
    tree = MerkleTree()
    leaves = _leaves(20_000)
    for leaf in leaves:
        tree.append(leaf)
    root = tree.root()
    assert root == root_hash(leaves)
    for i in (0, 1, 9_999, 19_999):
        verify_inclusion(i, tree.size, leaves[i], tree.inclusion_proof(i), root)
    for old in (1, 4_096, 12_345, 19_999):
        verify_consistency(old, tree.size, tree.root(old), root, tree.consistency_proof(old))
