"""Message models, one per kind, and the signed envelope that carries them.

Units are SI and stand in the field names: positions in metres (``r_ecef_m``), velocities in
metres per second (``v_ecef_mps``), angles in degrees (``_deg``, as analysts quote them), times
as integer milliseconds since the Unix epoch, UTC (``_unix_ms``). Integers stay within
±(2**53 - 1) so that every message has an RFC 8785 canonical form.

A message on the wire is ``{sender, key_id, sequence, timestamp, kind, commitments, signature,
body, salts}``; ``timestamp`` is in Unix milliseconds. The sender commits to each top-level body
field (:mod:`openbmd.exchange.commitment`): ``commitments`` is ``{field: commitment}``, ``salts``
is ``{field: salt}`` and ``body`` is ``{field: value}``, the opening. ``signature`` is the
sender's detached Ed25519 signature over the canonical JSON of the *signed envelope* without its
signature (:func:`signing_payload`): every field except ``signature``, ``body`` and ``salts``.
The signed envelope with its signature (:func:`leaf_envelope`) in RFC 8785 form is the Merkle
leaf: it holds no body value and no salt, so a reader who was released only some fields can
still check the signature, the released fields and the leaf. The centre verifies the signature
over the JSON it received, not over a re-serialised model, so what the log stores is exactly
what the sender signed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator
from pydantic_core import from_json

from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.commitment import check_opening, commit_body
from openbmd.exchange.signing import (
    PrivateKeyLike, PublicKeyLike, key_id as _key_id, load_private_key, public_key_bytes, sign, verify,
)

__all__ = [
    "MAX_SAFE_INT", "MessageKind", "MissileClass", "ThreatLevel", "Decision", "GeoPoint", "GeoArea",
    "PreLaunchNotification", "LaunchDetectionReport", "TrackReport", "ThreatAssessment",
    "EngagementProposal", "EngagementApproval", "BODY_MODELS",
    "Envelope", "ENVELOPE_ADAPTER", "OPENING", "parse_envelope", "leaf_envelope", "signing_payload",
    "sign_envelope", "verify_released", "example_body",
]

MAX_SAFE_INT = 2**53 - 1
"""Largest integer that RFC 8785 (I-JSON) accepts."""

UnixMs = Annotated[int, Field(ge=0, le=MAX_SAFE_INT, description="Milliseconds since 1970-01-01T00:00:00Z.")]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Text = Annotated[str, Field(max_length=2000)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Vec3 = Annotated[list[Finite], Field(min_length=3, max_length=3)]
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Commitment = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$", description="base64 of a SHA-256 digest.")]
Salt = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{22}==$", description="base64 of 16 random bytes.")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class MessageKind(str, Enum):
    """The kinds of message the centre accepts."""

    PRE_LAUNCH_NOTIFICATION = "pre_launch_notification"
    LAUNCH_DETECTION_REPORT = "launch_detection_report"
    TRACK_REPORT = "track_report"
    THREAT_ASSESSMENT = "threat_assessment"
    ENGAGEMENT_PROPOSAL = "engagement_proposal"
    ENGAGEMENT_APPROVAL = "engagement_approval"


class MissileClass(str, Enum):
    """Generic missile class, as notification agreements name them (no type designators)."""

    SRBM = "srbm"
    MRBM = "mrbm"
    IRBM = "irbm"
    ICBM = "icbm"
    SLBM = "slbm"
    SPACE_LAUNCH_VEHICLE = "space_launch_vehicle"


class GeoPoint(_Model):
    """A point on the WGS-84 ellipsoid, degrees."""

    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]


class GeoArea(_Model):
    """A circular area on the ground: centre and radius in metres."""

    center: GeoPoint
    radius_m: Annotated[float, Field(gt=0.0, le=2.1e7, allow_inf_nan=False)]


class PreLaunchNotification(_Model):
    """Advance notice of a planned launch (1988 agreement, 2000 memorandum, Hague Code)."""

    notification_id: Name
    missile_class: MissileClass
    launch_window_open_unix_ms: UnixMs
    launch_window_close_unix_ms: UnixMs
    launch_area: GeoArea
    planned_azimuth_deg: Annotated[float, Field(ge=0.0, lt=360.0, allow_inf_nan=False)] | None = None
    impact_area: GeoArea | None = None

    @model_validator(mode="after")
    def _check(self) -> "PreLaunchNotification":
        if self.launch_window_close_unix_ms < self.launch_window_open_unix_ms:
            raise ValueError("launch window closes before it opens")
        if self.planned_azimuth_deg is None and self.impact_area is None:
            raise ValueError("give the planned direction (planned_azimuth_deg) or the impact_area")
        return self


class LaunchDetectionReport(_Model):
    """A detected launch with its first estimates of direction, impact point and time."""

    detection_id: Name
    launch_time_unix_ms: UnixMs
    launch_point: GeoPoint
    azimuth_deg: Annotated[float, Field(ge=0.0, lt=360.0, allow_inf_nan=False)]
    impact_point: GeoPoint | None = None
    impact_time_unix_ms: UnixMs | None = None
    impact_error_m: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None
    missile_class: MissileClass | None = None


class TrackReport(_Model):
    """One track state: ECEF position and velocity (SI) with its 6x6 covariance.

    The covariance orders the state as (x, y, z, vx, vy, vz): its blocks are in m², m²/s and
    m²/s². It must be symmetric with a non-negative diagonal.
    """

    track_id: Name
    time_unix_ms: UnixMs
    r_ecef_m: Vec3
    v_ecef_mps: Vec3
    covariance_si: Annotated[list[Annotated[list[Finite], Field(min_length=6, max_length=6)]],
                             Field(min_length=6, max_length=6)]
    quality: Probability

    @field_validator("covariance_si")
    @classmethod
    def _symmetric(cls, p: list[list[float]]) -> list[list[float]]:
        for i in range(6):
            if p[i][i] < 0:
                raise ValueError(f"covariance diagonal [{i}][{i}] is negative")
            for j in range(i):
                a, b = p[i][j], p[j][i]
                if a != b and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
                    raise ValueError(f"covariance is not symmetric at [{i}][{j}]")
        return p


class ThreatLevel(str, Enum):
    """How serious a party judges a threat."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ThreatAssessment(_Model):
    """A party's judgement of a track: where it goes, when, and what it endangers."""

    assessment_id: Name
    track_id: Name
    threat_level: ThreatLevel
    predicted_impact: GeoPoint | None = None
    impact_time_unix_ms: UnixMs | None = None
    assets_at_risk: Annotated[list[Name], Field(max_length=100)] = []
    confidence: Probability
    notes: Text = ""


