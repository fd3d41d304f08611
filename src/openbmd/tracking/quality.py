"""A statistical stand-in for the full tracker, calibrated against it: how long after a sensor
could first see a threat does a party hold a firm track?

The Monte Carlo exercise runs tens of thousands of trials and cannot run the Stone Soup
tracker in each. It draws, per (party, threat), a *track delay*: the time from the first
sample at which a sensor could see the threat (geometric visibility,
:func:`openbmd.sensors.first_detection`) to the tracker's firm track. The delay absorbs scan
phase, detection probability and M-of-N confirmation, so it scales with the sensor's revisit
time: the model keeps it in revisits (a 1 s radar confirms in seconds, a 10 s one in tens).

There is one empirical distribution per sensor class (``radar``, ``space-ir``), measured by
running the full tracker (:func:`openbmd.tracking.run_scenario`) over seeded repetitions of a
scenario with one party per class (:func:`calibration_samples`). A party's firm track comes
from whichever of its sensors firms up first; every sensor uses the same uniform draw, so
adding a sensor never delays a track. ``tools/calibrate_track_quality.py`` writes the shipped model,
``tracking/data/track_quality.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, load_catalog
from openbmd.earth import EarthModel, wgs84
from openbmd.sensors import SensorPost, first_detection, sensor_posts
from openbmd.tracking.scenario import Scenario

__all__ = ["SENSOR_CLASSES", "AccuracySamples", "TrackQualityModel", "accuracy_samples", "calibration_samples",
           "calibrate", "closed_forms", "fit_accuracy", "fixed_delay_model", "load_track_quality", "post_class"]

SENSOR_CLASSES = ("radar", "space-ir")
"""Sensor classes with a delay distribution each, in the order of :attr:`TrackQualityModel.quantiles_s`."""

PROBS = tuple(float(p) for p in np.linspace(0.0, 1.0, 41))
"""Cumulative probabilities at which the delay quantiles are kept."""


def post_class(post: SensorPost) -> int:
    """Index in :data:`SENSOR_CLASSES` of a sensor post."""
    return 0 if post.is_radar else 1


@dataclass(frozen=True)
class TrackQualityModel:
    """Per sensor class, the delay from first visibility to firm track: ``p_firm`` is the chance a
    firm track forms at all, ``quantiles`` the delay's quantiles at :data:`PROBS` given that it
    forms, in revisits of the sensor that saw first (``per_revisit``) or in seconds. ``samples``
    is how many tracker runs each class was fitted to."""

    quantiles: tuple[tuple[float, ...], ...]
    p_firm: tuple[float, ...]
    per_revisit: bool = True
    samples: tuple[int, ...] = (0, 0)
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    accuracy_scales: tuple[float, ...] = (1.0, 1.0)
    """Per class, the tracker's PIP σ over :func:`~openbmd.engagement.firecontrol.filter_sigma_m`'s (median
    over calibration samples; 1.0: not calibrated)."""
    boost_window_s: float = 0.0
    """The tracker's boost window (s) after a track's start, flown with thrust noise (0: none)."""
    q_boost_m2_s3: float = 0.0
    """The tracker's thrust noise density in that window, m²/s³ (0: the plain straight-line fit)."""

    def accuracy_scale(self, sensor_class: int) -> float:
        """Factor on the closed-form PIP error of a track of that class (dimensionless)."""
        return float(self.accuracy_scales[sensor_class])

    def track_sigma_m(self, sensor_class: int, sigma_m: float, start_s: float, at_s: float, dt_s: float,
                      tau_s: float) -> float:
        """PIP error (m, 1σ) of a track of that class begun at ``start_s`` (s), looked at every ``dt_s`` s with
        single-look error ``sigma_m`` (m) until ``at_s`` and predicted ``tau_s`` s further, as the tracker has it."""
        from openbmd.engagement.firecontrol import filter_sigma_m

        return self.accuracy_scale(sensor_class) * float(
            filter_sigma_m(sigma_m, start_s, at_s, dt_s, tau_s, self.boost_window_s, self.q_boost_m2_s3))

    def delay_s(self, sensor_class: int, u: NDArray, revisit_s: float | NDArray = 1.0) -> NDArray:
        """Inverse CDF: the delay (s) for uniforms ``u`` in [0, 1) and a sensor of that class and
        revisit time (s); ``inf`` where no firm track forms."""
        p = self.p_firm[sensor_class]
        u = np.asarray(u, float)
        if p <= 0.0:
            return np.full(u.shape, np.inf)
        d = np.interp(np.minimum(u / p, 1.0), PROBS, self.quantiles[sensor_class])
        if self.per_revisit:
            d = d * revisit_s
        return np.where(u < p, d, np.inf)

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(SENSOR_CLASSES), "probs": list(PROBS), "per_revisit": self.per_revisit,
                "quantiles": [list(q) for q in self.quantiles], "p_firm": list(self.p_firm),
                "samples": list(self.samples), "source": self.source, "meta": self.meta,
                "accuracy_scales": list(self.accuracy_scales), "boost_window_s": self.boost_window_s,
                "q_boost_m2_s3": self.q_boost_m2_s3}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TrackQualityModel":
        if tuple(data["classes"]) != SENSOR_CLASSES or len(data["probs"]) != len(PROBS):
            raise ValueError("track-quality model: classes or probabilities do not match this version")
        return cls(tuple(tuple(float(x) for x in q) for q in data["quantiles"]),
                   tuple(float(p) for p in data["p_firm"]), bool(data["per_revisit"]),
                   tuple(int(n) for n in data["samples"]), data.get("source", ""), data.get("meta", {}),
                   tuple(float(f) for f in data.get("accuracy_scales", (1.0,) * len(SENSOR_CLASSES))),
                   float(data.get("boost_window_s", 0.0)), float(data.get("q_boost_m2_s3", 0.0)))


