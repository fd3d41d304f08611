"""Lofted-test reconstruction: from an observed test (apogee, ground range, flight time) to the range on a
standard trajectory, as public analysts do (e.g. D. Wright, Union of Concerned Scientists, 2017).

A family of mass-form vehicles (stage splits, burn times and lift-off mass per body cross-section over
plausible bounds for the stage count and propellant) is fitted, each by its total ideal speed gain and its
pitch-over, so that its full-burn flight on a still Earth, boost drag included, reproduces the test's apogee
and ground range; members whose flight time then misses the observed one by more than :data:`TIME_TOLERANCE`
drop out. Each member is flown to its maximum range: on the still Earth, and given a site and azimuth on the
rotating Earth. The estimate is the family's median, the spread its extremes. A member whose standard shot
goes into orbit, or nears the point opposite the launch point (every point on Earth is then nearly in range),
marks the result ``orbital``: its range is no longer finite, and the estimate says so rather than saturating.

The lofted shot climbs steeply: it pays more gravity loss and less drag loss than the standard shot, so
the standard shot burns out faster than the lofted one did. :func:`same_speed_range_m` is the simpler
estimate that ignores this (the lofted test's burnout speed, from the surface, on a minimum-energy
trajectory); the refly exceeds it, by more the longer the burn.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from openbmd.earth import EarthModel, wgs84
from openbmd.earth.constants import IDEAL_RADIUS_M, MU_EARTH_M3_S2
from openbmd.errors import InputError
from openbmd.flight._kernel import G0, ST_TIMEOUT
from openbmd.flight.aim import _best_kicks
from openbmd.flight.propagate import Tolerances, Vehicle, fly_launches

TIME_TOLERANCE = 0.08
"""Largest relative flight-time misfit of a family member (8 %, assumption: public flight times are
quoted to the minute and include the burn)."""

# Family bounds (assumptions for missiles of the class; the first stage's share of the ideal speed
# gain and the stage burn times, s). Isp and dry shares as in :mod:`openbmd.flight.vehicle`.
_SPLITS = {1: [(1.0,)], 2: [(0.40, 0.60), (0.50, 0.50), (0.60, 0.40)],
           3: [(0.30, 0.30, 0.40), (0.35, 0.35, 0.30), (0.40, 0.35, 0.25)]}
_BURNS = {"liquid": {1: [(100.0,), (140.0,), (180.0,)], 2: [(110.0, 120.0), (150.0, 180.0)],
                     3: [(110.0, 100.0, 60.0), (150.0, 150.0, 90.0)]},
          "solid": {1: [(50.0,), (80.0,)], 2: [(50.0, 50.0), (70.0, 70.0)],
                    3: [(50.0, 50.0, 45.0), (65.0, 65.0, 60.0)]}}
_ISP = {"liquid": (285.0, 310.0), "solid": (255.0, 280.0)}  # first stage, upper stages (s)
_DRY = {"liquid": 0.08, "solid": 0.10}
_PAYLOAD_KG = 1000.0
_BETA = 5000.0
_LOADING_KG_M2 = (11000.0, 16000.0)
"""Lift-off mass per body cross-section (kg/m^2), the family's bounds: it sets the boost drag per unit mass.
From launch masses and diameters in the catalog: Hwasong-12 11,100, Shahab-3 13,000, Minuteman III 16,000
(assumption for missiles of 15-70 t; heavier ICBMs run higher, SS-18 30,000)."""
_SITE = (0.0, 0.0, math.pi / 2)  # the still-Earth fits fly east from 0 N 0 E (on a still Earth any site will do)


@dataclass(frozen=True)
class LoftedTest:
    """An observed test flight: apogee altitude (m), ground range (m) and flight time (s)."""

    apogee_m: float
    range_m: float
    flight_time_s: float

    def __post_init__(self) -> None:
        for name in ("apogee_m", "range_m", "flight_time_s"):
            if not getattr(self, name) > 0.0:
                raise InputError("must be positive", name)


MEMBER_FIELDS = ("ideal_delta_v_mps", "stage1_share", "burn_time_s", "loading_kg_m2", "lofted_burnout_speed_mps",
                 "flight_time_s", "range_m")
"""The columns of :attr:`Reconstruction.members` (SI)."""


@dataclass(frozen=True)
class Reconstruction:
    """The standard-trajectory range of the vehicles that reproduce a lofted test (SI).

    ``range_m`` (median) and ``spread_m`` (least, greatest) over the family on the still Earth;
    ``range_rotating_m``/``spread_rotating_m`` the same from ``site`` toward ``azimuth_rad`` on the
    rotating Earth (None without a site). ``orbital``: some fitted member reaches orbital speed.
    ``members`` one row per fitted vehicle, as :data:`MEMBER_FIELDS`: ideal speed gain (m/s), stage-1 share,
    burn time (s), lift-off mass per cross-section (kg/m^2), lofted burnout speed (m/s), modelled flight time (s),
    still-Earth range (m; inf when orbital).
    """

    test: LoftedTest
    stages: int
    propellant: str
    range_m: float
    spread_m: tuple[float, float]
    range_rotating_m: float | None
    spread_rotating_m: tuple[float, float] | None
    orbital: bool
    members: tuple[tuple[float, ...], ...]

    def to_json(self) -> dict:
        def finite(x):
            return x if math.isfinite(x) else None  # an orbital member has no range

        def rng(est, spread):
            return None if est is None else {"estimate": finite(est), "spread": [finite(x) for x in spread]}

        return {"test": dataclasses.asdict(self.test), "stages": self.stages, "propellant": self.propellant,
                "range_m": rng(self.range_m, self.spread_m),
                "range_rotating_m": rng(self.range_rotating_m, self.spread_rotating_m),
                "orbital": self.orbital,
                "members": [dict(zip(MEMBER_FIELDS, map(finite, m))) for m in self.members]}


def family_vehicle(ideal_dv_mps: float, shares, burns, propellant: str,
                   loading_kg_m2: float = _LOADING_KG_M2[0]) -> Vehicle | None:
    """A mass-form vehicle with this total ideal speed gain split over stages by ``shares`` (top down sizing),
    its boost-drag reference area its lift-off mass over ``loading_kg_m2``; None where it could not fly."""
    from openbmd.flight.vehicle import vertical_rise_s

    isp1, isp_up = _ISP[propellant]
    eps = _DRY[propellant]
    n = len(shares)
    above = _PAYLOAD_KG
    rows = np.zeros((n, 5))
    for i in range(n - 1, -1, -1):  # a handful of stages
        isp = isp1 if i == 0 else isp_up
        ratio = math.exp(ideal_dv_mps * shares[i] / (isp * G0))
        if eps * ratio >= 0.98:
            return None
        gross = above * (ratio - 1.0) / (1.0 - eps * ratio)
        prop, dry = (1.0 - eps) * gross, eps * gross
        mdot = prop / burns[i]
        rows[i] = [burns[i], mdot * isp * G0, mdot, dry, 0.0]
        above += gross
    if rows[0, 1] <= above * G0 * 1.05:  # a first stage this slow would not fly the test
        return None
    return Vehicle(rows, _PAYLOAD_KG, _BETA, vertical_rise_s(rows, _PAYLOAD_KG), 12.0, above / loading_kg_m2)


def same_speed_range_m(test: LoftedTest, mu_m3_s2: float = MU_EARTH_M3_S2, radius_m: float = IDEAL_RADIUS_M) -> float:
    """The simple estimate (m): the lofted test's burnout speed, from the surface, flown on a minimum-energy
    trajectory (two-body, spherical non-rotating Earth of ``radius_m``, no burn: Bate, Mueller & White ch. 6).

    The test's conic through its apogee with its ground range as the range angle gives the burnout speed; the
    minimum-energy range angle at that speed (:func:`~openbmd.flight.kepler.minimum_energy_range_angle`) gives
    the range; inf at orbital speed. It leaves out the gravity and drag losses that differ between the lofted and
    the standard shot, and so falls short of a refly of the same vehicle.
    """
    from openbmd.flight.kepler import minimum_energy_range_angle

    r_apo, half = radius_m + test.apogee_m, 0.5 * test.range_m / radius_m
    e = (r_apo - radius_m) / (r_apo - radius_m * math.cos(half))  # r = p / (1 - e cos(theta from apogee))
    a = r_apo / (1.0 + e)
    q = (2.0 - radius_m / a)  # v^2 r / mu at the surface
    if q >= 1.0:
        return math.inf
    return float(minimum_energy_range_angle(q)) * radius_m


def lofted_apogee_m(vehicle: Vehicle, range_m: float, earth: EarthModel | None = None,
                    tol: Tolerances = Tolerances()) -> float:
    """The highest apogee altitude (m) of ``vehicle``'s full-burn shots that land ``range_m`` away: its most lofted
    shot to that range (pitch-overs below the farthest shot's), on ``earth`` (default the still WGS-84 Earth,
    as tests are reconstructed); NaN where no full-burn shot comes down that close."""
    earth = earth or dataclasses.replace(wgs84(), name="wgs84-still", omega_rad_s=0.0)
    kicks = np.geomspace(np.radians(0.01), np.radians(20.0), 80)
    b = fly_launches(vehicle, _SITE[0], _SITE[1], _SITE[2], kicks, earth, tol=tol)
    rng = np.where(b.status == 0, b.ground_range_m(), np.nan)
    if not np.any(np.isfinite(rng)):
        return math.nan
    far = int(np.nanargmax(rng))
    first = int(np.argmax(np.isfinite(rng)))
    r, apo = rng[first:far + 1], b.apogee_altitude_m[first:far + 1]
    ok = np.isfinite(r)
    r, apo = r[ok], apo[ok]
    if not r[0] <= range_m <= r[-1] or np.any(np.diff(r) <= 0.0):
        return math.nan
    lo = int(np.searchsorted(r, range_m))  # refine between the two survey shots that bracket the range
    fine = np.linspace(kicks[first:far + 1][ok][max(lo - 1, 0)], kicks[first:far + 1][ok][lo], 40)
    b = fly_launches(vehicle, _SITE[0], _SITE[1], _SITE[2], fine, earth, tol=tol)
    r2, apo2 = b.ground_range_m(), b.apogee_altitude_m
    return float(np.interp(range_m, r2, apo2))


def _fly(vehicles, kicks, earth: EarthModel, tol: Tolerances):
    """Apogee (m), ground range (m), flight time (s) of each (vehicle, kick) pair; NaN where it fails."""
    out = np.full((len(vehicles), 3), np.nan)
    for i, (v, k) in enumerate(zip(vehicles, kicks)):  # one flight each; the family is small
        if v is None:
            continue
        b = fly_launches(v, _SITE[0], _SITE[1], _SITE[2], k, earth, tol=tol)
        if b.status[0] == 0:
            out[i] = [b.apogee_altitude_m[0], b.ground_range_m()[0], b.flight_time_s[0]]
    return out


def _fit_member(shares, burns, propellant: str, loading: float, test: LoftedTest, earth: EarthModel,
                tol: Tolerances) -> tuple[float, float] | None:
    """(ideal speed gain m/s, kick rad) whose full-burn flight reproduces the test's apogee and range."""
    dvs = np.linspace(4000.0, 12000.0, 17)
    kicks = np.geomspace(np.radians(0.02), np.radians(15.0), 16)
    dd, kk = np.meshgrid(dvs, kicks, indexing="ij")
    best, x = np.inf, None
    for dv_row, k_row in zip(dd, kk):  # 17 grid rows of one batch each
        v = family_vehicle(float(dv_row[0]), shares, burns, propellant, loading)
        if v is None:
            continue
        b = fly_launches(v, _SITE[0], _SITE[1], _SITE[2], k_row, earth, tol=tol)
        res = np.hypot(b.apogee_altitude_m / test.apogee_m - 1.0, b.ground_range_m() / test.range_m - 1.0)
        res = np.where(b.status == 0, res, np.inf)
        j = int(np.argmin(res))
        if res[j] < best:
            best, x = float(res[j]), np.array([dv_row[0], math.log(k_row[j])])
    if x is None:
        return None
    step = np.zeros(2)
    for _ in range(25):  # Newton on (ideal dv, log kick) against relative (apogee, range) misfits
        trial = [x, x + [5.0, 0.0], x + [0.0, 0.01], x - [5.0, 0.0]]
        obs = _fly([family_vehicle(t[0], shares, burns, propellant, loading) for t in trial],
                   [math.exp(t[1]) for t in trial], earth, tol)
        res = np.stack([obs[:, 0] / test.apogee_m - 1.0, obs[:, 1] / test.range_m - 1.0], axis=1)
        if not np.all(np.isfinite(res[0])):  # stepped off the vehicles that fly: back half the way
            if not np.any(step):
                return None
            step *= 0.5
            x = x - step
            continue
        if np.max(np.abs(res[0])) < 1e-4:
            return float(x[0]), math.exp(x[1])
        d_dv = (res[1] - res[0]) / 5.0 if np.all(np.isfinite(res[1])) else (res[0] - res[3]) / 5.0
        jac = np.stack([d_dv, (res[2] - res[0]) / 0.01], axis=1)
        if not np.all(np.isfinite(jac)) or abs(np.linalg.det(jac)) < 1e-14:
            return None
        step = np.linalg.solve(jac, -res[0])
        step *= min(1.0, 500.0 / max(abs(step[0]), 1e-9), 0.5 / max(abs(step[1]), 1e-9))
        x = x + step
    return None