class EngagementProposal(_Model):
    """A proposed intercept. It becomes a joint decision once every required party approves.

    The proposer's own signature counts as its approval when it is one of ``required_parties``.
    """

    proposal_id: Name
    track_id: Name
    interceptor_class: Name
    launch_site: GeoPoint
    intercept_time_unix_ms: UnixMs
    expires_unix_ms: UnixMs
    required_parties: Annotated[list[Name], Field(min_length=1, max_length=32)]

    @field_validator("required_parties")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("required_parties lists a party twice")
        return v


class Decision(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"


class EngagementApproval(_Model):
    """A party's signed answer to an engagement proposal, named by its leaf index in the log."""

    proposal_leaf_index: Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]
    proposal_id: Name
    decision: Decision
    reason: Text = ""


BODY_MODELS: dict[MessageKind, type[_Model]] = {
    MessageKind.PRE_LAUNCH_NOTIFICATION: PreLaunchNotification,
    MessageKind.LAUNCH_DETECTION_REPORT: LaunchDetectionReport,
    MessageKind.TRACK_REPORT: TrackReport,
    MessageKind.THREAT_ASSESSMENT: ThreatAssessment,
    MessageKind.ENGAGEMENT_PROPOSAL: EngagementProposal,
    MessageKind.ENGAGEMENT_APPROVAL: EngagementApproval,
}


