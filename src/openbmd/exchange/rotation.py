"""Key lifecycle: rotate the centre's key or replace a party's, without breaking what was logged.

Party key: the new key signs from now on; the old one moves to ``retired_keys`` with
``valid_before_leaf`` set to the log size at rotation, so messages logged before it keep
verifying (and only those). Centre key: the old key moves to ``retired_centre_keys``, so heads
it signed stay verifiable, and signs an *announcement* of the new key, a message of kind
``centre_key`` from sender ``centre`` in the usual envelope (its body ``{new_key_id,
new_public_key}`` committed and signed by the old key). The centre logs the announcement as the
first leaf it writes under the new key, before any head the new key signs, so every reader sees
the old key vouch for the new one in the log itself. Rotate with the centre stopped; it picks up
the new config when it starts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openbmd.errors import InputError
from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.commitment import commit_body
from openbmd.exchange.config import (
    CENTRE_KEY_FILE, CENTRE_KEY_KIND, CENTRE_SENDER, CONFIG_FILE, STATE_DIR, CentreConfig, load_centre_key,
    load_config, party_key_path, write_private_key,
)
from openbmd.exchange.highwater import HighWaterMark
from openbmd.exchange.messages import leaf_envelope, verify_released
from openbmd.exchange.signing import (
    PrivateKeyLike, SignatureError, encode_public_key, generate_keypair, key_id, load_private_key,
    public_key_bytes, sign,
)

__all__ = ["ANNOUNCEMENT_FILE", "announce_centre_key", "check_announcement", "rotate_centre_key",
           "rotate_party_key"]

ANNOUNCEMENT_FILE = "centre-key.json"
"""``DIR/state/centre-key.json``: the signed announcement waiting to be logged."""


def announce_centre_key(old_key: PrivateKeyLike, new_public_key: bytes, sequence: int, now_ms: int) -> dict[str, Any]:
    """The message by which ``old_key`` announces the centre's next key (plain JSON, signed)."""
    body = {"new_key_id": key_id(new_public_key), "new_public_key": encode_public_key(new_public_key)}
    commitments, salts = commit_body(body)
    sk = load_private_key(old_key)
    env: dict[str, Any] = {"sender": CENTRE_SENDER, "key_id": key_id(public_key_bytes(sk)), "sequence": int(sequence),
                           "timestamp": int(now_ms), "kind": CENTRE_KEY_KIND, "commitments": commitments}
    env["signature"] = sign(sk, env)
    return {**env, "body": body, "salts": salts}


def check_announcement(message: dict[str, Any], centre_keys: dict[str, Any]) -> bytes:
    """Verify an announcement against the centre key that signed it; return its leaf data.

    Raises ``SignatureError`` or ``CommitmentError`` (``ValueError``).
    """
    if message.get("sender") != CENTRE_SENDER or message.get("kind") != CENTRE_KEY_KIND:
        raise SignatureError("not a centre key announcement")
    signer = centre_keys.get(message.get("key_id"))
    if signer is None:
        raise SignatureError(f"announcement signed by unknown centre key {message.get('key_id')!r}")
    data = verify_released(message, signer, ())
    body = message.get("body", {})
    if key_id(body.get("new_public_key", "")) != body.get("new_key_id"):
        raise SignatureError("announcement: the key id does not match the announced key")
    return data


def leaf_parts(message: dict[str, Any]) -> tuple[bytes, bytes]:
    """``(leaf data, opening)`` of an announcement, as the centre stores them."""
    opened = json.dumps({"body": message["body"], "salts": message["salts"]}, separators=(",", ":")).encode()
    return canonical_json(leaf_envelope(message)), opened


def _save(data_dir: Path, cfg: dict[str, Any]) -> CentreConfig:
    new = CentreConfig.model_validate(cfg)
    (Path(data_dir) / CONFIG_FILE).write_text(new.model_dump_json(indent=2) + "\n")
    return new


def _log_size(data_dir: Path) -> int:
    head = HighWaterMark(data_dir).load()
    return head.tree_size if head is not None else 0


def rotate_party_key(data_dir: Path, party: str) -> str:
    """Give ``party`` a new key (written to ``keys/PARTY.key``); return its key id."""
    cfg = load_config(data_dir)
    if cfg.party(party) is None:
        raise InputError(f"unknown party {party!r}; known: {', '.join(p.name for p in cfg.parties)}", "party")
    pem, pub = generate_keypair()
    size = _log_size(data_dir)
    raw = cfg.model_dump(mode="json")
    for p in raw["parties"]:
        if p["name"] == party:
            p["retired_keys"] += [{"public_key": k, "valid_before_leaf": size} for k in p["public_keys"]]
            p["public_keys"] = [encode_public_key(pub)]
    _save(data_dir, raw)
    write_private_key(party_key_path(data_dir, party), pem)
    return key_id(pub)


def rotate_centre_key(data_dir: Path, now_ms: int) -> str:
    """Give the centre a new key, announced by the old one; return the new key id."""
    data_dir = Path(data_dir)
    cfg = load_config(data_dir)
    state = data_dir / STATE_DIR / ANNOUNCEMENT_FILE
    if state.exists():
        raise InputError(f"a key announcement is still waiting in {state}: start the centre once first", "data_dir")
    old = load_centre_key(data_dir)
    pem, pub = generate_keypair()
    head = HighWaterMark(data_dir).load()
    sequence = 1 + sum(1 for _ in cfg.retired_centre_keys)  # one announcement per rotation
    message = announce_centre_key(old, pub, sequence, max(now_ms, head.timestamp if head else 0))
    raw = cfg.model_dump(mode="json")
    raw["retired_centre_keys"] = [*raw["retired_centre_keys"], raw["centre_public_key"]]
    raw["centre_public_key"] = encode_public_key(pub)
    state.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private_key(state, json.dumps(message).encode())
    _save(data_dir, raw)
    write_private_key(data_dir / CENTRE_KEY_FILE, pem)
    return key_id(pub)
