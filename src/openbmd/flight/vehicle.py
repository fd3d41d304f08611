"""From a catalog missile to the stage table that the flight kernel flies."""

from __future__ import annotations

import numpy as np

from openbmd.catalog.models import Missile
from openbmd.flight._kernel import G0
from openbmd.flight.propagate import Vehicle


def vehicle_from_missile(missile: Missile, *, vertical_s: float = 6.0, kick_s: float = 12.0) -> Vehicle:
    """The missile's stages as a kernel stage table (see :class:`Vehicle`).

    Mass form: thrust = mdot * Isp * g0 with mdot = propellant mass / burn time, so the
    effective Isp carries the energy (the catalog's thrust, where given, is only checked
    against it when the catalog loads). Speed form: each stage adds the difference
    of consecutive catalog burnout speeds, held against gravity along the thrust.
    Boost drag is neglected (it costs a few per cent of burnout speed).
    """
    rows = []
    previous_speed = 0.0
    for stage in missile.stages:
        if stage.burnout_speed_mps is not None:
            rows.append([stage.burn_time_s, -1.0, 0.0, 0.0, stage.burnout_speed_mps - previous_speed])
            previous_speed = stage.burnout_speed_mps
        else:
            mdot = stage.propellant_mass_kg / stage.burn_time_s
            thrust = mdot * stage.isp_s * G0
            rows.append([stage.burn_time_s, thrust, mdot, stage.dry_mass_kg, 0.0])
    return Vehicle(np.array(rows, dtype=float), float(missile.payload_mass_kg or 0.0),
                   float(missile.rv_ballistic_coefficient_kg_m2), vertical_s, kick_s)
