"""From a catalog missile to the stage table that the flight kernel flies.

Every missile flies in the mass form (thrust, mass flow, dry mass per stage), so its burnout
speed depends on the trajectory: a lofted shot pays more gravity loss, and every shot pays
boost drag. A catalog entry in the speed form (quoted cumulative burnout speeds) is turned
into an equivalent mass-form vehicle, calibrated to the entry's published range.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from openbmd.catalog.models import Missile
from openbmd.errors import InputError
from openbmd.flight._kernel import G0
from openbmd.flight.propagate import Vehicle

VERTICAL_MIN_S = 6.0
"""Shortest vertical rise, s: the pad-clearing rise of a typical ballistic missile (assumption)."""
KICK_SPEED_MPS = 40.0
"""The pitch-over starts once the vertical rise has reached this speed (m/s, assumption): a slow
vehicle pitched over early falls back; 40 m/s is what 6 s of rise give at lift-off thrust/weight ~1.7."""

# Equivalent mass form for speed-form entries (assumptions, see equivalent_stages).
EQUIVALENT_ISP_S = {"liquid": 300.0, "solid": 270.0}
EQUIVALENT_DRY_FRACTION = {"liquid": 0.08, "solid": 0.10}
CALIBRATION_SITE = (math.radians(35.0), math.radians(50.0), 0.0)
"""Launch point and azimuth (rad) of the range calibration: 35 N, 50 E, due north (as tools/calibrate_missiles.py)."""


def liftoff_thrust_to_weight(vehicle: Vehicle) -> float:
    """First-stage thrust over lift-off weight (mass form; inf for the speed form)."""
    st = vehicle.stages
    if len(st) == 0 or st[0, 1] < 0.0:
        return math.inf
    m0 = vehicle.payload_mass_kg + float(np.sum(st[:, 2] * st[:, 0] + st[:, 3]))
    return float(st[0, 1] / (m0 * G0))


def vertical_rise_s(stages: np.ndarray, payload_mass_kg: float) -> float:
    """Length of the vertical rise (s): until the first stage has reached :data:`KICK_SPEED_MPS` straight up
    (no drag), at least :data:`VERTICAL_MIN_S` and at most half the first stage's burn.

    Raises :class:`InputError` when the lift-off thrust cannot lift the missile.
    """
    burn, thrust, mdot = stages[0, 0], stages[0, 1], stages[0, 2]
    m0 = payload_mass_kg + float(np.sum(stages[:, 2] * stages[:, 0] + stages[:, 3]))
    if thrust <= m0 * G0 * 1.001:
        raise InputError(f"lift-off thrust/weight {thrust / (m0 * G0):.3f} is not above 1: this missile cannot "
                         "leave the pad (check thrust, propellant mass and burn time)", "missile")
    t = np.linspace(0.0, 0.5 * burn, 2001)
    v = thrust / mdot * np.log(m0 / (m0 - mdot * t)) - G0 * t
    reached = np.flatnonzero(v >= KICK_SPEED_MPS)
    t_kick = float(t[reached[0]]) if reached.size else float(t[-1])
    return min(max(VERTICAL_MIN_S, t_kick), 0.5 * burn)


def mass_form_vehicle(burn_s, isp_s, propellant_kg, dry_kg, payload_kg: float, beta: float,
                      area_m2: float) -> Vehicle:
    """A mass-form vehicle from per-stage burn times (s), effective Isp (s), propellant and dry masses (kg): thrust
    = mdot Isp g0 at constant mass flow, the vertical rise of :func:`vertical_rise_s`, boost drag on ``area_m2``."""
    burn, isp, prop, dry = (np.asarray(x, float) for x in (burn_s, isp_s, propellant_kg, dry_kg))
    mdot = prop / burn
    rows = np.stack([burn, mdot * isp * G0, mdot, dry, np.zeros_like(burn)], axis=1)
    return Vehicle(rows, float(payload_kg), float(beta), vertical_rise_s(rows, payload_kg), 12.0, float(area_m2))


def reference_area_m2(missile: Missile) -> float:
    """Boost-drag reference area (m^2): the body cross-section times the entry's ``boost_drag_factor`` (drag goes
    with Cd x A, so the factor on Cd rides on the area), 0 where the diameter is not given."""
    return math.pi * missile.diameter_m ** 2 / 4.0 * missile.boost_drag_factor if missile.diameter_m else 0.0


def vehicle_from_missile(missile: Missile) -> Vehicle:
    """The missile's stages as a kernel stage table (see :class:`Vehicle`), mass form.

    Mass form: thrust = mdot * Isp * g0 with mdot = propellant mass / burn time, so the
    effective Isp carries the energy (the catalog's thrust, where given, is only checked
    against it when the catalog loads). Speed form: :func:`equivalent_stages`.
    """
    if missile.uses_mass_form:
        s = missile.stages
        return mass_form_vehicle([x.burn_time_s for x in s], [x.isp_s for x in s], [x.propellant_mass_kg for x in s],
                                  [x.dry_mass_kg for x in s], missile.payload_mass_kg, missile.rv_ballistic_coefficient_kg_m2,
                                  reference_area_m2(missile))
    return _equivalent_vehicle(missile.model_dump_json())


def equivalent_stages(missile: Missile, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mass-form stages for a speed-form entry: (Isp s, propellant kg, dry kg) per stage.

    Each stage's ideal (vacuum, gravity-free) speed gain is ``scale`` times its quoted speed
    increment; Isp (300 s liquid, 270 s solid) and the dry share of each stage (8 % liquid,
    10 % solid) are assumptions typical of the missile class, and the payload is the entry's
    (1,000 kg if none). Stages are sized from the top down by the rocket equation.
    """
    speeds = np.array([s.burnout_speed_mps for s in missile.stages], float)
    gain = np.diff(np.concatenate([[0.0], speeds])) * scale
    isp = EQUIVALENT_ISP_S[missile.propellant]
    eps = EQUIVALENT_DRY_FRACTION[missile.propellant]
    above = float(missile.payload_mass_kg or 1000.0)
    prop, dry = np.zeros(len(gain)), np.zeros(len(gain))
    for i in range(len(gain) - 1, -1, -1):  # a handful of stages
        ratio = math.exp(gain[i] / (isp * G0))
        if eps * ratio >= 0.98:
            raise InputError(f"{missile.name}: stage {i + 1}'s speed gain of {gain[i]:.0f} m/s cannot be had from one "
                             f"{missile.propellant} stage (mass ratio {ratio:.1f})", "burnout_speed_mps")
        gross = above * (ratio - 1.0) / (1.0 - eps * ratio)
        prop[i], dry[i] = (1.0 - eps) * gross, eps * gross
        above += gross
    return np.full(len(gain), isp), prop, dry


