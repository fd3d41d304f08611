"""The observer's own track of the test, by the project's Stone Soup tracker, as a cross-check of the fit.

:class:`openbmd.tracking.PartyTracker` follows the interceptor through boost (thrust as large white
acceleration noise while it may burn, the tracker's two-model boost handling) and coast (ballistic model
with drag). The track's last midcourse state, flown back to the declared burnout time with its
covariance (Φ P Φᵀ), gives the tracker's burnout speed and its 95 % interval. A forward filter's
estimate, it is wider than the batch fit's, never narrower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from openbmd.earth import EarthModel
from openbmd.sensors import SensorPost, generate_measurements
from openbmd.tracking import TrackerConfig, track_party
from openbmd.tracking.models import free_flight_phase
from openbmd.tracking.tracker import phase_models
from openbmd.verify.estimate import Z95
from openbmd.verify.flighttest import FlightTest
from openbmd.verify.observe import INTERCEPTOR_RCS_M2


@dataclass(frozen=True)
class TrackerEstimate:
    """The tracker's burnout speed (m/s) and 1-σ, from ``updates`` track updates (None: no confirmed track)."""

    speed_mps: float | None
    sigma_mps: float | None
    updates: int

    def to_json(self) -> dict[str, Any]:
        ci = None if self.speed_mps is None else [self.speed_mps - Z95 * self.sigma_mps,
                                                  self.speed_mps + Z95 * self.sigma_mps]
        return {"method": "Stone Soup EKF (openbmd.tracking.PartyTracker), last midcourse state flown back",
                "estimate": self.speed_mps, "sigma": self.sigma_mps, "ci95": ci, "updates": self.updates}


def track_burnout(test: FlightTest, posts: Sequence[SensorPost], earth: EarthModel,
                  rng: np.random.Generator) -> TrackerEstimate:
    """Track the observer's own measurements of one run and estimate the burnout speed from the track."""
    if not posts:
        return TrackerEstimate(None, None, 0)
    config = TrackerConfig(beta_kg_m2=test.beta_kg_m2, rcs_m2=INTERCEPTOR_RCS_M2, max_speed_mps=9000.0)
    batch = generate_measurements(test.flown, posts, earth, INTERCEPTOR_RCS_M2, rng)
    tracks = [t for t in track_party(batch, posts, earth, 1, config).tracks if t.label == 0]
    if not tracks:
        return TrackerEstimate(None, None, 0)
    track = max(tracks, key=lambda t: t.t_s.size)
    mid = [k for k in range(track.t_s.size)
           if track.t_s[k] > test.burnout_t_s and track.ballistic[k]
           and free_flight_phase(track.x[k], earth, config.reentry_altitude_m) == "midcourse"]
    if not mid:
        return TrackerEstimate(None, None, int(track.t_s.size))
    k = mid[-1]
    model = phase_models(config, earth)["midcourse"]
    x_b, phi = model.propagate(track.x[k], test.burnout_t_s - track.t_s[k])
    p_b = phi @ track.p[k] @ phi.T
    v = x_b[3:]
    speed = float(np.linalg.norm(v))
    g = v / speed
    return TrackerEstimate(speed, float(np.sqrt(g @ p_b[3:, 3:] @ g)), int(track.t_s.size))
