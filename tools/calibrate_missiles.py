"""Calibrate estimated missile stage figures so openbmd's flight model reaches each published range.

Most stage breakdowns are not published (see the notes in missiles.yaml). Isp is a physical
figure and stays as estimated; what is genuinely unknown is how each stage's mass divides
between propellant and structure. This script scales, per missile, every stage's propellant
mass by one factor (the dry mass takes the difference, so the launch mass stays) within
[LOW, HIGH], so that the modelled maximum range (full burn, launched due north from 35 N,
50 E on the WGS-84 Earth, boost drag on) equals the catalog's ``max_range_m``. It rewrites
the stage masses in place and records the factor and its bounds in the entry's
``calibration``. Re-running starts again from the estimates (stored masses / old factor).

An entry whose calibration targets its ``flight-test`` is calibrated instead so that it can fly its first
flight test: its most lofted full-burn shot to the test's ground range reaches the test's apogee (still
Earth, as tests are reconstructed: openbmd.flight.lofted.lofted_apogee_m); its ``max_range_m`` is then
rewritten to the range the calibrated model flies from the calibration site (to 10 km).

Usage: python tools/calibrate_missiles.py [--check] [MISSILE ...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from scipy.optimize import brentq

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.flight import maximum_range_m
from openbmd.flight.vehicle import CALIBRATION_SITE, vehicle_from_missile

DATA = Path(__file__).resolve().parents[1] / "src/openbmd/catalog/data/missiles.yaml"
LOW, HIGH = 0.85, 1.10
MIN_DRY_SHARE = 0.04  # a stage is at least 4 % structure
METHOD = ("propellant share scaled so that openbmd's flight model (gravity turn, boost drag, J2, rotating Earth) "
          "reaches max_range_m from 35 N, 50 E due north (tools/calibrate_missiles.py)")
TEST_METHOD = ("propellant share scaled so that openbmd's flight model (gravity turn, boost drag, J2, still Earth) "
               "flies the first flight test (its most lofted full-burn shot to the test's range reaches the test's "
               "apogee); max_range_m is the range it then flies from 35 N, 50 E due north "
               "(tools/calibrate_missiles.py)")


def estimates(missile) -> list[tuple[float, float]]:
    """(propellant kg, dry kg) per stage before calibration."""
    k = missile.calibration.factor if missile.calibration else 1.0
    out = []
    for s in missile.stages:
        prop = s.propellant_mass_kg / k
        out.append((prop, s.propellant_mass_kg + s.dry_mass_kg - prop))
    return out


def scaled(missile, k: float):
    stages = [s.model_copy(update={"propellant_mass_kg": p * k, "dry_mass_kg": d + p * (1 - k)})
              for s, (p, d) in zip(missile.stages, estimates(missile))]
    return missile.model_copy(update={"stages": stages})


def modelled_range_m(missile) -> float:
    return maximum_range_m(vehicle_from_missile(missile), *CALIBRATION_SITE, wgs84())


def _high(missile) -> float:
    """The largest factor that leaves every stage MIN_DRY_SHARE of structure."""
    return min(HIGH, *((1 - MIN_DRY_SHARE) * (p + d) / p for p, d in estimates(missile)))


def test_apogee_m(missile) -> float:
    """The calibration's measure for a flight-test target: the most lofted apogee at the first test's range (m)."""
    from openbmd.flight.lofted import lofted_apogee_m

    return lofted_apogee_m(vehicle_from_missile(missile), missile.flight_tests[0].range_m)


def _rewrite(block: str, missile, k: float, max_range_m: float | None = None) -> str:
    masses = iter(estimates(missile))

    def stage(m: re.Match) -> str:
        p, d = next(masses)
        return f"{m.group(1)}{p * k:.0f}{m.group(2)}{d + p * (1 - k):.0f}"

    block = re.sub(r"(propellant_mass_kg: )[0-9.]+(\n\s+dry_mass_kg: )[0-9.]+", stage, block)
    block = re.sub(r"\n    calibration:\n(      [^\n]*\n?)+", "\n", block).rstrip("\n") + "\n"
    to_test = max_range_m is not None
    if to_test:
        block = re.sub(r"(\n    max_range_m: )[0-9.]+", rf"\g<1>{max_range_m:.0f}", block)
    record = (f"    calibration:\n      figure: propellant-fraction\n"
              + ("      target: flight-test\n" if to_test else "")
              + f"      factor: {k:.4f}\n      low: {LOW}\n      high: {HIGH}\n"
              f"      method: {TEST_METHOD if to_test else METHOD}\n")
    return block + record


def main(check: bool = False) -> int:
    cat = load_catalog()
    text = DATA.read_text()
    worst = 0.0
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    for m in cat.entries("missiles"):
        if not m.uses_mass_form or (only and m.name not in only):
            continue
        to_test = m.calibration is not None and m.calibration.target == "flight-test"
        r = modelled_range_m(m)
        worst = max(worst, abs(r / m.max_range_m - 1))
        print(f"{m.name:16s} model {r / 1e3:7.0f} km  catalog {m.max_range_m / 1e3:7.0f} km")
        if to_test:
            t = m.flight_tests[0]
            got = test_apogee_m(m)
            worst = max(worst, abs(got / t.apogee_m - 1))
            print(f"{'':16s} most lofted apogee at {t.range_m / 1e3:.0f} km: {got / 1e3:.0f} km, "
                  f"test {t.apogee_m / 1e3:.0f} km")
        if check:
            continue
        hi = _high(m)

        def miss(k: float) -> float:
            if to_test:
                return test_apogee_m(scaled(m, k)) / m.flight_tests[0].apogee_m - 1.0
            return modelled_range_m(scaled(m, k)) / m.max_range_m - 1.0

        if miss(LOW) > 0 or miss(hi) < 0:
            print(f"{'':16s} cannot reach the published range with factors {LOW}-{hi:.3f}: left as is")
            continue
        k = brentq(miss, LOW, hi, xtol=1e-4)
        reach = round(modelled_range_m(scaled(m, k)), -4) if to_test else None
        start = text.index(f"  - name: {m.name}\n")
        end = text.find("\n  - name: ", start + 1)
        end = len(text) if end < 0 else end + 1
        text = text[:start] + _rewrite(text[start:end], m, k, reach) + text[end:]
        print(f"{'':16s} propellant share scaled by {k:.4f}"
              + (f"; max_range_m {reach / 1e3:.0f} km" if to_test else ""))
    if not check:
        DATA.write_text(text)
    return 0 if worst < 0.05 or not check else 1


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
