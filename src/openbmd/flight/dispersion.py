"""How much do a flight's range, apogee and time depend on the catalog's uncertain figures?

Monte Carlo over the estimate ranges of the figures the flight model uses (stage burn times, Isp,
propellant and dry masses, payload, RV ballistic coefficient, body diameter): N variants of the missile,
drawn paired and seeded (:mod:`openbmd.catalog.variants`). Each variant flies, toward the nominal shot's
launch azimuth, a survey of pitch-over kicks at full burn (its maximum range there, with the apogee and
flight time of that farthest shot: the reach a threat assessment needs) and the nominal shot's own steering
(kick and cut-off: where the same steering would land it). A variant that cannot leave the pad, or falls
back during the boost at every kick, counts as failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog.models import Missile
from openbmd.catalog.variants import PERCENTILES, FigureDraws, check_variant_count, draw_figures, sensitivity
from openbmd.earth import EarthModel
from openbmd.errors import InputError
from openbmd.flight.aim import AimSolution
from openbmd.flight.propagate import Vehicle, fly_launches
from openbmd.flight.vehicle import reference_area_m2, vehicle_from_missile, vertical_rise_s

FLIGHT_FIGURES: tuple[str, ...] = ("stages.*.burn_time_s", "stages.*.isp_s", "stages.*.propellant_mass_kg",
                                   "stages.*.dry_mass_kg", "payload_mass_kg", "rv_ballistic_coefficient_kg_m2",
                                   "diameter_m", "boost_drag_factor")
"""The catalog figures that the flight model flies (patterns over stage numbers)."""



RESULTS: tuple[str, ...] = ("max_range_m", "max_range_apogee_m", "max_range_flight_time_s", "ground_range_m",
                            "apogee_altitude_m", "flight_time_s")
"""What each variant yields: its maximum range toward the azimuth with that shot's apogee and flight time, and
the ground range, apogee and flight time of the nominal steering."""
SURVEY_KICKS_RAD = np.radians(np.geomspace(0.05, 75.0, 36))
"""The coarse pitch-over survey that finds each variant's farthest shot (rad); a fine one (:data:`FINE_SPAN`)
is added around the nominal missile's best kick, where the range peaks sharply."""
FINE_SPAN, FINE_POINTS = 1.6, 25


@dataclass(frozen=True)
class Dispersion:
    """N flights of catalog variants: each of :data:`RESULTS` (n,), SI, NaN where a variant failed;
    ``draws`` the figures behind them."""

    draws: FigureDraws
    max_range_m: NDArray
    max_range_apogee_m: NDArray
    max_range_flight_time_s: NDArray
    ground_range_m: NDArray
    apogee_altitude_m: NDArray
    flight_time_s: NDArray

    @property
    def n(self) -> int:
        return len(self.ground_range_m)

    @property
    def failed(self) -> int:
        """Variants that did not fly to impact (could not lift off, or fell back during the boost)."""
        return int(np.count_nonzero(~np.isfinite(self.max_range_m)))

    def percentiles(self, name: str, q: tuple[float, ...] = PERCENTILES) -> NDArray:
        """Percentiles ``q`` of one result (``ground_range_m``, ``apogee_altitude_m``, ``flight_time_s``)."""
        x = getattr(self, name)
        x = x[np.isfinite(x)]
        return np.percentile(x, q) if x.size else np.full(len(q), np.nan)

    def sensitivity(self, name: str = "max_range_m") -> list[tuple[str, float]]:
        """Each drawn figure's rank (Spearman) correlation with a result, strongest first."""
        return sensitivity(self.draws.keys, self.draws.values, getattr(self, name))

    def to_json(self, top: int = 5) -> dict:
        """``{trials, seed, failed, percentiles, <result>: {p5, p50, p95} for each of RESULTS, sensitivity
        (of max_range_m): [...], figures: [...]}``, SI."""
        doc: dict = {"trials": self.n, "seed": self.draws.seed, "failed": self.failed,
                     "percentiles": list(PERCENTILES)}
        for name in RESULTS:
            doc[name] = {f"p{q:g}": _num(v) for q, v in zip(PERCENTILES, self.percentiles(name))}
        doc["sensitivity"] = [{"figure": k, "rank_correlation": round(r, 3)}
                              for k, r in self.sensitivity()[:top]]
        doc["figures"] = [{"figure": k, "value": float(v), "low": float(lo), "high": float(hi)}
                          for k, v, lo, hi in zip(self.draws.keys, self.draws.nominal, self.draws.low,
                                                  self.draws.high)]
        return doc


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _stage_columns(missile: Missile, draws: FigureDraws, name: str) -> NDArray:
    """(n, stages) of one stage figure: the draws where drawn, else the catalog value."""
    n = draws.values.shape[0]
    cols = []
    for i, stage in enumerate(missile.stages, 1):
        key = f"stages.{i}.{name}"
        cols.append(draws.column(key) if key in draws.keys else np.full(n, float(getattr(stage, name))))
    return np.stack(cols, axis=1)