def reconstruct(test: LoftedTest, *, stages: int = 2, propellant: Literal["liquid", "solid"] = "liquid",
                site_lat_rad: float | None = None, site_lon_rad: float | None = None,
                azimuth_rad: float | None = None, tol: Tolerances = Tolerances()) -> Reconstruction:
    """Fit the vehicle family to ``test`` and fly each member on a standard trajectory (see the module doc).

    Raises :class:`InputError` when no member of the family reproduces the test.
    """
    if stages not in _SPLITS:
        raise InputError("must be 1, 2 or 3", "stages")
    if propellant not in _BURNS:
        raise InputError("must be liquid or solid", "propellant")
    full = wgs84()
    still = dataclasses.replace(full, name="wgs84-still", omega_rad_s=0.0)
    members, vehicles = [], []
    family = [(s, b, q) for s in _SPLITS[stages] for b in _BURNS[propellant][stages] for q in _LOADING_KG_M2]
    for shares, burns, loading in family:  # a dozen members at most
        fit = _fit_member(shares, burns, propellant, loading, test, still, tol)
        if fit is None:
            continue
        v = family_vehicle(fit[0], shares, burns, propellant, loading)
        b = fly_launches(v, _SITE[0], _SITE[1], _SITE[2], fit[1], still, tol=tol)
        t_fit = float(b.flight_time_s[0])
        if abs(t_fit / test.flight_time_s - 1.0) > TIME_TOLERANCE:
            continue
        speed = float(b.speed_and_flight_path_angle("burnout")[0][0])
        members.append([fit[0], shares[0], float(sum(burns)), loading, speed, t_fit])
        vehicles.append(v)
    if not members:
        raise InputError(f"no {stages}-stage {propellant} vehicle of the family reproduces apogee "
                         f"{test.apogee_m / 1e3:.0f} km, range {test.range_m / 1e3:.0f} km and flight time "
                         f"{test.flight_time_s / 60:.0f} min", "apogee")
    ranges, orbital = _standard_ranges(vehicles, _SITE[0], _SITE[1], _SITE[2], still, tol)
    rot = None
    if site_lat_rad is not None and site_lon_rad is not None and azimuth_rad is not None:
        rot, orbital_rot = _standard_ranges(vehicles, site_lat_rad, site_lon_rad, azimuth_rad, full, tol)
        orbital = orbital or orbital_rot
    for m, r in zip(members, ranges):
        m.append(r)
    return Reconstruction(test, stages, propellant, float(np.median(ranges)), (float(ranges.min()), float(ranges.max())),
                          None if rot is None else float(np.median(rot)),
                          None if rot is None else (float(rot.min()), float(rot.max())), bool(orbital),
                          tuple(tuple(m) for m in members))


