"""A catalog missile as one party assumes it: its payload, and its performance scaled to the stated range.

A set that states ``payload_mass_kg`` flies the catalog stages with that payload (the rocket equation
then sets the reach). A set that states ``max_range_m`` scales the stages' performance (every stage's
effective Isp in the mass form, every burnout speed in the speed form) by one factor until the
missile's greatest range on a reference bearing of a still Earth equals the stated range: the
party's figure is taken as a statement about the missile, and the rotating Earth then shapes the
reach from each launch area.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from openbmd.catalog import Missile, MissileAssumption
from openbmd.earth import EarthModel
from openbmd.flight import Vehicle
from openbmd.flight.vehicle import vehicle_from_missile
from openbmd.threat.reach import reach_contours

REFERENCE_LAT_RAD = math.radians(30.0)
"""Latitude of the reference launch (due north, on a still Earth) at which stated ranges are flown."""


@dataclass(frozen=True)
class AssumedMissile:
    """A missile under one assumption: the entry flown (payload replaced, stages scaled), the kernel's
    vehicle, the performance factor applied (1 = catalog) and the reference range it flies (m)."""

    missile: Missile
    vehicle: Vehicle
    performance_factor: float
    reference_range_m: float


def _scaled(missile: Missile, factor: float, payload_kg: float | None) -> Missile:
    stages = []
    for s in missile.stages:
        if s.uses_mass_form:
            stages.append(s.model_copy(update={"isp_s": s.isp_s * factor, "thrust_n": None}))
        else:
            stages.append(s.model_copy(update={"burnout_speed_mps": s.burnout_speed_mps * factor}))
    update: dict = {"stages": stages}
    if payload_kg is not None:
        update["payload_mass_kg"] = payload_kg
    return missile.model_copy(update=update)


def reference_range_m(vehicle: Vehicle, earth: EarthModel) -> float:
    """Greatest ground range (m) of ``vehicle`` due north from :data:`REFERENCE_LAT_RAD` on ``earth`` held still
    (the survey of :func:`openbmd.threat.reach_contours` on one bearing)."""
    still = dataclasses.replace(earth, name=f"{earth.name}-still", omega_rad_s=0.0)
    return float(reach_contours(vehicle, np.array([REFERENCE_LAT_RAD]), np.array([0.0]), still, n_azimuth=1).range_m[0, 0])


def assumed_missile(missile: Missile, assumption: MissileAssumption, earth: EarthModel, *,
                    rtol: float = 1e-3) -> AssumedMissile:
    """``missile`` with ``assumption``'s payload and, where it states one, scaled to its range (to ``rtol``)."""
    payload = assumption.payload_mass_kg.value if assumption.payload_mass_kg is not None else None
    entry = _scaled(missile, 1.0, payload)
    vehicle = vehicle_from_missile(entry)
    r = reference_range_m(vehicle, earth)
    if assumption.max_range_m is None:
        return AssumedMissile(entry, vehicle, 1.0, r)
    target = assumption.max_range_m.value
    # Secant on ln(range) against ln(factor): range grows about as the square of the burnout speed.
    f0, r0 = 1.0, r
    f1 = math.sqrt(target / r0)
    for _ in range(12):  # a few flights of one bearing each
        entry = _scaled(missile, f1, payload)
        vehicle = vehicle_from_missile(entry)
        r1 = reference_range_m(vehicle, earth)
        if abs(r1 / target - 1.0) < rtol:
            break
        slope = (math.log(r1) - math.log(r0)) / (math.log(f1) - math.log(f0)) if f1 != f0 else 2.0
        f0, r0 = f1, r1
        f1 = f1 * math.exp((math.log(target) - math.log(r1)) / max(slope, 0.5))
    return AssumedMissile(entry, vehicle, f1, r1)
