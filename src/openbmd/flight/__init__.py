"""How does it fly? Closed-form Kepler, batched numeric propagation, boost and staging, aiming,
lofted-test reconstruction."""

from openbmd.flight.aim import AimSolution, Loft, aim, aim_missile, maximum_range_m, maximum_ranges_m
from openbmd.flight.kepler import (
    FreeFlight,
    flight_path_angles_for_range,
    free_flight,
    minimum_energy_burnout,
    range_angle_equal_radii,
)
from openbmd.flight.propagate import (
    EVENTS,
    StateBatch,
    Tolerances,
    TrajectoryBatch,
    Vehicle,
    burnout_states,
    fly_ballistic,
    fly_launches,
)
from openbmd.flight.lofted import LoftedTest, Reconstruction, reconstruct
from openbmd.flight.summary import TrajectorySummary
from openbmd.flight.threats import (
    FlownThreats,
    ObjectKind,
    ShotError,
    ThreatShot,
    fly_aim_batch,
    fly_aim_flights,
    fly_aimed,
    fly_threats,
    release_objects,
)

__all__ = [
    "AimSolution", "Loft", "aim", "aim_missile", "maximum_range_m", "maximum_ranges_m", "TrajectorySummary",
    "FreeFlight", "free_flight", "flight_path_angles_for_range", "minimum_energy_burnout",
    "range_angle_equal_radii", "EVENTS", "StateBatch", "Tolerances", "TrajectoryBatch", "Vehicle",
    "burnout_states", "fly_ballistic", "fly_launches",
    "FlownThreats", "ObjectKind", "ShotError", "ThreatShot", "fly_aim_batch", "fly_aim_flights", "fly_aimed",
    "fly_threats", "release_objects",
    "LoftedTest", "Reconstruction", "reconstruct",
]
