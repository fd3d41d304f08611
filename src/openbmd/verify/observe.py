"""What the observer gets: its own sensors' measurements, and what the tester releases through the exchange.

The observer's own radars measure the test with their catalog noise and geometry
(:func:`openbmd.sensors.generate_measurements`); space IR sees only the burning booster, so it dates the
burnout but adds nothing to the coast fit. The tester may release, as exchange
:class:`~openbmd.exchange.messages.TrackReport` messages, its range radars' tracks (position and velocity
at a stated accuracy, every ``interval_s``, ``latency_s`` late) and, with telemetry, the interceptor's
own navigation states (far more accurate). Every observation becomes a row of one
:class:`Observations` table that the estimator reads, whatever its source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel, geodesic_inverse
from openbmd.exchange.messages import TrackReport
from openbmd.sensors import SensorPost, generate_measurements, sensor_posts
from openbmd.sensors.measurements import noise_sigmas, post_frame
from openbmd.flight import FlownThreats
from openbmd.verify.flighttest import FlightTest

RADAR, TRACK = 0, 1
"""Row kinds: a radar measurement (el, az, range[, range rate]) or a state (position, velocity)."""

OWN, RELEASED_TRACKS, TELEMETRY = 0, 1, 2
"""Row sources, in the order the observer gets more."""

SOURCE_NAMES = ("own sensors", "released tracks", "telemetry")

INTERCEPTOR_RCS_M2 = 0.1
"""Radar cross-section of the interceptor's upper stage and kill vehicle, m² (an assumption: a 0.5 m
diameter body seen off its nose, range 0.03-1 m²; the catalog gives none)."""

TEST_EPOCH_UNIX_MS = 1_325_376_000_000
"""Launch time of the test in Unix ms (2012-01-01T00:00Z): timestamps of the released messages."""


@dataclass(frozen=True)
class BiasFigure:
    """One sensor-bias figure: 1-σ ``value`` in ``unit`` (SI), its plausible ``low``-``high`` span, its
    ``confidence`` and ``source``. Catalog-free: no public figure exists for a given radar's calibration."""

    value: float
    unit: str
    low: float
    high: float
    confidence: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "range": [self.low, self.high], "confidence": self.confidence,
                "source": self.source}


_REGISTRATION = ("sensor registration treats a radar's systematic errors as constant offset biases in range, "
                 "azimuth and elevation, estimated beside the target states: Chen, Wang and Progri, 'Unified "
                 "Registration Model for Both Stationary and Mobile 3D Radar Alignment', Journal of Electrical and "
                 "Computer Engineering 2014, 598463, https://doi.org/10.1155/2014/598463; range biases are "
                 "calibrated out on site ('range zero sets'): Schwark and Roy, 'Radar Range Bias Corrections', "
                 "SAMTEC technical report (1974), DTIC ADA029562; bias and random errors are characterised "
                 "separately: Deresh, 'Radar Height Bias Estimation for a Ground-Based Radar Using an Aircraft "
                 "Altimeter as a Standard of Reference', General Electric (1982), DTIC ADA118194. None of these gives "
                 "a figure for an early-warning radar: the value and range are ours")

BIAS_FIGURES = {
    "radar_range_bias_m": BiasFigure(
        20.0, "m", 5.0, 100.0, "assumption",
        f"{_REGISTRATION}. Residual range bias of a radar after its own calibration, metres to tens of metres "
        "(timing and refraction residuals); an early-warning radar watching a foreign test is not calibrated "
        "against it, so the upper end is kept"),
    "radar_angle_bias_rad": BiasFigure(
        5e-4, "rad", 1e-4, 2e-3, "assumption",
        f"{_REGISTRATION}. Alignment (north, level, face) error of a fixed radar: a tenth of a milliradian "
        "surveyed, a couple of milliradians not; the same 1-σ in elevation and azimuth"),
    "space_ir_los_bias_rad": BiasFigure(
        5e-5, "rad", 1e-5, 2e-4, "assumption",
        "line-of-sight knowledge of a space IR sensor after star-sensor calibration, tens of microradians: a "
        "remote-sensing satellite's star-sensor attitude error is under 5 arcsec (24 µrad) in Liu et al., "
        "'Method and Implementation of Improving the Pointing Accuracy of an Optical Remote Sensor Using a Star "
        "Sensor', Traitement du Signal 36(4) (2019), https://doi.org/10.18280/ts.360403; no figure for a "
        "missile-warning satellite is public, so the value and range are ours. Space IR sees only the boost: it "
        "dates the burnout but is not in the coast fit"),
}
"""The observation model's sensor biases (1-σ), each with its source: catalog-free sensor parameters."""


