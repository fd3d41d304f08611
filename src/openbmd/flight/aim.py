"""Aiming on the rotating Earth: the launch azimuth, pitch-over and thrust cut-off that hit a target.

Unknowns per shot: launch azimuth, pitch-over ("kick") angle, and thrust cut-off
time (energy management). A batched coarse survey over (kick, cut-off) finds the
family of trajectories reaching the target's distance; the loft rule picks one
(minimum energy — the least inertial burnout energy, as in Bate, Mueller & White
§6.2 — or a given apogee or flight time); Newton steps on batched
finite differences then close the miss to metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pymap3d

from openbmd.earth import EarthModel, geodesic_inverse
from openbmd.earth.frames import ellipsoid
from openbmd.errors import InputError, OutOfRangeError
from openbmd.flight.propagate import Tolerances, TrajectoryBatch, Vehicle, fly_launches

if TYPE_CHECKING:
    from openbmd.catalog.models import Missile

_KICK_MIN, _KICK_MAX = np.radians(0.5), np.radians(80.0)


@dataclass(frozen=True)
class Loft:
    """How to shape the trajectory: ``"min-energy"``, or a given ``apogee_m`` or ``flight_time_s``."""

    rule: str = "min-energy"
    value: float | None = None

    @staticmethod
    def min_energy() -> "Loft":
        return Loft()

    @staticmethod
    def apogee(apogee_m: float) -> "Loft":
        return Loft("apogee", apogee_m)

    @staticmethod
    def flight_time(flight_time_s: float) -> "Loft":
        return Loft("time", flight_time_s)


@dataclass(frozen=True)
class AimSolution:
    """The aimed shot: launch azimuth (rad, from north), kick (rad), cut-off (s after launch).

    ``trajectory`` is the flown batch of one, with samples; ``miss_m`` the distance from
    its impact to the target; ``max_range_m`` the missile's reach on this bearing.
    """

    azimuth_rad: float
    kick_rad: float
    cutoff_s: float
    miss_m: float
    max_range_m: float
    trajectory: TrajectoryBatch


def _range_survey(vehicle: Vehicle, lat: float, lon: float, az: float, kicks, cutoffs, earth: EarthModel,
                  tol: Tolerances) -> tuple[TrajectoryBatch, np.ndarray]:
    kk, cc = np.meshgrid(kicks, cutoffs, indexing="ij")
    batch = fly_launches(vehicle, lat, lon, az, kk.ravel(), earth, cutoff_s=cc.ravel(), tol=tol)
    return batch, batch.ground_range_m().reshape(kk.shape)


def maximum_range_m(vehicle: Vehicle, lat_rad: float, lon_rad: float, azimuth_rad: float, earth: EarthModel,
                    tol: Tolerances = Tolerances()) -> float:
    """Greatest ground range (m) at full burn on this bearing, over the pitch-over angle."""
    kicks = np.linspace(_KICK_MIN, _KICK_MAX, 80)
    for _ in range(3):
        batch = fly_launches(vehicle, lat_rad, lon_rad, azimuth_rad, kicks, earth, tol=tol)
        rng = np.nan_to_num(batch.ground_range_m(), nan=-1.0)
        j = int(np.argmax(rng))
        lo, hi = kicks[max(j - 1, 0)], kicks[min(j + 1, len(kicks) - 1)]
        kicks = np.linspace(lo, hi, 16)
    return float(rng.max())


def _miss_enu(batch: TrajectoryBatch, lat_t: float, lon_t: float, earth: EarthModel) -> np.ndarray:
    lat, lon, _ = batch.event_geodetic("impact")
    e, n, _ = pymap3d.geodetic2enu(lat, lon, 0.0, lat_t, lon_t, 0.0, ell=ellipsoid(earth.a_m, earth.f), deg=False)
    return np.stack([np.asarray(e), np.asarray(n)], axis=-1)


def _burnout_energy(batch: TrajectoryBatch) -> np.ndarray:
    """Inertial specific energy at burnout (J/kg): what "minimum energy" minimises."""
    r = np.linalg.norm(batch.event_r_eci[:, 0], axis=-1)
    v = np.linalg.norm(batch.event_v_eci[:, 0], axis=-1)
    return 0.5 * v * v - batch.earth.mu_m3_s2 / r


def _constraint(batch: TrajectoryBatch, loft: Loft) -> np.ndarray:
    if loft.rule == "apogee":
        return batch.apogee_altitude_m - loft.value
    return batch.flight_time_s - loft.value


def _pick_on_contour(distance_m: float, kicks, cutoffs, rng, extra, loft: Loft) -> tuple[float, float]:
    """Point of the survey grid's range = distance contour chosen by the loft rule -> (kick, cutoff)."""
    best_cut, values, ks = [], [], []
    for j, k in enumerate(kicks):
        row = rng[j]
        ok = np.flatnonzero(np.isfinite(row[:-1]) & np.isfinite(row[1:]) & (row[:-1] < distance_m) & (row[1:] >= distance_m))
        if ok.size == 0:
            continue
        i = ok[0]
        w = (distance_m - row[i]) / (row[i + 1] - row[i])
        best_cut.append(cutoffs[i] + w * (cutoffs[i + 1] - cutoffs[i]))
        ks.append(k)
        values.append(extra[j, i] + w * (extra[j, i + 1] - extra[j, i]))
    if not ks:
        raise OutOfRangeError("no trajectory of this missile reaches the target", "to")
    ks, best_cut = np.array(ks), np.array(best_cut)
    values = np.array(values)
    if loft.rule == "min-energy":  # values: burnout specific energy along the contour
        j = int(np.argmin(values))
        return float(ks[j]), float(best_cut[j])
    sign = np.sign(values)
    cross = np.flatnonzero(sign[:-1] * sign[1:] <= 0)
    if cross.size == 0:
        label = "apogee" if loft.rule == "apogee" else "flight time"
        target = values + loft.value
        unit, scale = ("km", 1e3) if loft.rule == "apogee" else ("s", 1.0)
        raise InputError(f"{label} {loft.value / scale:.0f} {unit} is not reachable at this range; this missile "
                         f"gives {target.min() / scale:.0f}-{target.max() / scale:.0f} {unit}", "loft")
    # Prefer the crossing nearest the minimum-energy shot when several exist.
    j = cross[np.argmin(best_cut[cross])]
    w = values[j] / (values[j] - values[j + 1])
    return float(ks[j] + w * (ks[j + 1] - ks[j])), float(best_cut[j] + w * (best_cut[j + 1] - best_cut[j]))