class _EnvelopeBase(_Model):
    sender: Name = Field(description="The party that signs this message.")
    key_id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$", description="Key id of the signing key.")]
    sequence: Annotated[int, Field(ge=1, le=MAX_SAFE_INT,
                                   description="Per-sender counter; strictly increasing.")]
    timestamp: Annotated[int, Field(ge=0, le=MAX_SAFE_INT, description="Signing time, Unix ms (UTC).")]
    signature: Annotated[str, Field(min_length=88, max_length=88, pattern=r"^[A-Za-z0-9+/]{86}==$",
                                    description="Ed25519 over RFC 8785 JSON of all other fields but body "
                                                "and salts, padded base64.")]
    commitments: Annotated[dict[FieldName, Commitment], Field(max_length=64, description=(
        "{field: base64 SHA-256 commitment} for every top-level body field; signed."))]
    salts: Annotated[dict[FieldName, Salt], Field(max_length=64, description=(
        "{field: base64 16-byte salt} opening the commitments; not signed, not in the leaf."))]


class PreLaunchNotificationEnvelope(_EnvelopeBase):
    kind: Literal["pre_launch_notification"]
    body: PreLaunchNotification


class LaunchDetectionReportEnvelope(_EnvelopeBase):
    kind: Literal["launch_detection_report"]
    body: LaunchDetectionReport


class TrackReportEnvelope(_EnvelopeBase):
    kind: Literal["track_report"]
    body: TrackReport


class ThreatAssessmentEnvelope(_EnvelopeBase):
    kind: Literal["threat_assessment"]
    body: ThreatAssessment


class EngagementProposalEnvelope(_EnvelopeBase):
    kind: Literal["engagement_proposal"]
    body: EngagementProposal


class EngagementApprovalEnvelope(_EnvelopeBase):
    kind: Literal["engagement_approval"]
    body: EngagementApproval


Envelope = Annotated[
    Union[PreLaunchNotificationEnvelope, LaunchDetectionReportEnvelope, TrackReportEnvelope,
          ThreatAssessmentEnvelope, EngagementProposalEnvelope, EngagementApprovalEnvelope],
    Field(discriminator="kind"),
]
"""A signed message of any kind, told apart by ``kind``."""

ENVELOPE_ADAPTER: TypeAdapter[Any] = TypeAdapter(Envelope)


def parse_envelope(data: bytes) -> tuple[Any, dict[str, Any]]:
    """Validate raw JSON bytes as an envelope: ``(model, raw dict)``.

    Both come from pydantic-core's JSON parser (jiter), the raw values through ``from_json``,
    so the dict the signature is checked over and the model the schema is checked on cannot
    read the same bytes differently. ``NaN`` and ``Infinity`` are refused, as JSON has neither.
    Raises ``ValueError`` (including pydantic's ``ValidationError``) on bad JSON or schema.
    """
    raw = from_json(data, allow_inf_nan=False)
    if not isinstance(raw, dict):
        raise ValueError("a message must be a JSON object")
    model = ENVELOPE_ADAPTER.validate_json(data)
    return model, raw


OPENING = ("body", "salts")
"""The fields of a message that open its commitments: outside the signature and the leaf."""


def leaf_envelope(message: dict[str, Any]) -> dict[str, Any]:
    """The signed envelope, the Merkle leaf's data: every field except ``body`` and ``salts``."""
    return {k: v for k, v in message.items() if k not in OPENING}


def signing_payload(message: dict[str, Any]) -> dict[str, Any]:
    """The part of a message the signature covers: the signed envelope without ``signature``."""
    return {k: v for k, v in message.items() if k != "signature" and k not in OPENING}


