"""When may each party fire at each object? Track timing per trial, from the track-quality model.

Each party's own firm track on an object comes at the earliest, over its sensors, of
``first visibility + track delay``; the delay is drawn per trial and per (party, object) from
:class:`openbmd.tracking.quality.TrackQualityModel` (calibrated against the full tracker, in
revisits of each sensor; or the catalog timeline's fixed delay). One draw serves all of a
party's sensors, so a sensor added can only bring a track forward. The cooperation mode decides whose tracks a
party may use:

- ``own`` (independent): its own only;
- ``exchange`` (data-exchange, sectoral): also its partners' tracks, ``latency_s`` later;
- ``pooled`` (joint): the earliest track of any party, ``latency_s`` later, for everyone.

A launch is allowed ``decision_s`` after the track a party may use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.tracking.quality import SENSOR_CLASSES, TrackQualityModel

SHARING = ("own", "exchange", "pooled")


@dataclass(frozen=True)
class TrackTiming:
    """Track timing of one mode. Per party and sensor (padded with ``inf``): ``visible`` (P, S, N)
    first time the sensor could see each object, s; ``revisit_s`` (P, S); ``sensor_class`` (P, S)
    index into :data:`~openbmd.tracking.quality.SENSOR_CLASSES`."""

    visible: NDArray
    revisit_s: NDArray
    sensor_class: NDArray
    model: TrackQualityModel
    sharing: str
    latency_s: float
    decision_s: float

    def __post_init__(self) -> None:
        if self.sharing not in SHARING:
            raise ValueError(f"sharing must be one of {SHARING}")
        if self.visible.ndim != 3 or self.revisit_s.shape != self.visible.shape[:2] or \
                self.sensor_class.shape != self.visible.shape[:2]:
            raise ValueError("visible must be (parties, sensors, objects), revisit_s and sensor_class (parties, sensors)")

    def ready(self, u: NDArray) -> NDArray:
        """(T, P, N) earliest launch each party may make at each object, for uniforms ``u`` (T, P, N)."""
        own = np.full(u.shape, np.inf)
        for s in range(self.visible.shape[1]):
            for c in range(len(SENSOR_CLASSES)):
                rows = self.sensor_class[:, s] == c  # the parties whose sensor s is of class c
                if rows.any():
                    d = self.model.delay_s(c, u[:, rows], self.revisit_s[rows, s][None, :, None])
                    own[:, rows] = np.minimum(own[:, rows], self.visible[None, rows, s, :] + d)
        if self.sharing == "pooled":
            track = np.broadcast_to(own.min(axis=1, keepdims=True) + self.latency_s, own.shape)
        elif self.sharing == "exchange" and own.shape[1] > 1:
            p = own.shape[1]
            others = np.stack([np.delete(own, k, axis=1).min(axis=1) for k in range(p)], axis=1)
            track = np.minimum(own, others + self.latency_s)
        else:
            track = own
        return track + self.decision_s

    def allowed(self, party_of: NDArray, u: NDArray) -> NDArray:
        """(T, N, B) earliest launch per trial, object and battery (``party_of`` (B,) the owners)."""
        return np.ascontiguousarray(self.ready(u)[:, party_of, :].transpose(0, 2, 1))


def single_sensor(visible_s: NDArray, model: TrackQualityModel, sharing: str = "own", latency_s: float = 0.0,
                  decision_s: float = 0.0, revisit_s: float = 1.0, sensor_class: int = 0) -> TrackTiming:
    """Timing where each party has one sensor; ``visible_s`` (P, N) its first visibility, s."""
    v = np.asarray(visible_s, float)
    p = v.shape[0]
    return TrackTiming(v[:, None, :], np.full((p, 1), revisit_s), np.full((p, 1), sensor_class, dtype=np.int64),
                       model, sharing, latency_s, decision_s)
