"""Physical constants have one home, ``openbmd.earth.constants``: no other module types them again."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from openbmd.earth import constants as c
from openbmd.earth import ideal, wgs84

SRC = Path(__file__).resolve().parents[2] / "src" / "openbmd"
HOME = SRC / "earth" / "constants.py"

# Each constant's value written the ways a person would type it.
LITERALS = {
    "G0_MPS2": [r"9\.80665"],
    "WGS84_A_M": [r"6378137(?:\.0*)?\b", r"6\.378137e6", r"6\.378e6", r"6378\.137"],
    "WGS84_INV_F": [r"298\.257"],
    "MU_EARTH_M3_S2": [r"3\.986004", r"398600\.4"],
    "WGS84_J2": [r"1\.0826\d*e-3", r"0\.0010826"],
    "WGS84_OMEGA_RAD_S": [r"7\.292115", r"7\.2921\d*e-5"],
    "MEAN_RADIUS_M": [r"6371008", r"6371\.0088", r"6\.371e6", r"6371e3", r"6371000(?:\.0*)?\b", r"6_371_000"],
    "GEO_RADIUS_M": [r"42_?164_?172", r"42164\.172"],
}


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p != HOME)


@pytest.mark.parametrize("name", sorted(LITERALS))
def test_no_module_but_earth_constants_types_the_value(name: str) -> None:
    patterns = [re.compile(rf"(?<![\d.]){p}") for p in LITERALS[name]]
    hits = [f"{path.relative_to(SRC)}:{k}: {line.strip()}"
            for path in _sources()
            for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if any(p.search(line) for p in patterns)]
    assert not hits, f"{name} typed outside earth/constants.py:\n" + "\n".join(hits)


def test_the_literal_patterns_find_the_home_values() -> None:
    """The grep above would see each value: every pattern list matches the home file's own text."""
    text = HOME.read_text(encoding="utf-8")
    for name, pats in LITERALS.items():
        assert any(re.search(p, text) for p in pats), name


def test_earth_models_are_built_from_the_constants() -> None:
    e = wgs84()
    assert (e.a_m, e.mu_m3_s2, e.j2, e.omega_rad_s) == (c.WGS84_A_M, c.MU_EARTH_M3_S2, c.WGS84_J2,
                                                         c.WGS84_OMEGA_RAD_S)
    assert e.f == pytest.approx(1 / 298.257223563, rel=1e-15)
    assert ideal().a_m == c.IDEAL_RADIUS_M


def test_derived_constants_agree_with_their_definitions() -> None:
    # IUGG mean radius R1 = (2a + b) / 3 on the WGS-84 ellipsoid, to 0.1 m
    b = c.WGS84_A_M * (1 - c.WGS84_F)
    assert (2 * c.WGS84_A_M + b) / 3 == pytest.approx(c.MEAN_RADIUS_M, abs=0.1)
    # geostationary radius from Kepler's third law with the sidereal rotation rate, to 1 km
    assert (c.MU_EARTH_M3_S2 / c.WGS84_OMEGA_RAD_S ** 2) ** (1 / 3) == pytest.approx(c.GEO_RADIUS_M, abs=1e3)
    # J2 = -sqrt(5) C20 with EGM96's tide-free normalised C20
    assert -math.sqrt(5) * -0.484165371736e-3 == pytest.approx(c.WGS84_J2, rel=1e-8)
