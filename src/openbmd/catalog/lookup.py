"""The :class:`Catalog`: validated entries by name, with kind-checked lookups."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from openbmd.catalog.models import (AssumptionSet, CriteriaSet, Deployment, Entry, Interceptor, Missile, Place, Region,
                                    Sensor, Timeline)
from openbmd.errors import InputError, UnknownNameError

E = TypeVar("E", bound=Entry)

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_LAT_LON = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*$")

_KINDS: Mapping[str, tuple[str, str | None]] = MappingProxyType({
    # word -> (entry kind, sub-type or None)
    "missile": ("missile", None), "missiles": ("missile", None),
    "interceptor": ("interceptor", None), "interceptors": ("interceptor", None),
    "sensor": ("sensor", None), "sensors": ("sensor", None),
    "radar": ("sensor", "radar"), "radars": ("sensor", "radar"),
    "space-ir": ("sensor", "space-ir"),
    "place": ("place", None), "places": ("place", None),
    "site": ("place", "site"), "sites": ("place", "site"),
    "ship-station": ("place", "ship-station"), "ship-stations": ("place", "ship-station"),
    "base": ("place", "base"), "bases": ("place", "base"),
    "launch-area": ("place", "launch-area"), "launch-areas": ("place", "launch-area"),
    "city": ("place", "city"), "cities": ("place", "city"),
    "timeline": ("timeline", None), "timelines": ("timeline", None),
    "deployment": ("deployment", None), "deployments": ("deployment", None),
    "criteria": ("criteria", None),
    "assumptions": ("assumptions", None), "assumption-sets": ("assumptions", None),
    "region": ("region", None), "regions": ("region", None),
})
"""Words accepted by :meth:`Catalog.entries` for ``kind``."""

KIND_WORDS: tuple[str, ...] = (
    "missiles", "interceptors", "sensors", "radars", "space-ir", "places",
    "sites", "ship-stations", "bases", "launch-areas", "cities", "timelines", "deployments", "criteria",
    "assumptions", "regions",
)
"""The documented ``kind`` words, plural form (singulars are accepted too)."""


class CatalogError(InputError):
    """A catalog file or entry is invalid; one line ``file:line:column: entry 'x': field 'y': message``
    (the parts that are known)."""

    def __init__(self, message: str, *, file: str | None = None, entry: str | None = None,
                 field: str | None = None, line: int | None = None, column: int | None = None) -> None:
        where = ":".join(str(p) for p in (file, line, column if line is not None else None) if p is not None)
        parts = [p for p in (where or None, f"entry {entry!r}" if entry else None,
                             f"field {field!r}" if field else None) if p]
        super().__init__(": ".join([*parts, message]))
        self.file, self.entry, self.field, self.line, self.column = file, entry, field, line, column


class Catalog:
    """Catalog entries by unique name.

    >>> cat = load_catalog()                        # doctest: +SKIP
    >>> cat.missile("sejjil-2").max_range_m         # doctest: +SKIP
    2000000.0
    >>> cat.point("warsaw")                         # doctest: +SKIP
    (52.2297, 21.0122, 'Warsaw')
    """

    __slots__ = ("_by_name",)

    def __init__(self, entries: Iterable[Entry], origins: Iterable[str | None] | None = None) -> None:
        """Check that names are unique and cross-references resolve.

        ``origins`` gives, entry by entry, the file each came from, for error messages.
        """
        entries = list(entries)
        files = list(origins) if origins is not None else [None] * len(entries)
        by_name: dict[str, Entry] = {}
        file_of: dict[str, str | None] = {}
        for entry, file in zip(entries, files, strict=True):
            if entry.name in by_name:
                first = file_of[entry.name]
                where = f" (first defined in {first})" if first else ""
                raise CatalogError(f"duplicate name{where}", file=file, entry=entry.name)
            by_name[entry.name] = entry
            file_of[entry.name] = file
        self._by_name: Mapping[str, Entry] = MappingProxyType(by_name)
        for entry in by_name.values():
            if isinstance(entry, Place):
                self._check_place(entry, file_of[entry.name])
            elif isinstance(entry, Deployment):
                self._check_deployment(entry, file_of[entry.name])
            elif isinstance(entry, AssumptionSet):
                self._check_assumptions(entry, file_of[entry.name])
            elif isinstance(entry, CriteriaSet):
                for i, c in enumerate(entry.criteria):
                    if c.region is not None and not isinstance(self._by_name.get(c.region), Region):
                        raise CatalogError(f"{c.region!r} is not a known region", file=file_of[entry.name],
                                           entry=entry.name, field=f"criteria.{i}.region")
            elif isinstance(entry, Interceptor) and entry.fire_control_radar is not None:
                found = self._by_name.get(entry.fire_control_radar)
                if not (isinstance(found, Sensor) and found.sensor_type == "radar"):
                    raise CatalogError(f"{entry.fire_control_radar!r} is not a known radar"
                                       f"{_closest_text(entry.fire_control_radar, self._names(Sensor), 'sensor')}",
                                       file=file_of[entry.name], entry=entry.name, field="fire_control_radar")

    def _check_deployment(self, dep: Deployment, file: str | None) -> None:
        years = [("", dep.emplacements, dep.sensors)] + [
            (f"declarations.{k}.", d.emplacements, d.sensors) for k, d in enumerate(dep.declarations)]
        for prefix, emplacements, sensors in years:
            for i, e in enumerate(emplacements):
                for name, cls, field in ((e.site, Place, "site"), (e.interceptor, Interceptor, "interceptor")):
                    found = self._by_name.get(name)
                    if not isinstance(found, cls):
                        raise CatalogError(f"{name!r} is not a known {cls.kind}"
                                           f"{_closest_text(name, self._names(cls), cls.kind)}",
                                           file=file, entry=dep.name, field=f"{prefix}emplacements.{i}.{field}")
            for i, name in enumerate(sensors):
                found = self._by_name.get(name)
                ok = (isinstance(found, Place) and found.sensors) or (
                    isinstance(found, Sensor) and found.sensor_type == "space-ir")
                if not ok:
                    raise CatalogError(f"{name!r} is not a place with sensors or a space IR sensor",
                                       file=file, entry=dep.name, field=f"{prefix}sensors.{i}")

    def _check_assumptions(self, aset: AssumptionSet, file: str | None) -> None:
        for i, m in enumerate(aset.missiles):
            found = self._by_name.get(m.missile)
            if not isinstance(found, Missile):
                raise CatalogError(f"{m.missile!r} is not a known missile{_closest_text(m.missile, self._names(Missile), 'missile')}",
                                   file=file, entry=aset.name, field=f"missiles.{i}.missile")
            if m.payload_mass_kg is not None and not found.uses_mass_form:
                raise CatalogError(f"{m.missile} is given by burnout speeds; a payload figure cannot change its flight",
                                   file=file, entry=aset.name, field=f"missiles.{i}.payload_mass_kg")
        for i, name in enumerate(aset.sensors):
            found = self._by_name.get(name)
            ok = (isinstance(found, Place) and found.sensors) or (
                isinstance(found, Sensor) and found.sensor_type == "space-ir")
            if not ok:
                raise CatalogError(f"{name!r} is not a place with sensors or a space IR sensor",
                                   file=file, entry=aset.name, field=f"sensors.{i}")

    def _check_place(self, place: Place, file: str | None) -> None:
        def need(name: str, cls: type[Entry], field: str) -> Entry:
            found = self._by_name.get(name)
            if not isinstance(found, cls):
                what = f"is {_a(found.kind)}, not {_a(cls.kind)}" if found else f"is not a known {cls.kind}"
                raise CatalogError(f"{name!r} {what}{_closest_text(name, self._names(cls), cls.kind)}",
                                   file=file, entry=place.name, field=field)
            return found

        for i, mount in enumerate(place.sensors):
            sensor = need(mount.sensor, Sensor, f"sensors.{i}.sensor")
            assert isinstance(sensor, Sensor)
            limited = sensor.sensor_type == "radar" and (sensor.sector_half_width_deg or 180.0) < 180.0
            if limited and mount.boresight_azimuth_deg is None:
                raise CatalogError(f"{sensor.name} covers only +/-{sensor.sector_half_width_deg:g} deg of azimuth; "
                                   "give its boresight",
                                   file=file, entry=place.name, field=f"sensors.{i}.boresight_azimuth_deg")
        for i, name in enumerate(place.interceptors):
            need(name, Interceptor, f"interceptors.{i}")
        if place.radar_at is not None:
            radar = need(place.radar_at, Place, "radar_at")
            if not any(isinstance(s := self._by_name.get(m.sensor), Sensor) and s.sensor_type == "radar"
                       for m in radar.sensors):
                raise CatalogError(f"{place.radar_at!r} holds no radar", file=file, entry=place.name,
                                   field="radar_at")
        if place.missile is not None:
            need(place.missile, Missile, "missile")

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> Catalog:
        """The shipped catalog plus the YAML files in ``extra`` (see :func:`~openbmd.catalog.load_catalog`)."""
        from openbmd.catalog.loader import load_catalog

        return load_catalog(extra)

    # --- lookups -----------------------------------------------------------------------
    def get(self, name: str) -> Entry:
        """Any entry by name; :class:`UnknownNameError` with the closest names if absent."""
        entry = self._by_name.get(name)
        if entry is None:
            raise UnknownNameError(f"unknown name {name!r}{_closest_text(name, self._by_name)}")
        return entry

    def missile(self, name: str) -> Missile:
        """The missile called ``name``."""
        return self._typed(name, Missile)

    def interceptor(self, name: str) -> Interceptor:
        """The interceptor called ``name``."""
        return self._typed(name, Interceptor)

    def sensor(self, name: str) -> Sensor:
        """The sensor called ``name``."""
        return self._typed(name, Sensor)

    def place(self, name: str) -> Place:
        """The place (site, ship station, base, launch area or city) called ``name``."""
        return self._typed(name, Place)

    def timeline(self, name: str) -> Timeline:
        """The engagement timeline assumptions called ``name`` (``"default"`` is shipped)."""
        return self._typed(name, Timeline)

    def deployment(self, name: str) -> Deployment:
        """The deployment called ``name``."""
        return self._typed(name, Deployment)

    def criteria(self, name: str) -> CriteriaSet:
        """The criteria set called ``name``."""
        return self._typed(name, CriteriaSet)

    def assumptions(self, name: str) -> AssumptionSet:
        """The threat assumption set called ``name`` (``"nato"`` and ``"russia"`` are shipped)."""
        return self._typed(name, AssumptionSet)

    def region(self, name: str) -> Region:
        """The named region called ``name`` (e.g. ``"russia-west-of-urals"``)."""
        return self._typed(name, Region)

    def entries(self, kind: str | None = None) -> tuple[Entry, ...]:
        """All entries in file order, or those of one ``kind``.

        ``kind`` is an entry kind (``missiles``, ``interceptors``, ``sensors``, ``places``),
        a place type (``sites``, ``ship-stations``, ``bases``, ``launch-areas``, ``cities``)
        or a sensor type (``radars``, ``space-ir``); singular or plural.
        """
        if kind is None:
            return tuple(self._by_name.values())
        key = kind.strip().lower().replace("_", "-")
        if key not in _KINDS:
            raise InputError(f"unknown kind {kind!r}; use one of {', '.join(KIND_WORDS)}", "kind")
        entry_kind, sub = _KINDS[key]
        return tuple(e for e in self._by_name.values() if e.kind == entry_kind and (sub is None or _subtype(e) == sub))

    def point(self, text: str, argument: str = "point") -> tuple[float, float, str]:
        """``(lat_deg, lon_deg, label)`` for a place name or a literal ``"lat,lon"`` in degrees.

        The label is the place's display name, or the literal as ``"lat,lon"``.
        """
        match = _LAT_LON.match(text or "")
        if match:
            lat, lon = float(match.group(1)), float(match.group(2))
            if not -90.0 <= lat <= 90.0:
                raise InputError(f"latitude {lat:g} in {text!r} is outside -90..90 deg", argument)
            if not -180.0 <= lon <= 180.0:
                raise InputError(f"longitude {lon:g} in {text!r} is outside -180..180 deg", argument)
            return lat, lon, f"{match.group(1)},{match.group(2)}"
        if "," in (text or "") or not (text or "").strip():
            raise InputError(f"cannot read {text!r} as a place name or 'lat,lon' in degrees, e.g. '52.23,21.01'", argument)
        try:
            place = self.place(text.strip())
        except UnknownNameError as exc:
            raise UnknownNameError(str(exc), argument) from None
        return place.lat_deg, place.lon_deg, place.display_name

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        counts = {}
        for e in self._by_name.values():
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return f"Catalog({', '.join(f'{n} {k}' + ('' if k.endswith('a') else 's') for k, n in counts.items())})"

    # --- helpers -----------------------------------------------------------------------
    def _names(self, cls: type[Entry]) -> list[str]:
        return [n for n, e in self._by_name.items() if isinstance(e, cls)]

    def _typed(self, name: str, cls: type[E]) -> E:
        entry = self._by_name.get(name)
        if isinstance(entry, cls):
            return entry
        if entry is not None:
            raise UnknownNameError(f"{name!r} is {_a(_describe(entry))}, not {_a(cls.kind)}; "
                                   f"see 'openbmd catalog list {_plural(cls.kind)}'")
        raise UnknownNameError(f"unknown {cls.kind} {name!r}{_closest_text(name, self._names(cls), cls.kind)}")


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _subtype(entry: Entry) -> str | None:
    return getattr(entry, "place_type", None) or getattr(entry, "sensor_type", None)


def _describe(entry: Entry) -> str:
    sub = _subtype(entry)
    return f"{entry.kind} ({sub})" if sub else entry.kind


def _closest_text(name: str, pool: Iterable[str], kind: str | None = None) -> str:
    close = difflib.get_close_matches(name, list(pool), n=3, cutoff=0.5)
    if close:
        return f"; closest: {', '.join(close)}"
    return f"; no close match (see 'openbmd catalog list{f' {_plural(kind)}' if kind else ''}')"


def _plural(kind: str) -> str:
    """The ``catalog list`` word of a kind: missile -> missiles; assumptions and criteria stay."""
    return kind if kind.endswith("s") or kind == "criteria" else f"{kind}s"
