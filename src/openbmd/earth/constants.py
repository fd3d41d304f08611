"""The one home of the physical constants: every other module imports them from here.

Each constant gives its value, unit and public source. A test greps the source tree so that
no other module types these values again.
"""

from __future__ import annotations

G0_MPS2 = 9.80665
"""Standard acceleration of gravity, m/s² (exact by definition: 3rd CGPM, 1901; ISO 80000-3)."""

WGS84_A_M = 6378137.0
"""WGS-84 equatorial radius (semi-major axis), m (NGA TR8350.2, 3rd ed., 2000, table 3.1)."""

WGS84_INV_F = 298.257223563
"""WGS-84 inverse flattening 1/f (NGA TR8350.2, 2000, table 3.1)."""

WGS84_F = 1.0 / WGS84_INV_F
"""WGS-84 flattening f (derived from 1/f)."""

MU_EARTH_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter GM including the atmosphere, m³/s² (WGS-84 / EGM96; NGA TR8350.2, 2000)."""

WGS84_J2 = 1.08262668e-3
"""Second zonal harmonic J2 = -√5·C̄20 with EGM96's tide-free C̄20 = -0.484165371736e-3 (derived; Lemoine et al.,
"The Development of the Joint NASA GSFC and NIMA Geopotential Model EGM96", NASA/TP-1998-206861)."""

WGS84_OMEGA_RAD_S = 7.292115e-5
"""Earth's rotation rate ω, rad/s (WGS-84; NGA TR8350.2, 2000, table 3.1)."""

MEAN_RADIUS_M = 6371008.8
"""Mean Earth radius R1 = (2a + b)/3, m (IUGG; Moritz, "Geodetic Reference System 1980", J. Geodesy 2000):
the sphere on which ground ranges are measured."""

IDEAL_RADIUS_M = 6371000.0
"""Radius of the ideal validation Earth (a sphere), m: the round figure textbooks use (an assumption)."""

GEO_RADIUS_M = 42_164_172.0
"""Geostationary orbit radius, m (derived: (GM / ω²)^(1/3) with the sidereal day; Vallado, 4th ed., 2013)."""