def aim(vehicle: Vehicle, launch_lat_rad: float, launch_lon_rad: float, target_lat_rad: float,
        target_lon_rad: float, earth: EarthModel, loft: Loft = Loft(), *, tol: Tolerances = Tolerances(),
        miss_tolerance_m: float = 10.0, sample_dt_s: float | None = 5.0) -> AimSolution:
    """Find the shot from launch point to target on the given Earth.

    Raises :class:`OutOfRangeError` (stating the missile's maximum range) when the target
    is out of reach, and :class:`InputError` when the loft constraint cannot be met.
    """
    dist, az0, _ = geodesic_inverse(launch_lat_rad, launch_lon_rad, target_lat_rad, target_lon_rad, earth)
    dist, az0 = float(dist), float(az0)
    if dist < 1e3:
        raise InputError("launch point and target are the same place", "to")
    burn = vehicle.burn_time_s
    t_min = min(vehicle.vertical_s + vehicle.kick_s + 1.0, 0.5 * burn)
    kicks = np.linspace(_KICK_MIN, _KICK_MAX, 40)
    cutoffs = np.concatenate([np.geomspace(t_min, burn, 28)[:-1], [burn]])
    survey, rng = _range_survey(vehicle, launch_lat_rad, launch_lon_rad, az0, kicks, cutoffs, earth, tol)
    reach = np.nanmax(rng) if np.isfinite(rng).any() else 0.0
    if dist > reach:
        reach = maximum_range_m(vehicle, launch_lat_rad, launch_lon_rad, az0, earth, tol)
        if dist > reach * 0.999:
            raise OutOfRangeError(f"target is {dist / 1e3:.0f} km away, beyond this missile's maximum range of "
                                  f"{reach / 1e3:.0f} km", "to")
    if loft.rule == "min-energy":
        extra = _burnout_energy(survey).reshape(rng.shape)
    else:
        extra = _constraint(survey, loft).reshape(rng.shape)
    kick, cut = _pick_on_contour(dist, kicks, cutoffs, rng, extra, loft)

    # Newton on (azimuth, cut-off[, kick]) against (east, north[, constraint]) residuals.
    x = np.array([az0, cut, kick]) if loft.rule != "min-energy" else np.array([az0, cut])
    steps = np.array([1e-5, 0.02, 1e-4])[: x.size]
    for _ in range(12):
        trial = np.vstack([x, x + np.diag(steps)])
        kicks_t = trial[:, 2] if x.size == 3 else np.full(len(trial), kick)
        cut_t = np.minimum(trial[:, 1], burn)
        batch = fly_launches(vehicle, launch_lat_rad, launch_lon_rad, trial[:, 0], kicks_t, earth, cutoff_s=cut_t, tol=tol)
        res = _miss_enu(batch, target_lat_rad, target_lon_rad, earth)
        if x.size == 3:
            res = np.hstack([res, _constraint(batch, loft)[:, None] * (1.0 if loft.rule == "apogee" else 1e3)])
        if not np.all(np.isfinite(res)):
            break
        miss = float(np.hypot(res[0, 0], res[0, 1]))
        if miss < miss_tolerance_m * 0.1 and (x.size == 2 or abs(res[0, 2]) < 1.0):
            break
        jac = ((res[1:] - res[0]) / steps[:, None]).T
        dx = np.linalg.lstsq(jac, -res[0], rcond=None)[0]
        x = x + dx
        if x[1] > burn:  # cannot burn longer than the motor: the target is beyond reach on this loft
            x[1] = burn
    kick = float(x[2]) if x.size == 3 else kick
    final = fly_launches(vehicle, launch_lat_rad, launch_lon_rad, x[0], kick, earth, cutoff_s=min(x[1], burn),
                         tol=tol, sample_dt_s=sample_dt_s)
    miss = float(np.hypot(*_miss_enu(final, target_lat_rad, target_lon_rad, earth)[0]))
    if not np.isfinite(miss) or miss > miss_tolerance_m:
        raise OutOfRangeError(f"could not aim within {miss_tolerance_m:.0f} m (miss {miss / 1e3:.1f} km); the "
                              f"target may be at the edge of this missile's {reach / 1e3:.0f} km reach", "to")
    return AimSolution(float(x[0]), kick, float(min(x[1], burn)), miss, float(reach), final)


def aim_missile(missile: "Missile", launch_lat_rad: float, launch_lon_rad: float, target_lat_rad: float,
                target_lon_rad: float, earth: EarthModel, loft: Loft = Loft(), **kwargs) -> AimSolution:
    """:func:`aim` for a catalog missile."""
    from openbmd.flight.vehicle import vehicle_from_missile

    try:
        return aim(vehicle_from_missile(missile), launch_lat_rad, launch_lon_rad, target_lat_rad, target_lon_rad,
                   earth, loft, **kwargs)
    except OutOfRangeError as exc:
        if "maximum range" in str(exc):
            raise OutOfRangeError(f"{exc.args[0]} ({missile.display_name}; catalog figure "
                                  f"{missile.max_range_m / 1e3:.0f} km)", exc.argument) from None
        raise