def _standard_ranges(vehicles, lat: float, lon: float, az: float, earth: EarthModel,
                     tol: Tolerances) -> tuple[np.ndarray, bool]:
    """Each vehicle's maximum range (m; inf where it is orbital, see the module doc) and whether any is.

    Orbital, as :mod:`openbmd.threat.reach` marks a missile: some pitch-over from the farthest shot's up to 80 deg
    puts the vehicle in orbit (no impact), or the farthest shot passes :data:`openbmd.flight.aim._NEAR_ANTIPODE`
    of the way to the point opposite the launch point (about 99 % of orbital speed). A burnout speed nearer,
    but short of, orbital speed is not orbital: at 0.97 of it a minimum-energy shot comes down at about 14,000 km.
    """
    from openbmd.flight.aim import _NEAR_ANTIPODE, _antipode_distance_m

    out = np.empty(len(vehicles))
    orbital = False
    half_way = float(_antipode_distance_m(lat, lon, np.array([az]), earth)[0])
    for i, v in enumerate(vehicles):  # a dozen members at most
        reach, kick, launch_az = _best_kicks(v, lat, lon, np.array([az]), earth, tol)
        survey = fly_launches(v, lat, lon, launch_az[0], np.geomspace(kick[0], np.radians(80.0), 12), earth, tol=tol)
        if reach[0] > _NEAR_ANTIPODE * half_way or np.any(survey.status == ST_TIMEOUT):
            orbital = True
            out[i] = math.inf
        else:
            out[i] = reach[0]
    return out, orbital