@dataclass(frozen=True)
class SensorBiases:
    """Constant per-sensor, per-run biases of the observer's sensors (1-σ; SI): radar range (m), radar
    elevation and azimuth (rad), space-IR line of sight (rad). Drawn once per sensor and run in the
    observation model; the fit estimates them beside the burnout state with these as their priors.
    ``SensorBiases.none()`` switches them off."""

    radar_range_m: float = BIAS_FIGURES["radar_range_bias_m"].value
    radar_angle_rad: float = BIAS_FIGURES["radar_angle_bias_rad"].value
    space_ir_los_rad: float = BIAS_FIGURES["space_ir_los_bias_rad"].value

    def __post_init__(self) -> None:
        for name in ("radar_range_m", "radar_angle_rad", "space_ir_los_rad"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0):
                from openbmd.errors import InputError

                raise InputError(f"must be a finite 1-sigma >= 0, got {v!r}", name)

    @staticmethod
    def none() -> "SensorBiases":
        return SensorBiases(0.0, 0.0, 0.0)

    def radar_sigma(self) -> NDArray:
        """1-σ of a radar row's biases per component (el, az, range, range rate, -, -)."""
        return np.array([self.radar_angle_rad, self.radar_angle_rad, self.radar_range_m, 0.0, 0.0, 0.0])

    def to_json(self) -> dict[str, Any]:
        return {"radar_range_bias_m": self.radar_range_m, "radar_angle_bias_rad": self.radar_angle_rad,
                "space_ir_los_bias_rad": self.space_ir_los_rad}


@dataclass(frozen=True)
class ReleasePolicy:
    """What the tester releases: ``"none"``, ``"tracks"`` or ``"telemetry"`` (tracks and telemetry).

    Accuracies are 1-σ per axis (m, m/s); ``interval_s`` between reports, ``latency_s`` from measurement to
    release. The defaults are assumptions: range-radar tracks of a few tens of metres and metres per
    second, and GPS/INS telemetry of metres and centimetres per second, released within seconds.
    """

    release: str = "none"
    track_sigma_m: float = 50.0
    track_sigma_mps: float = 2.0
    track_interval_s: float = 5.0
    track_latency_s: float = 5.0
    telemetry_sigma_m: float = 5.0
    telemetry_sigma_mps: float = 0.1
    telemetry_interval_s: float = 2.0
    telemetry_latency_s: float = 2.0

    def __post_init__(self) -> None:
        if self.release not in ("none", "tracks", "telemetry"):
            from openbmd.errors import InputError

            raise InputError(f"unknown release {self.release!r}; use none, tracks or telemetry", "release")


@dataclass(frozen=True)
class Observations:
    """M observation rows. ``t_s`` (M,) s after launch; ``available_t_s`` (M,) when the observer has it;
    ``kind`` (M,) :data:`RADAR` or :data:`TRACK`; ``source`` (M,) :data:`OWN` ...; ``trial`` (M,) which
    Monte Carlo run; ``origin_ecef`` (M, 3) m and ``frame`` (M, 3, 3) the radar's ENU frame (rows E, N, U);
    ``z`` (M, 6) and ``sigma`` (M, 6) the values and their 1-σ (NaN where a row has no such value); ``post``
    (M,) the observer's post that made a radar row (-1 for released rows); ``bias_sigma`` (M, 6) the 1-σ of
    the constant bias the row's sensor adds to each value in that run (0: none, as for released rows)."""

    t_s: NDArray
    available_t_s: NDArray
    kind: NDArray
    source: NDArray
    trial: NDArray
    origin_ecef: NDArray
    frame: NDArray
    z: NDArray
    sigma: NDArray
    post: NDArray
    bias_sigma: NDArray

    def __len__(self) -> int:
        return self.t_s.shape[0]

    def select(self, mask: NDArray) -> "Observations":
        return Observations(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    @staticmethod
    def concatenate(parts: Sequence["Observations"]) -> "Observations":
        return Observations(*(np.concatenate([getattr(p, f) for p in parts]) for f in Observations.__dataclass_fields__))


def _empty() -> Observations:
    return Observations(np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, int), np.zeros(0, int),
                        np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros((0, 6)), np.zeros((0, 6)), np.zeros(0, int),
                        np.zeros((0, 6)))