def fixed_delay_model(delay_s: float) -> TrackQualityModel:
    """Every sensor firms up exactly ``delay_s`` after first visibility (the catalog timeline's model)."""
    q = tuple(float(delay_s) for _ in PROBS)
    return TrackQualityModel((q, q), (1.0, 1.0), False, (0, 0), f"fixed {delay_s:g} s (catalog timeline)")


def load_track_quality() -> TrackQualityModel:
    """The shipped model, calibrated against the full tracker (see the module docstring)."""
    text = resources.files("openbmd.tracking").joinpath("data/track_quality.json").read_text()
    return TrackQualityModel.from_json(json.loads(text))


def calibration_samples(scenario: Scenario, seeds: Iterable[int], *, catalog: Catalog | None = None,
                        earth: EarthModel | None = None) -> list[list[float]]:
    """Run the full tracker for every party of ``scenario`` and each seed; per class, the delays
    from first visibility to firm track in revisits of the sensor that saw first (``inf``: never
    firm). Every party must use one class only."""
    from openbmd.tracking.picture import fly_raid, run_scenario

    catalog = catalog or load_catalog()
    earth = earth or wgs84()
    raid = fly_raid(scenario, catalog, earth)
    out: list[list[float]] = [[] for _ in SENSOR_CLASSES]
    visible = {}
    for name, party in scenario.parties.items():
        posts = sensor_posts(catalog, party.sensors, f"parties.{name}.sensors")
        classes = {post_class(p) for p in posts}
        if len(classes) != 1:
            raise ValueError(f"party {name} mixes sensor classes; calibrate one class per party")
        det, first = first_detection(raid.t_s, raid.r_ecef, raid.burnout_t_s, posts, earth, scenario.rcs_m2)
        revisit = np.array([posts[j].sensor.revisit_s if j >= 0 else np.nan for j in first])
        visible[name] = (classes.pop(), det, revisit)
    for seed in seeds:
        run = scenario.model_copy(update={"seed": int(seed)})
        for name, (cls, det, revisit) in visible.items():
            report = run_scenario(run, name, catalog=catalog, earth=earth)
            for k, threat in enumerate(report.threats):
                if not math.isfinite(det[k]):
                    continue
                firm = raid.launch_t_s[k] + threat.firm_track_s if threat.firm_track_s is not None else math.inf
                out[cls].append(max(firm - det[k], 0.0) / revisit[k])
    return out


