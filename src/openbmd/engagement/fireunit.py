"""The fire unit: interceptors of one type at one launch site, built from the catalog in one place.

>>> from openbmd.catalog import load_catalog
>>> from openbmd.earth import wgs84
>>> unit = fire_unit(load_catalog(), "redzikowo", "sm3-iia", wgs84())
>>> unit.site, unit.interceptor.name, round(unit.burnout_speed_mps)
('redzikowo', 'sm3-iia', 4500)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Interceptor
from openbmd.earth import EarthModel, geodetic_to_ecef
from openbmd.engagement.firecontrol import KillVehicle, kill_vehicle
from openbmd.engagement.flyout import FlyoutTable, flyout_table


@dataclass(frozen=True)
class FireUnit:
    """One fire unit: its site (geodetic, rad and m), catalog interceptor, fly-out table and kill vehicle.

    ``name`` labels it (default ``site/interceptor``); ``radar_site`` is the catalog place of its own radar
    (the site, or the site's ``radar_at``); ``party`` (index), ``inventory`` (rounds), ``channels``
    (simultaneous engagements) and ``organic`` (indices of its own radars among a scenario's sensor posts) are
    what an exercise adds.
    """

    site: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    interceptor: Interceptor
    table: FlyoutTable
    kill_vehicle: KillVehicle
    name: str = ""
    party: int = 0
    inventory: int = 0
    channels: int = 0
    organic: tuple[int, ...] = ()
    radar_site: str = ""

    @property
    def burnout_speed_mps(self) -> float:
        """The interceptor's burnout speed as this unit flies it (the catalog's unless overridden), m/s."""
        return self.table.burnout_speed_mps

    def r_ecef(self, earth: EarthModel) -> NDArray:
        """The site's ECEF position, m."""
        return np.asarray(geodetic_to_ecef(self.lat_rad, self.lon_rad, self.alt_m, earth), float)


def fire_unit(catalog: Catalog, site: str, interceptor: str | Interceptor, earth: EarthModel, *,
              burnout_speed_mps: float | None = None, speed_cap_mps: float | None = None, name: str | None = None,
              party: int = 0, inventory: int = 0, channels: int = 0, organic: tuple[int, ...] = ()) -> FireUnit:
    """The fire unit of ``interceptor`` (a catalog name or entry) at ``site`` (a catalog place or ``"lat,lon"``
    in degrees, at sea level).

    ``burnout_speed_mps`` replaces the catalog's burnout speed (m/s); ``speed_cap_mps`` only caps it.
    """
    lat, lon, _ = catalog.point(site, "site")
    place = catalog.place(site) if site in catalog else None
    alt = place.alt_m if place is not None else 0.0
    entry = catalog.interceptor(interceptor) if isinstance(interceptor, str) else interceptor
    speed = burnout_speed_mps or entry.burnout_speed_mps
    if speed_cap_mps is not None:
        speed = min(speed, speed_cap_mps)
    return FireUnit(site, math.radians(lat), math.radians(lon), alt, entry,
                    flyout_table(entry, earth, burnout_speed_mps=speed), kill_vehicle(entry),
                    name or f"{site}/{entry.name}", party, inventory, channels, tuple(organic),
                    (place.radar_at if place is not None else None) or site)

