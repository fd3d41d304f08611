"""An interceptor flight test: the declared profile, and the test as flown (the truth an observer tries to see).

The interceptor flies as the engagement layer's fly-out fan does (:func:`openbmd.engagement.flyout.
interceptor_vehicle`: vertical rise, pitch-over, gravity turn, burnout after its catalog burn time, then a
coast with drag), from a test range on a declared azimuth and pitch-over angle.

A declared burnout speed is the speed at burnout (Earth-relative), the figure an observer estimates. The fan's
speed form gains its stated speed along the thrust, and steering through the pitch-over costs some of it (about
20 m/s of 4.5 km/s), so the test's speed gain is set, by a few flights of the one trajectory, to reach the
declared (or flown) burnout speed: an honest test is observed at its declaration.

The observer's thrust law (:mod:`openbmd.verify.thrust`) is that speed form. So that the estimator is not checked
only against the law it assumes, a test may instead be flown as a rocket (``isp_s``): constant thrust and mass flow,
the acceleration growing as the mass falls (about fourfold over an SM-3-class burn), gravity not compensated.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Interceptor
from openbmd.earth import EarthModel, ecef_to_geodetic
from openbmd.engagement.flyout import ballistic_coefficient_kg_m2, interceptor_vehicle
from openbmd.flight import FlownThreats, TrajectoryBatch, fly_launches
from openbmd.flight._kernel import G0
from openbmd.flight.propagate import Vehicle
from openbmd.flight.vehicle import mass_form_vehicle

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
    height m, time s after launch), and the speed gain (m/s) that reaches that speed: the speed form's, or where
    flown as a rocket of effective Isp ``isp_s`` (s) the rocket equation's ideal speed."""

    profile: FlightTestProfile
    flown_speed_mps: float
    batch: TrajectoryBatch
    flown: FlownThreats
    burnout_speed_mps: float
    burnout_altitude_m: float
    burnout_t_s: float
    beta_kg_m2: float
    speed_gain_mps: float = math.nan
    isp_s: float | None = None


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


def rocket_vehicle(ideal_speed_mps: float, burn_time_s: float, beta_kg_m2: float, isp_s: float) -> Vehicle:
    """A one-stage rocket of constant thrust and mass flow with effective ``isp_s`` (s), whose mass ratio gives
    ``ideal_speed_mps`` (m/s, the rocket equation's) in ``burn_time_s`` (s); it rises and pitches over as
    :func:`~openbmd.engagement.flyout.interceptor_vehicle` does and has no boost drag (as the speed form).
    The launch mass (1 t) does not matter without drag: only the acceleration does."""
    m0 = 1000.0
    m_burnout = m0 * math.exp(-ideal_speed_mps / (isp_s * G0))
    rocket = mass_form_vehicle([burn_time_s], [isp_s], [m0 - m_burnout], [m_burnout], 0.0, beta_kg_m2, 0.0)
    steering = interceptor_vehicle(ideal_speed_mps, burn_time_s, beta_kg_m2)
    return dataclasses.replace(rocket, vertical_s=steering.vertical_s, kick_s=steering.kick_s)


def fly_test(profile: FlightTestProfile, earth: EarthModel, *, flown_speed_mps: float | None = None,
             sample_dt_s: float = 1.0, t_max_s: float = 1500.0, burn_time_s: float | None = None,
             beta_kg_m2: float | None = None, isp_s: float | None = None) -> FlightTest:
    """Fly the test to burn out at the declared speed (Earth-relative), unless ``flown_speed_mps`` says the
    tester flew it to another (see the module docstring). ``burn_time_s`` (s) and ``beta_kg_m2`` (kg/m²) are the
    interceptor's as built where they differ from the catalog's (:mod:`openbmd.verify.unknowns`): the tester
    still flies it to the declared speed, with the thrust that takes in that burn time. ``isp_s`` (s): flown as
    a rocket of that effective Isp (:func:`rocket_vehicle`) instead of in the speed form."""
    speed = float(flown_speed_mps or profile.declared_speed_mps)
    beta = float(beta_kg_m2 or ballistic_coefficient_kg_m2(profile.interceptor))
    burn = float(burn_time_s or profile.burn_time_s)
    gain = speed
    for _ in range(CALIBRATION_FLIGHTS):  # fixed-point steps: the burnout speed moves with the gain ~1:1
        vehicle = (interceptor_vehicle(gain, burn, beta) if isp_s is None
                   else rocket_vehicle(gain, burn, beta, float(isp_s)))
        batch = fly_launches(vehicle, profile.lat_rad, profile.lon_rad,
                             profile.azimuth_rad, profile.kick_rad, earth, sample_dt_s=sample_dt_s, t_max_s=t_max_s)
        v = float(batch.speed_and_flight_path_angle("burnout")[0][0])
        if not math.isfinite(v) or abs(v - speed) <= SPEED_TOLERANCE_MPS:
            break
        gain += speed - v
    _, r_b, _ = batch.event_ecef("burnout")
    _, _, h = ecef_to_geodetic(r_b, earth)
    return FlightTest(profile, speed, batch, FlownThreats.from_batch(batch), v, float(np.asarray(h)[0]),
                      float(batch.event_t_s[0, 0] - batch.start_t_s[0]), beta, gain, isp_s)


def fly_runs(profile: FlightTestProfile, earth: EarthModel, burn_time_s: NDArray, beta_kg_m2: NDArray, *,
             flown_speed_mps: float | None = None, isp_s: float | None = None) -> tuple[list[FlightTest], FlownThreats]:
    """One flight per Monte Carlo run, each with its own burn time (s) and ballistic coefficient (kg/m²) (R,),
    and all of them as one R-row :class:`FlownThreats` (NaN padded) for observing in one batch. Each is its own
    vehicle, so each is its own kernel call (about a millisecond each)."""
    tests = [fly_test(profile, earth, flown_speed_mps=flown_speed_mps, burn_time_s=float(b), beta_kg_m2=float(q),
                      isp_s=isp_s)
             for b, q in zip(np.asarray(burn_time_s, float), np.asarray(beta_kg_m2, float))]
    return tests, FlownThreats.gather([(np.array([k]), t.flown) for k, t in enumerate(tests)], len(tests))