def observer_posts(catalog: Catalog, observer: str, instruments: Sequence[str], test: FlightTest,
                   earth: EarthModel) -> list[SensorPost]:
    """The observer's sensors: the party's own (its assumption set's list) and instruments it brings,
    ``"PLACE:SENSOR"`` (a catalog place or ``lat,lon``, and a catalog sensor), pointed at the test range."""
    sets = [s for s in catalog.entries("assumptions") if s.party == observer]
    posts = sensor_posts(catalog, sets[0].sensors, "observer") if sets else []
    for text in instruments:
        if ":" not in text:
            from openbmd.errors import InputError

            raise InputError(f"cannot read {text!r}; write PLACE:SENSOR, e.g. 'gabala:an-tpy-2'", "instruments")
        place, sensor_name = text.rsplit(":", 1)
        lat, lon, label = catalog.point(place.strip(), "instruments")
        try:
            sensor = catalog.sensor(sensor_name.strip())
        except Exception as exc:
            from openbmd.errors import UnknownNameError

            raise UnknownNameError(str(exc), "instruments") from None
        lat_r, lon_r = math.radians(lat), math.radians(lon)
        _, bearing, _ = geodesic_inverse(lat_r, lon_r, test.profile.lat_rad, test.profile.lon_rad, earth)
        posts.append(SensorPost(f"{label}/{sensor.name}", sensor, lat_r, lon_r, 0.0, float(bearing)))
    return posts


def own_observations(test: FlightTest, posts: Sequence[SensorPost], earth: EarthModel,
                     rng: np.random.Generator, n_trials: int = 1,
                     biases: SensorBiases = SensorBiases(), flown: FlownThreats | None = None) -> Observations:
    """The observer's own radar measurements of the test in ``n_trials`` runs, all drawn in one batch (the test
    repeated once per run, or ``flown``'s row k in run k; IR rows, boost only, are left out). Each radar adds,
    in each run, a constant bias drawn from ``biases`` to its elevation, azimuth and range (drawn after the
    noise, so that switching biases off leaves the noise draws as they were)."""
    radars = [p for p in posts if p.is_radar]
    if not radars:
        return _empty()
    flown = _runs(test, n_trials, flown)
    batch = generate_measurements(flown, radars, earth, INTERCEPTOR_RCS_M2, rng)
    b_sigma = biases.radar_sigma()
    offsets = rng.standard_normal((n_trials, len(radars), 6)) * b_sigma  # (run, radar, component)
    m = len(batch)
    frames = [post_frame(p, earth) for p in radars]
    origin = np.array([f[0] for f in frames])[batch.post]
    frame = np.array([f[1] for f in frames])[batch.post]
    sig = np.array([noise_sigmas(p) for p in radars])[batch.post]
    z = np.full((m, 6), np.nan)
    sigma = np.full((m, 6), np.nan)
    z[:, :4], sigma[:, :4] = batch.z, sig
    z += offsets[batch.target, batch.post]
    z[:, 1] = (z[:, 1] + math.pi) % (2 * math.pi) - math.pi
    index = np.array([k for k, p in enumerate(posts) if p.is_radar])
    return Observations(batch.t_s, batch.t_s.copy(), np.full(m, RADAR), np.full(m, OWN), batch.target.copy(),
                        origin, frame, z, sigma, index[batch.post], np.broadcast_to(b_sigma, (m, 6)).copy())


def _runs(test: FlightTest, n_trials: int, flown: FlownThreats | None) -> FlownThreats:
    """The flight of each run: ``flown`` (one row per run) or the test repeated."""
    if flown is None:
        return test.flown.take(np.zeros(n_trials, dtype=np.int64))
    if len(flown) != n_trials:
        raise ValueError(f"{len(flown)} flights for {n_trials} runs")
    return flown


