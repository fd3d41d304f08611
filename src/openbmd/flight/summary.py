"""One flight summarised for people and machines: the ``openbmd trajectory`` result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openbmd.flight.propagate import TrajectoryBatch


@dataclass(frozen=True)
class TrajectorySummary:
    """Key figures of one flight (SI). Burnout speed and flight-path angle are Earth-relative.

    ``ground_range_m`` runs from the launch point (or, for a flight started from a
    burnout state, from the burnout point) to impact along the ellipsoid.
    """

    ground_range_m: float
    apogee_altitude_m: float
    flight_time_s: float
    burnout_altitude_m: float
    burnout_speed_mps: float
    burnout_flight_path_angle_rad: float
    burnout_time_s: float
    launch_lat_rad: float
    launch_lon_rad: float
    impact_lat_rad: float
    impact_lon_rad: float
    impact_time_s: float
    # Thinned samples for pictures: time (s), latitude, longitude (rad), height (m).
    t_s: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray

    @classmethod
    def of(cls, batch: TrajectoryBatch, i: int = 0, *, from_burnout: bool = False) -> "TrajectorySummary":
        """Summarise flight ``i`` of a batch flown with samples."""
        if batch.status[i] != 0:
            raise ValueError("the flight did not reach the ground")
        alt_b = batch.event_geodetic("burnout")[2]
        speed, gamma = batch.speed_and_flight_path_angle("burnout")
        lat_i, lon_i, _ = batch.event_geodetic("impact")
        t, lat, lon, alt = batch.samples_geodetic(i)
        start = batch.start_t_s[i]
        return cls(
            ground_range_m=float(batch.ground_range_m("burnout" if from_burnout else None)[i]),
            apogee_altitude_m=float(batch.apogee_altitude_m[i]),
            flight_time_s=float(batch.flight_time_s[i]),
            burnout_altitude_m=float(alt_b[i]),
            burnout_speed_mps=float(speed[i]),
            burnout_flight_path_angle_rad=float(gamma[i]),
            burnout_time_s=float(batch.event_t_s[i, 0] - start),
            launch_lat_rad=float(batch.launch_lat_rad[i]),
            launch_lon_rad=float(batch.launch_lon_rad[i]),
            impact_lat_rad=float(lat_i[i]),
            impact_lon_rad=float(lon_i[i]),
            impact_time_s=float(batch.event_t_s[i, 3] - start),
            t_s=t - start, lat_rad=lat, lon_rad=lon, alt_m=alt,
        )

    def to_json(self) -> dict:
        """The documented JSON: SI units, angles in degrees, times from launch (or the burnout state)."""
        deg = np.degrees
        return {
            "ground_range_m": self.ground_range_m,
            "apogee_altitude_m": self.apogee_altitude_m,
            "flight_time_s": self.flight_time_s,
            "burnout": {
                "altitude_m": self.burnout_altitude_m,
                "speed_mps": self.burnout_speed_mps,
                "flight_path_angle_deg": float(deg(self.burnout_flight_path_angle_rad)),
                "time_s": self.burnout_time_s,
            },
            "launch": {"lat_deg": float(deg(self.launch_lat_rad)), "lon_deg": float(deg(self.launch_lon_rad))},
            "impact": {"lat_deg": float(deg(self.impact_lat_rad)), "lon_deg": float(deg(self.impact_lon_rad)),
                       "time_s": self.impact_time_s},
        }
