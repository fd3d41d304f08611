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

__all__ = ["SENSOR_CLASSES", "TrackQualityModel", "calibration_samples", "calibrate", "fixed_delay_model",
           "load_track_quality", "post_class"]

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
                "samples": list(self.samples), "source": self.source, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TrackQualityModel":
        if tuple(data["classes"]) != SENSOR_CLASSES or len(data["probs"]) != len(PROBS):
            raise ValueError("track-quality model: classes or probabilities do not match this version")
        return cls(tuple(tuple(float(x) for x in q) for q in data["quantiles"]),
                   tuple(float(p) for p in data["p_firm"]), bool(data["per_revisit"]),
                   tuple(int(n) for n in data["samples"]), data.get("source", ""), data.get("meta", {}))


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
