"""``openbmd catalog``: list and show the public catalog (missiles, interceptors, sensors, places)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from openbmd.catalog import ASSUMED_FIELDS, Entry, Interceptor, Missile, Place, Sensor
from openbmd.cli.resolve import catalog, catalog_option

app = typer.Typer(
    help="What exists? Public missiles, interceptors, sensors and places, with sources.",
    no_args_is_help=True,
)

_KIND_HELP = ("missiles, interceptors, sensors, places, or a place type: sites, ship-stations, bases, "
              "launch-areas, cities (also radars, space-ir); all entries when left out")


@app.command("list")
def list_entries(
    kind: str | None = typer.Argument(None, help=_KIND_HELP, show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print machine JSON (SI units, as stored)."),
    catalog_files: Optional[list[Path]] = catalog_option(),
) -> None:
    """List catalog entries with a few key figures."""
    from openbmd.cli.resolve import flags

    with flags({"kind": "KIND"}):
        entries = catalog(catalog_files).entries(kind)
    if as_json:
        typer.echo(json.dumps([e.to_dict() for e in entries], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"openbmd catalog: {kind or 'all entries'} ({len(entries)})")
    table.add_column("name", no_wrap=True)
    for column in ("display name", "kind", "key figures", "confidence"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(entry.name, entry.display_name, _kind(entry), _figures(entry), entry.confidence)
    Console().print(table)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="Catalog name, e.g. sejjil-2, an-tpy-2, kurecik."),
    as_json: bool = typer.Option(False, "--json", help="Print machine JSON (SI units, as stored)."),
    catalog_files: Optional[list[Path]] = catalog_option(),
) -> None:
    """Show every field of one entry, with units, and its sources."""
    from openbmd.cli.resolve import flags

    with flags({None: "NAME"}):
        entry = catalog(catalog_files).get(name)
    if as_json:
        typer.echo(json.dumps(entry.to_dict(), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{entry.display_name} ({_kind(entry)})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    table.add_column("provenance", overflow="fold")
    for field, value, provenance in _rows(entry):
        table.add_row(field, value, provenance)
    Console().print(table)


# --- rendering helpers (views only: no physics here) --------------------------------------
_SUFFIX_UNITS: tuple[tuple[str, str, str | None], ...] = (
    # suffix, SI unit, friendlier unit (x 1000)
    ("_kg_m2", "kg/m²", None), ("_mps", "m/s", "km/s"), ("_m2", "m²", None), ("_kg", "kg", None),
    ("_deg", "deg", None), ("_rad", "rad", None), ("_s", "s", None), ("_n", "N", "kN"), ("_m", "m", "km"),
)


def _kind(entry: Entry) -> str:
    sub = getattr(entry, "place_type", None) or getattr(entry, "sensor_type", None)
    return f"{entry.kind}/{sub}" if sub else entry.kind


def _km(metres: float) -> str:
    return f"{metres / 1000:,.0f} km"


def _figures(entry: Entry) -> str:
    if isinstance(entry, Missile):
        n = len(entry.stages)
        return f"{entry.range_class.upper()}, {entry.propellant}, {n} stage{'s' * (n > 1)}, range {_km(entry.max_range_m)}"
    if isinstance(entry, Interceptor):
        return (f"{entry.burnout_speed_mps / 1000:.1f} km/s, alt {_km(entry.min_intercept_altitude_m)}-"
                f"{_km(entry.max_intercept_altitude_m)}, range {_km(entry.max_range_m)}, {entry.status}")
    if isinstance(entry, Sensor):
        if entry.sensor_type == "space-ir":
            return f"space IR, orbit {_km(entry.orbit_altitude_m or 0.0)}"
        return (f"{entry.band}-band radar, {_km(entry.max_range_m or 0.0)} at {entry.reference_rcs_m2:g} m², "
                f"±{entry.sector_half_width_deg:g} deg")
    if isinstance(entry, Place):
        hosted = [m.sensor for m in entry.sensors] + entry.interceptors + ([entry.missile] if entry.missile else [])
        extra = f", {', '.join(dict.fromkeys(hosted))}" if hosted else ""
        return f"{entry.lat_deg:.2f}, {entry.lon_deg:.2f} ({entry.country}){extra}"
    return ""


_STAGE_LABELS = {"burn_time_s": "burn", "isp_s": "Isp", "propellant_mass_kg": "propellant", "dry_mass_kg": "dry",
                 "thrust_n": "thrust", "burnout_speed_mps": "burnout speed"}


def _number(value: float) -> str:
    """About five significant figures, thousands separated, never in exponent form above 0.001."""
    if value == 0 or not 1e-3 <= abs(value) < 1e15:
        return f"{value:g}"
    decimals = max(0, 4 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _quantity(field: str, value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    for suffix, unit, big in _SUFFIX_UNITS:
        if field.endswith(suffix):
            text = f"{_number(value)} {unit}"
            if big and abs(value) >= 1000:
                text += f" ({_number(value / 1000)} {big})"
            return text
    return _number(value)


def _provenance(entry: Entry, key: str) -> str:
    """One figure's provenance in words: confidence, range and reason where given, own sources by title."""
    fig = entry.figure(key)
    own = entry.own_figure(key) is not None
    text = fig.confidence if own else f"{fig.confidence} (entry)"
    if fig.low is not None and fig.high is not None:
        text += f" {_quantity(key.rsplit('.', 1)[-1], fig.low)} - {_quantity(key.rsplit('.', 1)[-1], fig.high)}"
    if own and fig.reason:
        text += f": {fig.reason}"
    if own and fig.source and list(fig.source) != list(entry.source):
        text += " [" + "; ".join(s.title or s.url or "" for s in fig.source) + "]"
    return text


