"""Calibrate estimated missile stage figures so openbmd's flight model reaches each published range.

Most stage breakdowns are not published (see the notes in missiles.yaml). Isp is a physical
figure and stays as estimated; what is genuinely unknown is how each stage's mass divides
between propellant and structure. This script scales, per missile, every stage's propellant
mass by one factor (the dry mass takes the difference, so the launch mass stays) within
[LOW, HIGH], so that the modelled maximum range (full burn, launched due north from 35 N,
50 E on the WGS-84 Earth, boost drag on) equals the catalog's ``max_range_m``. It rewrites
the stage masses in place and records the factor and its bounds in the entry's
``calibration``. Re-running starts again from the estimates (stored masses / old factor).

Usage: python tools/calibrate_missiles.py [--check]
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


def _rewrite(block: str, missile, k: float) -> str:
    masses = iter(estimates(missile))

    def stage(m: re.Match) -> str:
        p, d = next(masses)
        return f"{m.group(1)}{p * k:.0f}{m.group(2)}{d + p * (1 - k):.0f}"

    block = re.sub(r"(propellant_mass_kg: )[0-9.]+(\n\s+dry_mass_kg: )[0-9.]+", stage, block)
    block = re.sub(r"\n    calibration:\n(      [^\n]*\n?)+", "\n", block).rstrip("\n") + "\n"
    record = (f"    calibration:\n      figure: propellant-fraction\n      factor: {k:.4f}\n      low: {LOW}\n"
              f"      high: {HIGH}\n      method: {METHOD}\n")
    return block + record


def main(check: bool = False) -> int:
    cat = load_catalog()
    text = DATA.read_text()
    worst = 0.0
    for m in cat.entries("missiles"):
        if not m.uses_mass_form:
            continue
        r = modelled_range_m(m)
        worst = max(worst, abs(r / m.max_range_m - 1))
        print(f"{m.name:16s} model {r / 1e3:7.0f} km  catalog {m.max_range_m / 1e3:7.0f} km")
        if check:
            continue
        hi = _high(m)

        def miss(k: float) -> float:
            return modelled_range_m(scaled(m, k)) / m.max_range_m - 1.0

        if miss(LOW) > 0 or miss(hi) < 0:
            print(f"{'':16s} cannot reach the published range with factors {LOW}-{hi:.3f}: left as is")
            continue
        k = brentq(miss, LOW, hi, xtol=1e-4)
        start = text.index(f"  - name: {m.name}\n")
        end = text.find("\n  - name: ", start + 1)
        end = len(text) if end < 0 else end + 1
        text = text[:start] + _rewrite(text[start:end], m, k) + text[end:]
        print(f"{'':16s} propellant share scaled by {k:.4f}")
    if not check:
        DATA.write_text(text)
    return 0 if worst < 0.05 or not check else 1


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