ACCURACY_AGES = (2, 5, 10, 30, 100)
"""Track ages (revisits after the firm track) at which :func:`accuracy_samples` scores a track."""

ACCURACY_LEADS_S = (0.0, 30.0, 100.0, 300.0)
"""Lead times (s) over which :func:`accuracy_samples` predicts a track."""


_COLUMNS = ("sensor_class", "party", "n_looks", "lead_s", "sigma_closed_m", "sigma_tracker_m", "error_m", "nees3",
            "ballistic", "look_sigma_m", "revisit_s", "firm_age_s", "hit_age_s")


@dataclass(frozen=True)
class AccuracySamples:
    """The tracker's predicted position error next to the closed form's, one row per (track, age, lead).

    Per row: ``sensor_class`` (index in :data:`SENSOR_CLASSES`), ``party`` (index in ``parties``),
    ``n_looks`` the closed form's looks (revisits since the firm track, + 1, as the exercise counts them),
    ``lead_s`` the prediction time past the last update (s), ``sigma_closed_m`` the closed form
    (:func:`openbmd.engagement.firecontrol.track_sigma_m` of the single-look worst-axis error at the last
    update), ``sigma_tracker_m`` the root of the largest eigenvalue of the tracker's predicted position
    covariance, ``error_m`` the actual position error along that eigenvector, ``nees3`` the position NEES
    (3 degrees of freedom), ``ballistic`` whether the tracker flew the update with its ballistic model
    (False: still in its boost window, with thrust noise, though the threat has burnt out); ``look_sigma_m``
    the single-look worst-axis error (m), ``revisit_s`` the sensor's revisit (s), ``firm_age_s`` and
    ``hit_age_s`` the time from the firm track and from the track's first hit to the last update (s)."""

    parties: tuple[str, ...]
    sensor_class: NDArray
    party: NDArray
    n_looks: NDArray
    lead_s: NDArray
    sigma_closed_m: NDArray
    sigma_tracker_m: NDArray
    error_m: NDArray
    nees3: NDArray
    ballistic: NDArray
    look_sigma_m: NDArray
    revisit_s: NDArray
    firm_age_s: NDArray
    hit_age_s: NDArray

    @property
    def ratio(self) -> NDArray:
        """Tracker σ over closed-form σ, per row."""
        return self.sigma_tracker_m / self.sigma_closed_m

    def take(self, mask: NDArray) -> "AccuracySamples":
        """The rows where ``mask`` holds."""
        return AccuracySamples(self.parties, *(getattr(self, f)[mask] for f in _COLUMNS))

    @staticmethod
    def concatenate(parts: Sequence["AccuracySamples"]) -> "AccuracySamples":
        """The rows of several sample sets of the same parties, in order."""
        return AccuracySamples(parts[0].parties, *(np.concatenate([getattr(p, f) for p in parts]) for f in _COLUMNS))


