"""Earth models: every flight computation takes one as an argument."""

from __future__ import annotations

from dataclasses import dataclass

from openbmd.earth.constants import (IDEAL_RADIUS_M, MU_EARTH_M3_S2, WGS84_A_M, WGS84_F, WGS84_J2,
                                     WGS84_OMEGA_RAD_S)


@dataclass(frozen=True)
class EarthModel:
    """Shape, gravity, rotation and atmosphere of the Earth used for a computation.

    Attributes: ``a_m`` equatorial radius (m); ``f`` flattening (0 = sphere);
    ``mu_m3_s2`` gravitational parameter (m^3/s^2); ``j2`` second zonal harmonic
    (0 = point mass); ``omega_rad_s`` rotation rate (rad/s, 0 = not rotating);
    ``atmosphere`` whether drag acts (US Standard Atmosphere 1976).
    """

    name: str
    a_m: float
    f: float
    mu_m3_s2: float
    j2: float
    omega_rad_s: float
    atmosphere: bool

    @property
    def b_m(self) -> float:
        """Polar radius (m)."""
        return self.a_m * (1.0 - self.f)

    @property
    def e2(self) -> float:
        """First eccentricity squared."""
        return self.f * (2.0 - self.f)

    @property
    def is_rotating(self) -> bool:
        return self.omega_rad_s != 0.0

    def without_atmosphere(self) -> "EarthModel":
        """The same Earth in vacuum (for comparison with vacuum calculations)."""
        return EarthModel(f"{self.name}-vacuum", self.a_m, self.f, self.mu_m3_s2, self.j2, self.omega_rad_s, False)


def wgs84() -> EarthModel:
    """The full Earth: WGS-84 ellipsoid, J2 gravity, rotation and atmosphere.

    Constants from NGA TR8350.2 "Department of Defense World Geodetic System 1984"
    (3rd ed., 2000), held in :mod:`openbmd.earth.constants`.
    """
    return EarthModel("wgs84", WGS84_A_M, WGS84_F, MU_EARTH_M3_S2, WGS84_J2, WGS84_OMEGA_RAD_S, True)


def ideal() -> EarthModel:
    """The validation Earth: a still sphere of R = 6371 km, point-mass gravity, vacuum."""
    return EarthModel("ideal", IDEAL_RADIUS_M, 0.0, MU_EARTH_M3_S2, 0.0, 0.0, False)


def by_name(name: str) -> EarthModel:
    """``"wgs84"`` or ``"ideal"``."""
    models = {"wgs84": wgs84, "ideal": ideal}
    if name not in models:
        from openbmd.errors import InputError

        raise InputError(f"unknown Earth model {name!r}; use one of {', '.join(models)}", "earth")
    return models[name]()
