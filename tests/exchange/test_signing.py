"""Ed25519 signing over canonical JSON."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.signing import (
    KeyFormatError, SignatureError, decode_signature, encode_public_key, generate_keypair, key_id,
    load_private_key, load_public_key, private_key_pem, public_key_bytes, sign, sign_bytes, verify,
    verify_bytes,
)

# RFC 8032 §7.1, tests 1 and 2.
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]

PAYLOAD = {
    "kind": "track_report", "sender": "nato", "seq": 42, "time": "2030-01-01T00:00:00Z",
    "r_ecef_m": [4.2e6, 1.1e6, 4.7e6], "quality": 0.93,
}


@pytest.fixture(scope="module")
def keys():
    return generate_keypair()


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=["test1", "test2"])
def test_rfc8032_vectors(seed, public, message, signature):
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))
    assert public_key_bytes(key) == bytes.fromhex(public)
    assert sign_bytes(key, bytes.fromhex(message)) == bytes.fromhex(signature)
    assert sign_bytes(bytes.fromhex(seed), bytes.fromhex(message)) == bytes.fromhex(signature)
    verify_bytes(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))
    with pytest.raises(SignatureError):
        verify_bytes(bytes.fromhex(public), b"x" + bytes.fromhex(message), bytes.fromhex(signature))


def test_round_trip(keys):
    private_pem, public = keys
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert len(public) == 32
    signature = sign(private_pem, PAYLOAD)
    assert len(signature) == 88 and signature.endswith("==")  # padded base64, as in the RFC 9162 vectors
    verify(public, PAYLOAD, signature)
    # Key order does not matter: the signature covers the canonical form.
    verify(public, dict(reversed(list(PAYLOAD.items()))), signature)
    verify(encode_public_key(public), PAYLOAD, signature)
    verify(load_public_key(public), PAYLOAD, signature)
    # The high-level signature is the low-level one over the canonical bytes.
    assert decode_signature(signature) == sign_bytes(private_pem, canonical_json(PAYLOAD))


def test_tampered_payload_is_rejected(keys):
    private_pem, public = keys
    signature = sign(private_pem, PAYLOAD)
    for change in ({"seq": 43}, {"quality": 0.94}, {"sender": "russia"}, {"extra": None}):
        with pytest.raises(SignatureError):
            verify(public, {**PAYLOAD, **change}, signature)
    with pytest.raises(SignatureError):
        verify(public, {k: v for k, v in PAYLOAD.items() if k != "time"}, signature)


def test_wrong_key_is_rejected(keys):
    private_pem, _ = keys
    _, other_public = generate_keypair()
    with pytest.raises(SignatureError, match="does not verify"):
        verify(other_public, PAYLOAD, sign(private_pem, PAYLOAD))


def test_a_small_order_key_verifies_nothing():
    """The identity point as a public key with R = identity, S = 0 satisfies the cofactorless
    equation [S]B = R + [k]A for every message: OpenSSL's Ed25519 accepts it, libsodium (ours)
    refuses small-order keys and R points, so a party registered with such a key cannot be forged."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    identity = bytes([1]) + bytes(31)
    forged = identity + bytes(32)
    for message in (b"", b"any message at all"):
        Ed25519PublicKey.from_public_bytes(identity).verify(forged, message)  # OpenSSL: accepted
        with pytest.raises(SignatureError, match="does not verify"):
            verify_bytes(identity, message, forged)


def test_malformed_signatures_are_rejected(keys):
    private_pem, public = keys
    signature = sign(private_pem, PAYLOAD)
    raw = decode_signature(signature)
    flipped = base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode()
    bad = [
        "", "not base64!", signature[:-1], signature + "A", signature.rstrip("="), signature + "==",
        "-" + signature[1:], "_" + signature[1:],  # base64url alphabet, not standard
        base64.b64encode(raw[:63]).decode(),
        flipped, b"bytes-not-str", None,
    ]
    for sig in bad:
        with pytest.raises(SignatureError):
            verify(public, PAYLOAD, sig)
    with pytest.raises(SignatureError):
        verify_bytes(public, canonical_json(PAYLOAD), raw[:32])


def test_unserialisable_payload_is_a_signature_error(keys):
    private_pem, public = keys
    with pytest.raises(SignatureError, match="canonical"):
        verify(public, {"x": float("nan")}, sign(private_pem, PAYLOAD))
    with pytest.raises(ValueError):
        sign(private_pem, {"x": 2**60})


def test_key_formats_and_key_id(keys):
    private_pem, public = keys
    private = load_private_key(private_pem)
    assert private_key_pem(private) == private_pem
    assert public_key_bytes(private) == public
    text = encode_public_key(public)
    assert len(text) == 44 and base64.b64decode(text) == public
    assert public_key_bytes(text) == public
    kid = key_id(public)
    assert len(kid) == 16 and int(kid, 16) >= 0
    assert key_id(text) == key_id(private) == kid
    rfc_pub = bytes.fromhex(RFC8032[0][1])
    assert key_id(rfc_pub) == hashlib.sha256(rfc_pub).hexdigest()[:16]
    for bad in ("not base64", base64.b64encode(b"short").decode(), b"garbage" * 10, 123):
        with pytest.raises(KeyFormatError):
            load_public_key(bad)
    for bad in (b"garbage" * 10, "a string"):
        with pytest.raises(KeyFormatError):
            load_private_key(bad)
    assert issubclass(KeyFormatError, ValueError) and issubclass(SignatureError, ValueError)
