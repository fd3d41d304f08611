"""Calibrate estimated missile stage figures so openbmd's flight model reaches each published range.

Most stage breakdowns are not published (see the notes in missiles.yaml). This script
scales, per missile, the effective Isp (mass form) or the burnout speeds (speed form)
by one factor so that the modelled maximum range — full burn, launched due north from
35 N on the WGS-84 Earth, boost drag neglected — equals the catalog's ``max_range_m``.
It rewrites those numbers in place and records the factor in the entry's notes.

Usage: python tools/calibrate_missiles.py [--check]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.flight import maximum_range_m
from openbmd.flight.vehicle import vehicle_from_missile

DATA = Path(__file__).resolve().parents[1] / "src/openbmd/catalog/data/missiles.yaml"
LAT, LON, AZ = np.radians(35.0), np.radians(50.0), 0.0


def modelled_range_m(missile, scale: float = 1.0) -> float:
    v = vehicle_from_missile(missile)
    st = v.stages.copy()
    if missile.uses_mass_form:
        st[:, 1] *= scale  # thrust = mdot * Isp * g0 scales with Isp
    else:
        st[:, 4] *= scale
    return maximum_range_m(type(v)(st, v.payload_mass_kg, v.beta_kg_m2, v.vertical_s, v.kick_s), LAT, LON, AZ, wgs84())


def _rescale_block(block: str, field: str, k: float, note: str) -> str:
    block = re.sub(rf"({field}: )([0-9.]+)", lambda m: f"{m.group(1)}{float(m.group(2)) * k:.0f}", block)
    block = re.sub(r"\n\s+thrust_n: [0-9.]+", "", block)  # thrust follows from Isp and mass flow
    lines = block.rstrip("\n").split("\n")
    i = next(j for j, ln in enumerate(lines) if ln.strip().startswith("notes:"))
    j = i + 1
    while j < len(lines) and lines[j].startswith("      "):
        j += 1
    lines.insert(j, "      " + note)
    return "\n".join(lines) + "\n"


def main(check: bool = False) -> int:
    cat = load_catalog()
    text = DATA.read_text()
    worst = 0.0
    for m in cat.entries("missiles"):
        r = modelled_range_m(m)
        worst = max(worst, abs(r / m.max_range_m - 1))
        print(f"{m.name:16s} model {r / 1e3:7.0f} km  catalog {m.max_range_m / 1e3:7.0f} km")
        if check or abs(r / m.max_range_m - 1) < 0.01:
            continue
        lo, hi = (0.5, 1.0) if r > m.max_range_m else (1.0, 1.3)
        k = brentq(lambda s: modelled_range_m(m, s) - m.max_range_m, lo, hi, xtol=1e-4)
        field = "isp_s" if m.uses_mass_form else "burnout_speed_mps"
        note = (f"Calibrated: {field} scaled by {k:.3f} (tools/calibrate_missiles.py) so that openbmd's "
                f"flight model, boost drag neglected, reaches the published range.")
        start = text.index(f"  - name: {m.name}\n")
        end = text.find("\n  - name: ", start + 1)
        end = len(text) if end < 0 else end + 1
        text = text[:start] + _rescale_block(text[start:end], field, k, note) + text[end:]
        print(f"{'':16s} scaled {field} by {k:.3f}")
    if not check:
        DATA.write_text(text)
    return 0 if worst < 0.05 or not check else 1


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