def _scalar_column(missile: Missile, draws: FigureDraws, name: str) -> NDArray:
    n = draws.values.shape[0]
    value = getattr(missile, name)
    return draws.column(name) if name in draws.keys else np.full(n, float(value or 0.0))


def variant_vehicles(missile: Missile, draws: FigureDraws) -> list[Vehicle | None]:
    """The kernel vehicle of each drawn variant (None where it cannot leave the pad)."""
    from openbmd.flight._kernel import G0

    burn, isp = _stage_columns(missile, draws, "burn_time_s"), _stage_columns(missile, draws, "isp_s")
    prop, dry = _stage_columns(missile, draws, "propellant_mass_kg"), _stage_columns(missile, draws, "dry_mass_kg")
    payload = _scalar_column(missile, draws, "payload_mass_kg")
    beta = _scalar_column(missile, draws, "rv_ballistic_coefficient_kg_m2")
    diameter = _scalar_column(missile, draws, "diameter_m")
    mdot = prop / burn
    tables = np.stack([burn, mdot * isp * G0, mdot, dry, np.zeros_like(burn)], axis=2)  # (n, stages, 5)
    cd = _scalar_column(missile, draws, "boost_drag_factor")
    area = np.pi * diameter ** 2 / 4.0 * cd if reference_area_m2(missile) > 0 else np.zeros_like(diameter)
    out: list[Vehicle | None] = []
    for rows, m_pay, b, a in zip(tables, payload, beta, area):  # building inputs: one small table each
        try:
            out.append(Vehicle(rows, float(m_pay), float(b), vertical_rise_s(rows, float(m_pay)), 12.0, float(a)))
        except InputError:
            out.append(None)
    return out


def disperse(missile: Missile, shot: AimSolution, launch_lat_rad: float, launch_lon_rad: float,
             earth: EarthModel, trials: int, seed: int = 0) -> Dispersion:
    """Fly ``trials`` variants of ``missile`` (drawn from its figures' ranges) with ``shot``'s steering."""
    if check_variant_count(trials) < 1:
        raise InputError(f"must be at least 1, got {trials}", "uncertainty")
    if not missile.uses_mass_form:
        raise InputError(f"{missile.name} is given by burnout speeds; uncertainty needs the mass form", "missile")
    draws = draw_figures(missile, trials, seed, FLIGHT_FIGURES, stream=missile.name)  # as every command draws it
    nominal_burn = vehicle_from_missile(missile).burn_time_s
    full_burn = shot.cutoff_s >= nominal_burn * (1.0 - 1e-9)
    survey = _survey(vehicle_from_missile(missile), launch_lat_rad, launch_lon_rad, shot.azimuth_rad, earth)
    kicks = np.append(survey, shot.kick_rad)
    k = survey.size
    out = np.full((trials, len(RESULTS)), np.nan)
    # The kernel flies one stage table per call, so each variant is one batch (its kick survey and the nominal
    # steering); when the kernel takes a table per flight, this becomes a single call.
    for i, v in enumerate(variant_vehicles(missile, draws)):
        if v is None:
            continue
        cut = np.full(kicks.size, v.burn_time_s)
        if not full_burn:
            cut[-1] = min(shot.cutoff_s, v.burn_time_s)
        b = fly_launches(v, launch_lat_rad, launch_lon_rad, shot.azimuth_rad, kicks, earth, cutoff_s=cut)
        rng = np.where(b.status == 0, b.ground_range_m(), np.nan)
        if not np.any(np.isfinite(rng[:k])):
            continue
        j = int(np.nanargmax(rng[:k]))
        out[i, :3] = [_peak(np.log(survey), rng[:k], j), b.apogee_altitude_m[j], b.flight_time_s[j]]
        if np.isfinite(rng[-1]):
            out[i, 3:] = [rng[-1], b.apogee_altitude_m[-1], b.flight_time_s[-1]]
    return Dispersion(draws, *out.T)


def _survey(vehicle: Vehicle, lat: float, lon: float, azimuth: float, earth: EarthModel) -> NDArray:
    """Sorted survey kicks (rad): the coarse grid and a fine one around the nominal vehicle's farthest shot."""
    b = fly_launches(vehicle, lat, lon, azimuth, SURVEY_KICKS_RAD, earth)
    rng = np.where(b.status == 0, b.ground_range_m(), -np.inf)
    best = SURVEY_KICKS_RAD[int(np.argmax(rng))]
    fine = np.geomspace(best / FINE_SPAN, min(best * FINE_SPAN, SURVEY_KICKS_RAD[-1]), FINE_POINTS)
    return np.unique(np.concatenate([SURVEY_KICKS_RAD, fine]))


def _peak(x: NDArray, y: NDArray, j: int) -> float:
    """The parabola's top through the survey's best point and its neighbours (the best point at an edge)."""
    if j == 0 or j == len(y) - 1 or not np.all(np.isfinite(y[j - 1:j + 2])):
        return float(y[j])
    a, b, c = np.polyfit(x[j - 1:j + 2], y[j - 1:j + 2], 2)
    if a >= 0:
        return float(y[j])
    return float(max(y[j], c - b * b / (4 * a)))