def accuracy_samples(scenario: Scenario, seeds: Iterable[int], *, ages: Sequence[int] = ACCURACY_AGES,
                     leads_s: Sequence[float] = ACCURACY_LEADS_S, catalog: Catalog | None = None,
                     earth: EarthModel | None = None) -> AccuracySamples:
    """Run the full tracker for every party of ``scenario`` (one sensor place or space sensor each) and
    each seed, and score each confirmed track of a threat ``ages`` revisits after its firm track (once the
    threat has burnt out), predicted ``leads_s`` ahead with the tracker's free-flight motion model
    (:func:`openbmd.tracking.fusion.predict_states`)
    to the nearest truth sample, against the closed form for the same geometry (see
    :class:`AccuracySamples`)."""
    from openbmd.engagement.firecontrol import measurement_sigma_m, track_sigma_m
    from openbmd.earth import geodetic_to_ecef
    from openbmd.sensors.measurements import MeasurementOptions, generate_measurements, geo_satellite_ecef
    from openbmd.tracking.fusion import predict_states
    from openbmd.tracking.models import free_flight_phase
    from openbmd.tracking.picture import _party_batch, _posts_by_party, fly_raid
    from openbmd.tracking.tracker import TrackerConfig, phase_models, track_party

    catalog = catalog or load_catalog()
    earth = earth or wgs84()
    config = TrackerConfig(rcs_m2=scenario.rcs_m2, beta_kg_m2=scenario.assumed_beta_kg_m2,
                           beta_factor_95=scenario.beta_factor_95)
    models = phase_models(config, earth)
    raid = fly_raid(scenario, catalog, earth)
    posts, own, _ = _posts_by_party(scenario, catalog)
    parties = tuple(scenario.parties)
    site = {}
    for name in parties:
        first = posts[own[name][0]]
        if len({(posts[i].sensor.name, posts[i].lat_rad, posts[i].lon_rad) for i in own[name]}) != 1:
            raise ValueError(f"party {name}: score one sensor type at one place per party")
        site[name] = (np.asarray(geodetic_to_ecef(first.lat_rad, first.lon_rad, first.alt_m, earth), float)
                      if first.is_radar else geo_satellite_ecef(earth), first)
    rows: list[tuple] = []
    for seed in seeds:
        meas = generate_measurements(raid, posts, earth, scenario.rcs_m2, np.random.default_rng(int(seed)),
                                     MeasurementOptions(false_alarms_per_scan=scenario.false_alarms_per_scan))
        for pi, name in enumerate(parties):
            origin, post = site[name]
            revisit = post.sensor.revisit_s
            tracks = track_party(_party_batch(meas, own[name]), [posts[i] for i in own[name]], earth, len(raid),
                                 config)
            for tr in tracks.tracks:
                if tr.label < 0:
                    continue
                t_grid, x_grid = raid.t_s[tr.label], raid.x_ecef[tr.label]
                ok = np.isfinite(t_grid)
                t_grid, x_grid = t_grid[ok], x_grid[ok]
                for age in ages:
                    u = int(np.searchsorted(tr.t_s, tr.confirmed_t_s + age * revisit, side="right")) - 1
                    if u < 0 or tr.t_s[u] < tr.confirmed_t_s + (age - 1) * revisit or tr.t_s[u] > tr.deleted_t_s:
                        continue  # not yet firm, or no update within the revisit before that age
                    t_u = float(tr.t_s[u])
                    if t_u < raid.burnout_t_s[tr.label]:
                        continue  # no commit on a burning booster: PIPs are predicted in free flight
                    truth_u = x_grid[np.argmin(np.abs(t_grid - t_u))]
                    sig_m = float(measurement_sigma_m(post.sensor, np.linalg.norm(truth_u[:3] - origin)))
                    phase = free_flight_phase(tr.x[u], earth, config.reentry_altitude_m)
                    targets = []
                    for lead in leads_s:
                        j = int(np.argmin(np.abs(t_grid - (t_u + lead))))
                        if t_grid[j] >= t_u and abs(t_grid[j] - t_u - lead) <= scenario.sample_dt_s:
                            targets.append(j)
                    if not targets:
                        continue
                    dts = t_grid[targets] - t_u
                    x1, p1 = predict_states(np.repeat(tr.x[u][None], len(targets), 0),
                                            np.repeat(tr.p[u][None], len(targets), 0), dts,
                                            [phase] * len(targets), models)
                    for k, j in enumerate(targets):
                        e = x1[k, :3] - x_grid[j, :3]
                        w, v = np.linalg.eigh(p1[k, :3, :3])
                        closed = track_sigma_m(sig_m, tr.confirmed_t_s, t_u, revisit, float(dts[k]))
                        rows.append((post_class(post), pi, math.floor((t_u - tr.confirmed_t_s) / revisit) + 1.0,
                                     float(dts[k]), closed, math.sqrt(w[-1]), float(e @ v[:, -1]),
                                     float(e @ np.linalg.solve(p1[k, :3, :3], e)), bool(tr.ballistic[u]), sig_m,
                                     revisit, t_u - tr.confirmed_t_s, t_u - tr.first_hit_t_s))
    cols = list(zip(*rows)) if rows else [()] * len(_COLUMNS)
    dtypes = (np.int64, np.int64, float, float, float, float, float, float, bool, float, float, float, float)
    return AccuracySamples(parties, *(np.array(c, dtype=d) for c, d in zip(cols, dtypes)))