def _rows(entry: Entry) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = [("kind", _kind(entry), "")]
    for field in type(entry).model_fields:
        value = getattr(entry, field)
        if value is None or value == [] or value == {} or field in ("source", "notes", "figures"):
            continue
        if field == "stages":
            for i, stage in enumerate(value, 1):
                for k, v in stage.model_dump().items():
                    if v is not None:
                        rows.append((f"stage {i} {_STAGE_LABELS.get(k, k)}", _quantity(k, v),
                                     _provenance(entry, f"stages.{i}.{k}")))
        elif field == "sensors":
            rows.append(("sensors", "; ".join(
                m if isinstance(m, str) else
                m.sensor + ("" if m.boresight_azimuth_deg is None else f" (boresight {m.boresight_azimuth_deg:g} deg)")
                for m in value), ""))
        elif field == "missiles":  # an assumption set: each missile's stated figures
            for m in value:
                stated = [f"{k} {f.value:.0f} ({f.basis})" if k == "first_year" else f"{k} {_quantity(k, f.value)} ({f.basis})"
                          for k in ASSUMED_FIELDS
                          if (f := m.figure(k)) is not None]
                rows.append((m.missile, "; ".join(stated) or "catalog figures", ""))
        elif field == "calibration":
            rows.append(("calibration", f"{value.figure} x {value.factor:.4f} (bounds {value.low:g}-{value.high:g}): "
                                        f"{value.method}", ""))
        elif field == "post_boost":
            for k, v in value.model_dump().items():
                rows.append((f"post-boost {k}", _quantity(k, v), _provenance(entry, f"post_boost.{k}")))
        elif field == "flight_tests":
            for t in value:
                rows.append((f"test {t.date}", f"apogee {_quantity('apogee_m', t.apogee_m)}, range "
                                               f"{_quantity('range_m', t.range_m)}, {t.flight_time_s / 60:.1f} min",
                             "published [" + "; ".join(s.title or s.url or "" for s in t.source) + "]"))
        elif isinstance(value, list):
            rows.append((field, ", ".join(map(str, value)), ""))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append((field, _quantity(field, value), _provenance(entry, field)))
        else:
            rows.append((field, _quantity(field, value), ""))
    if isinstance(entry, Missile) and entry.uses_mass_form:
        rows.append(("launch mass", _quantity("launch_mass_kg", entry.launch_mass_kg), "derived"))
        rows.append(("ideal delta-v", _quantity("ideal_delta_v_mps", entry.ideal_delta_v_mps), "derived"))
    if entry.notes:
        rows.append(("notes", entry.notes, ""))
    for i, src in enumerate(entry.source, 1):
        rows.append((f"source {i}", " — ".join(str(p) for p in (src.title, src.author, src.year, src.url) if p), ""))
    return rows
