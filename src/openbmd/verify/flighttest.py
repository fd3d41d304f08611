"""An interceptor flight test: the declared profile, and the test as flown (the truth an observer tries to see).

The interceptor flies as the engagement layer's fly-out fan does (:func:`openbmd.engagement.flyout.
interceptor_vehicle`: vertical rise, pitch-over, gravity turn, burnout after its catalog burn time, then a
coast with drag), from a test range on a declared azimuth and pitch-over angle.

A declared burnout speed is the speed at burnout (Earth-relative), the figure an observer estimates. The fan's
speed form gains its stated speed along the thrust, and steering through the pitch-over costs some of it (about
20 m/s of 4.5 km/s), so the test's speed gain is set, by a few flights of the one trajectory, to reach the
declared (or flown) burnout speed: an honest test is observed at its declaration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Interceptor
from openbmd.earth import EarthModel, ecef_to_geodetic
from openbmd.engagement.flyout import ballistic_coefficient_kg_m2, interceptor_vehicle
from openbmd.flight import FlownThreats, TrajectoryBatch, fly_launches

DEFAULT_KICK_RAD = math.radians(30.0)
"""Pitch-over angle of a test shot when none is declared (rad): a shot well downrange, as tests fly."""


@dataclass(frozen=True)
class FlightTestProfile:
    """What the tester declares: the interceptor, the test range (geodetic, rad), azimuth and pitch-over (rad),
    and the burnout speed (m/s) it says the interceptor reaches."""

    interceptor: Interceptor
    site: str
    lat_rad: float
    lon_rad: float
    azimuth_rad: float
    kick_rad: float
    declared_speed_mps: float

    @property
    def burn_time_s(self) -> float:
        return float(self.interceptor.burn_time_s)


@dataclass(frozen=True)
class FlightTest:
    """The test as flown: its profile, the burnout speed it was really flown to (m/s, Earth-relative), the flight
    (one-row batch with samples, and as :class:`FlownThreats`), its true burnout figures (Earth-relative speed m/s,
    height m, time s after launch), and the speed-form gain (m/s) that reaches that speed."""

    profile: FlightTestProfile
    flown_speed_mps: float
    batch: TrajectoryBatch
    flown: FlownThreats
    burnout_speed_mps: float
    burnout_altitude_m: float
    burnout_t_s: float
    beta_kg_m2: float
    speed_gain_mps: float = math.nan


SPEED_TOLERANCE_MPS = 1e-4
"""How near the flown burnout speed comes to the declared (or flown) one (m/s): far inside any observer's 1-σ."""

CALIBRATION_FLIGHTS = 6
"""Most flights the speed gain is set in (each step cuts the miss a hundredfold or more; three suffice)."""


def declare_test(catalog: Catalog, interceptor: str, site: str, azimuth_rad: float, *,
                 declared_speed_mps: float | None = None, kick_rad: float = DEFAULT_KICK_RAD) -> FlightTestProfile:
    """The declared profile of a test of ``interceptor`` from ``site`` (a catalog place or ``"lat,lon"``)."""
    entry = catalog.interceptor(interceptor)
    lat, lon, _ = catalog.point(site, "site")
    return FlightTestProfile(entry, site, math.radians(lat), math.radians(lon), float(azimuth_rad), float(kick_rad),
                       float(declared_speed_mps or entry.burnout_speed_mps))


def fly_test(profile: FlightTestProfile, earth: EarthModel, *, flown_speed_mps: float | None = None,
             sample_dt_s: float = 1.0, t_max_s: float = 1500.0, burn_time_s: float | None = None,
             beta_kg_m2: float | None = None) -> FlightTest:
    """Fly the test to burn out at the declared speed (Earth-relative), unless ``flown_speed_mps`` says the
    tester flew it to another (see the module docstring). ``burn_time_s`` (s) and ``beta_kg_m2`` (kg/m²) are the
    interceptor's as built where they differ from the catalog's (:mod:`openbmd.verify.unknowns`): the tester
    still flies it to the declared speed, with the thrust that takes in that burn time."""
    speed = float(flown_speed_mps or profile.declared_speed_mps)
    beta = float(beta_kg_m2 or ballistic_coefficient_kg_m2(profile.interceptor))
    burn = float(burn_time_s or profile.burn_time_s)
    gain = speed
    for _ in range(CALIBRATION_FLIGHTS):  # fixed-point steps: the burnout speed moves with the gain ~1:1
        batch = fly_launches(interceptor_vehicle(gain, burn, beta), profile.lat_rad, profile.lon_rad,
                             profile.azimuth_rad, profile.kick_rad, earth, sample_dt_s=sample_dt_s, t_max_s=t_max_s)
        v = float(batch.speed_and_flight_path_angle("burnout")[0][0])
        if not math.isfinite(v) or abs(v - speed) <= SPEED_TOLERANCE_MPS:
            break
        gain += speed - v
    _, r_b, _ = batch.event_ecef("burnout")
    _, _, h = ecef_to_geodetic(r_b, earth)
    return FlightTest(profile, speed, batch, FlownThreats.from_batch(batch), v, float(np.asarray(h)[0]),
                      float(batch.event_t_s[0, 0] - batch.start_t_s[0]), beta, gain)


def fly_runs(profile: FlightTestProfile, earth: EarthModel, burn_time_s: NDArray, beta_kg_m2: NDArray, *,
             flown_speed_mps: float | None = None) -> tuple[list[FlightTest], FlownThreats]:
    """One flight per Monte Carlo run, each with its own burn time (s) and ballistic coefficient (kg/m²) (R,),
    and all of them as one R-row :class:`FlownThreats` (NaN padded) for observing in one batch. Each is its own
    vehicle, so each is its own kernel call (about a millisecond each)."""
    tests = [fly_test(profile, earth, flown_speed_mps=flown_speed_mps, burn_time_s=float(b), beta_kg_m2=float(q))
             for b, q in zip(np.asarray(burn_time_s, float), np.asarray(beta_kg_m2, float))]
    return tests, FlownThreats.gather([(np.array([k]), t.flown) for k, t in enumerate(tests)], len(tests))