def calibrate(samples: Sequence[Sequence[float]], source: str = "", meta: dict[str, Any] | None = None
              ) -> TrackQualityModel:
    """The model whose per-class distributions are the empirical ones of ``samples`` (revisits; inf = never)."""
    quantiles, p_firm, counts = [], [], []
    for cls, xs in zip(SENSOR_CLASSES, samples):
        x = np.asarray(xs, float)
        if x.size == 0:
            raise ValueError(f"no calibration samples for class {cls}")
        firm = np.sort(x[np.isfinite(x)])
        p_firm.append(firm.size / x.size)
        counts.append(int(x.size))
        quantiles.append(tuple(float(v) for v in np.quantile(firm, PROBS)) if firm.size else
                         tuple(math.inf for _ in PROBS))
    return TrackQualityModel(tuple(quantiles), tuple(p_firm), True, tuple(counts), source, meta or {})


def fit_accuracy(samples: AccuracySamples, window_s: float, q_m2_s3: float) -> tuple[tuple[float, ...], dict]:
    """Per class, the median of tracker σ over :func:`~openbmd.engagement.firecontrol.filter_sigma_m` (1.0
    where a class has no samples), and a summary per class and party: sample count, the median and 10-90 %
    range of that ratio, the share within 1.5× of the class median, and the same ratio for the plain
    straight-line fit (:func:`~openbmd.engagement.firecontrol.track_sigma_m`)."""
    ratio = samples.sigma_tracker_m / closed_forms(samples, window_s, q_m2_s3)
    plain = samples.ratio
    scales, summary = [], {}
    for c, cls in enumerate(SENSOR_CLASSES):
        m = (samples.sensor_class == c) & np.isfinite(ratio)
        f = float(np.median(ratio[m])) if m.any() else 1.0
        scales.append(f)
        groups = {cls: m} | {samples.parties[p]: m & (samples.party == p) for p in np.unique(samples.party[m])}
        for name, g in groups.items():
            if not g.any():
                continue
            r, rp = ratio[g], plain[g]
            summary[name] = {"n": int(g.sum()), "median": float(np.median(r)),
                             "q10_q90": [float(np.quantile(r, 0.1)), float(np.quantile(r, 0.9))],
                             "within_1.5x": float(np.mean(np.abs(np.log(r / f)) < math.log(1.5))),
                             "plain_median": float(np.median(rp)),
                             "plain_q10_q90": [float(np.quantile(rp, 0.1)), float(np.quantile(rp, 0.9))],
                             "plain_within_1.5x": float(np.mean(np.abs(np.log(rp / np.median(plain[m])))
                                                                < math.log(1.5))),
                             "z2_mean": float(np.mean((samples.error_m[g] / samples.sigma_tracker_m[g]) ** 2))}
    return tuple(scales), summary


def closed_forms(samples: AccuracySamples, window_s: float, q_m2_s3: float) -> NDArray:
    """:func:`~openbmd.engagement.firecontrol.filter_sigma_m` (m) for every row of ``samples``."""
    from openbmd.engagement.firecontrol import filter_sigma_m

    return np.array([filter_sigma_m(s, 0.0, a, d, t, window_s, q_m2_s3) for s, a, d, t in
                     zip(samples.look_sigma_m, samples.firm_age_s, samples.revisit_s, samples.lead_s)])
