"""The centre's configuration: parties and their keys, the release policy, limits.

A data directory made by :func:`init_data_dir` holds::

    DIR/centre.json          CentreConfig (parties, public keys, release policy, limits)
    DIR/keys/centre.key      the centre's Ed25519 private key (signs tree heads), mode 0600
    DIR/keys/PARTY.key       each party's private key (a demo convenience: in a real centre
                             each party keeps its own), mode 0600
    DIR/exchange.sqlite3     the default SQLite database (made by ``serve``), mode 0600
    DIR/state/               the signed high-water mark (head-a/b.json), the request-nonce
                             journal (nonces.log) and a pending centre-key announcement, 0600

The release policy reads as "SENDER releases KIND to RECIPIENT, minus these fields"::

    "release": {"parity": true,
                "rules": [{"sender": "nato", "recipient": "russia", "kind": "track_report",
                           "omit_fields": ["covariance_si"]}]}

With ``parity`` on, a party receives a kind from a partner only if its own rules also release
that kind to that partner ("supplies" is read from the agreed rules, not from traffic, so the
answer does not change with who happened to send what). A sender always sees its own messages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from openbmd.errors import InputError
from openbmd.exchange.messages import BODY_MODELS, MessageKind, Name
from openbmd.exchange.signing import (
    KeyFormatError, encode_public_key, generate_keypair, key_id, load_private_key, load_public_key,
)

__all__ = [
    "PartyConfig", "ReleaseRule", "ReleasePolicy", "Limits", "CentreConfig",
    "RetiredKey", "CONFIG_FILE", "CENTRE_KEY_FILE", "CENTRE_SENDER", "CENTRE_KEY_KIND", "STATE_DIR",
    "private_file", "init_data_dir", "load_config", "party_key_path",
    "write_private_key",
]

CONFIG_FILE = "centre.json"
CENTRE_SENDER = "centre"
"""The sender name of the centre's own log entries (key announcements); no party may use it."""
CENTRE_KEY_KIND = "centre_key"
"""The kind of the centre's key announcements (:mod:`openbmd.exchange.rotation`), released to all."""
CENTRE_KEY_FILE = "keys/centre.key"
STATE_DIR = "state"
"""``DIR/state``: the signed high-water mark and the nonce journal, kept outside the database."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_key(k: str) -> str:
    try:
        load_public_key(k)
    except KeyFormatError as exc:
        raise ValueError(str(exc)) from exc
    return k


class RetiredKey(_Frozen):
    """A key that no longer signs: messages at leaf indices below ``valid_before_leaf`` (the tree
    size when it was retired) still verify against it."""

    public_key: str
    valid_before_leaf: Annotated[int, Field(ge=0)]

    @field_validator("public_key")
    @classmethod
    def _key(cls, k: str) -> str:
        return _check_key(k)


class PartyConfig(_Frozen):
    """A party and the Ed25519 public keys (standard base64 of the raw 32 bytes) it signs with;
    ``retired_keys`` only verify what was logged while they were valid."""

    name: Name
    public_keys: Annotated[list[str], Field(min_length=1)]
    retired_keys: list[RetiredKey] = []

    @field_validator("public_keys")
    @classmethod
    def _keys(cls, keys: list[str]) -> list[str]:
        return [_check_key(k) for k in keys]

    def key_ids(self) -> dict[str, str]:
        """``{key_id: base64 public key}``."""
        return {key_id(k): k for k in self.public_keys}


class ReleaseRule(_Frozen):
    """``sender`` releases ``kind`` to ``recipient``, without the top-level body fields listed."""

    sender: Name
    recipient: Name
    kind: MessageKind
    omit_fields: list[str] = []

    @model_validator(mode="after")
    def _fields(self) -> "ReleaseRule":
        known = set(BODY_MODELS[self.kind].model_fields)
        bad = [f for f in self.omit_fields if f not in known]
        if bad:
            raise ValueError(f"{self.kind.value} has no field {bad[0]!r}; fields: {sorted(known)}")
        if self.sender == self.recipient:
            raise ValueError("a sender always sees its own messages; no rule is needed")
        return self


class ReleasePolicy(_Frozen):
    """Who may see what: a list of rules plus the parity option."""

    parity: bool = False
    rules: list[ReleaseRule] = []
    _memo: dict[str, dict[tuple[str, str], tuple[str, ...]]] = PrivateAttr(default_factory=dict)

    def released(self, recipient: str) -> dict[tuple[str, str], tuple[str, ...]]:
        """``{(sender, kind): omitted fields}`` for everything released to ``recipient``.

        This is the single place where rules and parity are resolved; the storage query applies
        its result. The recipient's own messages are always included, in full. The policy is
        immutable, so each recipient's answer is worked out once. The centre's key announcements
        go to everyone.
        """
        got = self._memo.get(recipient)
        if got is None:
            got = self._memo[recipient] = self._resolve(recipient)
        return dict(got)

    def _resolve(self, recipient: str) -> dict[tuple[str, str], tuple[str, ...]]:
        supplies = {(r.recipient, r.kind.value) for r in self.rules if r.sender == recipient}
        out: dict[tuple[str, str], tuple[str, ...]] = {
            (recipient, k.value): () for k in MessageKind
        }
        out[(CENTRE_SENDER, CENTRE_KEY_KIND)] = ()  # every party sees the centre's key changes
        for r in self.rules:
            if r.recipient != recipient:
                continue
            if self.parity and (r.sender, r.kind.value) not in supplies:
                continue
            key = (r.sender, r.kind.value)
            earlier = set(out.get(key, ()))  # two rules for one pair: the narrower wins
            out[key] = tuple(sorted(earlier | set(r.omit_fields)))
        return out


class Limits(_Frozen):
    """Request limits: body size in bytes, clock skew and request-signature window in ms, and the
    per-party quotas: signed reads and accepted writes per second (token buckets holding
    ``burst_s`` seconds' worth) and remembered request nonces."""

    max_body_bytes: Annotated[int, Field(gt=0)] = 65_536
    max_skew_ms: Annotated[int, Field(gt=0)] = 300_000
    max_read_limit: Annotated[int, Field(gt=0)] = 1_000
    reads_per_s: Annotated[float, Field(gt=0)] = 1_000.0
    writes_per_s: Annotated[float, Field(gt=0)] = 10_000.0
    burst_s: Annotated[float, Field(gt=0)] = 10.0
    nonces_per_party: Annotated[int, Field(gt=0)] = 400_000
    """Enough for ``reads_per_s`` sustained: a nonce is kept about ``max_skew_ms`` (300 s)."""


class CentreConfig(_Frozen):
    """Everything ``serve`` needs, loaded from ``DIR/centre.json``."""

    parties: Annotated[list[PartyConfig], Field(min_length=1)]
    centre_public_key: str
    retired_centre_keys: list[str] = []
    release: ReleasePolicy = ReleasePolicy()
    limits: Limits = Limits()
    min_decision_parties: Annotated[int, Field(ge=1)] = 2
    """Distinct required parties a proposal needs to be a joint decision (1 allows unilateral ones)."""

    @model_validator(mode="after")
    def _check(self) -> "CentreConfig":
        names = [p.name for p in self.parties]
        if len(set(names)) != len(names):
            raise ValueError("a party is listed twice")
        if CENTRE_SENDER in names:
            raise ValueError(f"{CENTRE_SENDER!r} names the centre itself; pick another party name")
        for r in self.release.rules:
            for who in (r.sender, r.recipient):
                if who not in names:
                    raise ValueError(f"release rule names unknown party {who!r}")
        for k in (self.centre_public_key, *self.retired_centre_keys):
            _check_key(k)
        return self

    def degraded_views(self) -> list[str]:
        """One line per release rule that withholds a field a view needs (the view then leaves
        those messages out for that recipient rather than fail)."""
        from openbmd.exchange.picture import PICTURE_FIELDS

        out = []
        for r in self.release.rules:
            missing = [f for f in r.omit_fields if r.kind == MessageKind.TRACK_REPORT and f in PICTURE_FIELDS]
            if missing:
                out.append(f"release rule {r.sender}->{r.recipient} track_report withholds {', '.join(missing)}: "
                           f"{r.recipient}'s fused picture leaves out {r.sender}'s track reports")
        return out

    def signing_keys(self) -> dict[tuple[str, str], str]:
        """``{(party, key_id): base64 public key}`` of every current party key: what may sign now."""
        return {(p.name, kid): k for p in self.parties for kid, k in p.key_ids().items()}

    def verification_keys(self) -> dict[tuple[str, str], tuple[str, int | None]]:
        """``{(party, key_id): (base64 public key, valid_before_leaf or None)}``: current and
        retired keys, to check logged messages against the key valid when they were logged."""
        out: dict[tuple[str, str], tuple[str, int | None]] = {}
        for p in self.parties:
            for r in p.retired_keys:
                out[(p.name, key_id(r.public_key))] = (r.public_key, r.valid_before_leaf)
            for kid, k in p.key_ids().items():
                out[(p.name, kid)] = (k, None)
        return out

    def centre_keys(self) -> dict[str, str]:
        """``{key_id: base64 public key}`` of the centre's current and retired keys (heads)."""
        return {key_id(k): k for k in (*self.retired_centre_keys, self.centre_public_key)}

    def party(self, name: str) -> PartyConfig | None:
        """The named party, or ``None``."""
        for p in self.parties:
            if p.name == name:
                return p
        return None


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists with mode 0600 (created so, or narrowed if it was wider)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def write_private_key(path: Path, pem: bytes) -> None:
    """Write a private key with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def party_key_path(data_dir: Path, party: str) -> Path:
    """Where ``init`` writes a party's private key."""
    return Path(data_dir) / "keys" / f"{party}.key"


def init_data_dir(data_dir: Path, parties: list[str], parity: bool = True) -> CentreConfig:
    """Make a centre in ``data_dir``: config, centre key, one key pair per party.

    Every party releases every kind to every other party, in full; edit ``centre.json`` to narrow.
    """
    data_dir = Path(data_dir)
    if (data_dir / CONFIG_FILE).exists():
        raise InputError(f"{data_dir / CONFIG_FILE} already exists", "DIR")
    if len(set(parties)) != len(parties) or not parties:
        raise InputError("give one or more distinct party names, e.g. nato,russia", "parties")
    party_cfgs = []
    for name in parties:
        pem, pub = generate_keypair()
        write_private_key(party_key_path(data_dir, name), pem)
        party_cfgs.append({"name": name, "public_keys": [encode_public_key(pub)]})
    pem, pub = generate_keypair()
    write_private_key(data_dir / CENTRE_KEY_FILE, pem)
    rules = [{"sender": s, "recipient": r, "kind": k.value}
             for s in parties for r in parties if s != r for k in MessageKind]
    try:
        cfg = CentreConfig.model_validate({
            "parties": party_cfgs, "centre_public_key": encode_public_key(pub),
            "release": {"parity": parity, "rules": rules},
        })
    except ValueError as exc:
        raise InputError(str(exc).splitlines()[-1] if str(exc) else "invalid", "parties") from exc
    (data_dir / CONFIG_FILE).write_text(cfg.model_dump_json(indent=2) + "\n")
    return cfg


def load_config(data_dir: Path) -> CentreConfig:
    """Read and validate ``DIR/centre.json``; raises :class:`InputError`."""
    path = Path(data_dir) / CONFIG_FILE
    try:
        return CentreConfig.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise InputError(f"no {CONFIG_FILE} in {data_dir}; run `openbmd exchange init`", "data_dir") from exc
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"]) or "top level"
        raise InputError(f"{path}: {where}: {e['msg']}", "data_dir") from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}", "data_dir") from None


def load_centre_key(data_dir: Path):
    """The centre's private key from ``DIR/keys/centre.key``."""
    path = Path(data_dir) / CENTRE_KEY_FILE
    try:
        return load_private_key(path.read_bytes())
    except (FileNotFoundError, KeyFormatError) as exc:
        raise InputError(f"cannot read the centre key {path}: {exc}", "data_dir") from exc


def dump_json(obj: object) -> str:
    """Indented JSON text."""
    return json.dumps(obj, indent=2)
