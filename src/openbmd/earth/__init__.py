"""Where is it? WGS-84 and the ideal validation Earth, frames, gravity, atmosphere, geodesics.

>>> from openbmd.earth import wgs84, geodetic_to_ecef
>>> r_ecef = geodetic_to_ecef(0.9, 0.37, 0.0, wgs84())
"""

from openbmd.earth.frames import (
    aer_to_ecef,
    ecef_to_aer,
    ecef_to_eci,
    ecef_to_enu,
    ecef_to_geodetic,
    eci_to_ecef,
    enu_rotation,
    enu_to_ecef,
    geodetic_to_ecef,
)
from openbmd.earth.geodesy import geodesic_direct, geodesic_inverse
from openbmd.earth.kernels import density_kg_m3, geodetic_lat_alt, gravity_j2, speed_of_sound_mps
from openbmd.earth.model import EarthModel, by_name, ideal, wgs84

__all__ = [
    "EarthModel", "wgs84", "ideal", "by_name",
    "geodetic_to_ecef", "ecef_to_geodetic", "ecef_to_eci", "eci_to_ecef", "ecef_to_enu", "enu_to_ecef",
    "ecef_to_aer", "aer_to_ecef", "enu_rotation",
    "geodesic_inverse", "geodesic_direct",
    "density_kg_m3", "geodetic_lat_alt", "gravity_j2", "speed_of_sound_mps",
]