@functools.lru_cache(maxsize=64)
def _equivalent_vehicle(missile_json: str) -> Vehicle:
    """The calibrated equivalent vehicle of a speed-form entry (cached: the calibration flies a few hundred shots)."""
    from scipy.optimize import brentq

    from openbmd.earth import wgs84
    from openbmd.flight.aim import maximum_range_m

    missile = Missile.model_validate_json(missile_json)
    burn = [s.burn_time_s for s in missile.stages]
    area = reference_area_m2(missile)

    def build(scale: float) -> Vehicle:
        isp, prop, dry = equivalent_stages(missile, scale)
        return mass_form_vehicle(burn, isp, prop, dry, missile.payload_mass_kg or 1000.0,
                                  missile.rv_ballistic_coefficient_kg_m2, area)

    def miss(scale: float) -> float:
        return maximum_range_m(build(scale), *CALIBRATION_SITE, wgs84()) / missile.max_range_m - 1.0

    # Range grows with the scale until the vehicle nears orbit: step out from 1 to the first bracket.
    k, short = 1.0, miss(1.0) < 0.0
    step = 0.05 if short else -0.05
    while 0.7 <= k + step <= 1.6:  # a few steps, each one maximum-range search
        if (miss(k + step) < 0.0) != short:
            return build(brentq(miss, min(k, k + step), max(k, k + step), xtol=1e-4))
        k += step
    raise InputError(f"{missile.name}: no equivalent mass-form vehicle with 0.7-1.6 x the quoted speed gains "
                     f"reaches the published {missile.max_range_m / 1e3:.0f} km", "burnout_speed_mps")