def released_messages(test: FlightTest, policy: ReleasePolicy, rng: np.random.Generator, n_trials: int = 1,
                      flown: FlownThreats | None = None) -> list[tuple[int, int, TrackReport]]:
    """The tester's releases in each run as (run, source, :class:`TrackReport`): tracks, and telemetry (of the
    test, or of ``flown``'s row k in run k)."""
    out: list[tuple[int, int, TrackReport]] = []
    if policy.release == "none":
        return out
    runs = _runs(test, n_trials, flown)
    plans = [(RELEASED_TRACKS, "range-radar", policy.track_sigma_m, policy.track_sigma_mps, policy.track_interval_s)]
    if policy.release == "telemetry":
        plans.append((TELEMETRY, "telemetry", policy.telemetry_sigma_m, policy.telemetry_sigma_mps,
                      policy.telemetry_interval_s))
    t = runs.t_s[int(np.argmax(np.isfinite(runs.t_s).sum(axis=1)))]  # the longest flight's sample times
    ok = np.flatnonzero(np.isfinite(t))
    dt = float(t[ok[1]] - t[ok[0]]) if ok.size > 1 else 1.0
    for source, track_id, s_r, s_v, every in plans:  # one or two release streams
        rows = ok[::max(int(round(every / dt)), 1)]
        noise = rng.standard_normal((n_trials, rows.size, 6)) * np.array([s_r] * 3 + [s_v] * 3)
        x_all = runs.x_ecef[:, rows] + noise
        live = np.isfinite(runs.t_s[:, rows])  # a run that lands sooner releases nothing after it lands
        x = x_all.tolist()
        stamps = (TEST_EPOCH_UNIX_MS + np.round(1000 * t[rows])).astype(np.int64).tolist()
        cov = np.diag([s_r ** 2] * 3 + [s_v ** 2] * 3).tolist()
        for trial in range(n_trials):  # messages are built one by one: the exchange's schema validates each
            out.extend((trial, source, TrackReport(track_id=track_id, time_unix_ms=stamps[k], r_ecef_m=x[trial][k][:3],
                                                   v_ecef_mps=x[trial][k][3:], covariance_si=cov, quality=1.0))
                       for k in range(rows.size) if live[trial, k])
    return out


def released_observations(messages: Sequence[tuple[int, int, TrackReport]], policy: ReleasePolicy) -> Observations:
    """Observation rows from released (run, source, :class:`TrackReport`) messages (time from their stamps)."""
    if not messages:
        return _empty()
    m = len(messages)
    trial = np.array([r for r, _, _ in messages])
    source = np.array([s for _, s, _ in messages])
    t = (np.array([msg.time_unix_ms for _, _, msg in messages]) - TEST_EPOCH_UNIX_MS) / 1000.0
    z = np.array([msg.r_ecef_m + msg.v_ecef_mps for _, _, msg in messages])
    sigma = np.sqrt(np.array([np.diag(msg.covariance_si) for _, _, msg in messages]))
    latency = np.where(source == TELEMETRY, policy.telemetry_latency_s, policy.track_latency_s)
    return Observations(t, t + latency, np.full(m, TRACK), source, trial, np.zeros((m, 3)), np.zeros((m, 3, 3)),
                        z, sigma, np.full(m, -1), np.zeros((m, 6)))


def plume_window(test: FlightTest, posts: Sequence[SensorPost], earth: EarthModel, rng: np.random.Generator,
                 n_trials: int = 1, flown: FlownThreats | None = None) -> tuple[NDArray, NDArray] | None:
    """What the observer's space-IR sensors tell of each run's burnout time: the window (lo, hi) (R,) s after
    launch between the last look that saw the plume and the next (one revisit later), which did not; (-inf, inf)
    in a run no IR sensor saw; None without space IR. A sensor that stops seeing the plume bounds the burnout time
    from above (the plume is taken to stay in its view to burnout: a GEO sensor sees a boost above the cloud tops
    whole); its last sight of it bounds it from below."""
    irs = [p for p in posts if not p.is_radar]
    if not irs:
        return None
    batch = generate_measurements(_runs(test, n_trials, flown), irs, earth, INTERCEPTOR_RCS_M2, rng)
    lo, hi = np.full(n_trials, -np.inf), np.full(n_trials, np.inf)
    for q, post in enumerate(irs):
        rows = (batch.post == q) & (batch.target >= 0)
        last = np.full(n_trials, -np.inf)
        np.maximum.at(last, batch.target[rows], batch.t_s[rows])
        saw = np.isfinite(last)
        lo[saw] = np.maximum(lo[saw], last[saw])
        hi[saw] = np.minimum(hi[saw], last[saw] + post.sensor.revisit_s)
    return lo, hi


def observe(test: FlightTest, posts: Sequence[SensorPost], policy: ReleasePolicy, earth: EarthModel,
            rng: np.random.Generator, n_trials: int = 1, biases: SensorBiases = SensorBiases(),
            flown: FlownThreats | None = None) -> Observations:
    """Everything the observer gets in each of ``n_trials`` runs (independent noise and sensor biases), rows
    tagged by run: of the test each time, or of ``flown``'s row k in run k (truths drawn per run)."""
    own = own_observations(test, posts, earth, rng, n_trials, biases, flown)
    return Observations.concatenate([own, released_observations(released_messages(test, policy, rng, n_trials, flown),
                                                                policy)])