def sign_envelope(private_key: PrivateKeyLike, sender: str, sequence: int, timestamp_ms: int,
                  kind: MessageKind | str, body: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """Commit to each body field, sign, and return the message as a plain JSON dict ready to send."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json", exclude_none=True)
    commitments, salts = commit_body(body)
    env: dict[str, Any] = {
        "sender": sender,
        "key_id": _key_id(public_key_bytes(load_private_key(private_key))),
        "sequence": int(sequence),
        "timestamp": int(timestamp_ms),
        "kind": MessageKind(kind).value,
        "commitments": commitments,
    }
    env["signature"] = sign(private_key, env)
    return {**env, "body": dict(body), "salts": salts}


def verify_released(message: dict[str, Any], public_key: PublicKeyLike, withheld: Sequence[str] = ()) -> bytes:
    """Check a message as a reader got it, fields ``withheld`` or not; return the leaf data.

    Checks the sender's signature over the signed envelope (``public_key`` is the sender's) and
    every released body field against its commitment. The returned RFC 8785 bytes are the leaf
    data, for an inclusion proof. Raises ``SignatureError`` or ``CommitmentError``.
    """
    leaf = leaf_envelope(message)
    verify(public_key, signing_payload(leaf), leaf.get("signature", ""))
    check_opening(leaf.get("commitments", {}), message.get("body", {}), message.get("salts", {}), withheld)
    return canonical_json(leaf)


def example_body(kind: MessageKind | str, now_ms: int = 1_767_225_600_000) -> dict[str, Any]:
    """A valid example body of ``kind`` (plain JSON), for documentation and the CLI."""
    kind = MessageKind(kind)
    pt = {"lat_deg": 35.7, "lon_deg": 51.4}
    examples: dict[MessageKind, dict[str, Any]] = {
        MessageKind.PRE_LAUNCH_NOTIFICATION: {
            "notification_id": "n-0001", "missile_class": "icbm",
            "launch_window_open_unix_ms": now_ms, "launch_window_close_unix_ms": now_ms + 3_600_000,
            "launch_area": {"center": {"lat_deg": 62.9, "lon_deg": 40.6}, "radius_m": 20_000.0},
            "impact_area": {"center": {"lat_deg": 65.0, "lon_deg": 175.0}, "radius_m": 50_000.0},
        },
        MessageKind.LAUNCH_DETECTION_REPORT: {
            "detection_id": "d-0001", "launch_time_unix_ms": now_ms, "launch_point": pt,
            "azimuth_deg": 315.0, "impact_point": {"lat_deg": 41.0, "lon_deg": 29.0},
            "impact_time_unix_ms": now_ms + 720_000, "impact_error_m": 25_000.0, "missile_class": "mrbm",
        },
        MessageKind.TRACK_REPORT: {
            "track_id": "t-0001", "time_unix_ms": now_ms,
            "r_ecef_m": [3_500_000.0, 2_900_000.0, 4_800_000.0],
            "v_ecef_mps": [-2_100.0, 1_500.0, 3_300.0],
            "covariance_si": [[(100.0 if i < 3 else 1.0) if i == j else 0.0 for j in range(6)] for i in range(6)],
            "quality": 0.9,
        },
        MessageKind.THREAT_ASSESSMENT: {
            "assessment_id": "a-0001", "track_id": "t-0001", "threat_level": "high",
            "predicted_impact": {"lat_deg": 41.0, "lon_deg": 29.0}, "impact_time_unix_ms": now_ms + 720_000,
            "assets_at_risk": ["istanbul"], "confidence": 0.7, "notes": "",
        },
        MessageKind.ENGAGEMENT_PROPOSAL: {
            "proposal_id": "p-0001", "track_id": "t-0001", "interceptor_class": "sm-3",
            "launch_site": {"lat_deg": 44.1, "lon_deg": 24.4}, "intercept_time_unix_ms": now_ms + 400_000,
            "expires_unix_ms": now_ms + 120_000, "required_parties": ["nato", "russia"],
        },
        MessageKind.ENGAGEMENT_APPROVAL: {
            "proposal_leaf_index": 0, "proposal_id": "p-0001", "decision": "approve", "reason": "",
        },
    }
    body = examples[kind]
    BODY_MODELS[kind].model_validate_json(json.dumps(body))
    return body
