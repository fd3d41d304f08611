"""Quantities on the command line: ``1275.6km``, ``5.2km/s``, ``51.3deg``, ``15min``.

Converted to SI (m, m/s, rad, s) here, at the edge, and nowhere else.
"""

from __future__ import annotations

import math
import re

from openbmd.errors import InputError

_UNITS: dict[str, dict[str, float]] = {
    "length": {"m": 1.0, "km": 1000.0},
    "speed": {"m/s": 1.0, "km/s": 1000.0},
    "angle": {"deg": math.pi / 180.0, "rad": 1.0},
    "time": {"s": 1.0, "min": 60.0, "h": 3600.0},
    "area": {"m2": 1.0, "m^2": 1.0, "cm2": 1e-4},
}
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z/^]*\d?)\s*$")


def parse_quantity(text: str, kind: str, argument: str, *, positive: bool = False) -> float:
    """Parse ``text`` as a ``kind`` quantity and return it in SI units.

    A bare number is refused: the unit must be written, so that ``--speed 5``
    cannot silently mean 5 m/s when 5 km/s was meant.
    """
    units = _UNITS[kind]
    article = "an" if kind[0] in "aeiou" else "a"
    match = _NUMBER_UNIT.match(text or "")
    if not match:
        raise InputError(f"cannot read {text!r} as {article} {kind}; write e.g. {_example(kind)}", argument)
    value, unit = float(match.group(1)), match.group(2)
    if unit not in units:
        allowed = ", ".join(units)
        raise InputError(f"unit {unit or '(none)'!r} in {text!r} is not {article} {kind} unit; use one of {allowed}",
                         argument)
    if not math.isfinite(value):
        raise InputError(f"{text!r} is not a finite number", argument)
    if positive and value <= 0.0:
        raise InputError(f"must be positive, got {text!r}", argument)
    return value * units[unit]


def _example(kind: str) -> str:
    return {"length": "600km", "speed": "4.5km/s", "angle": "45deg", "time": "60s", "area": "0.01m2"}[kind]
