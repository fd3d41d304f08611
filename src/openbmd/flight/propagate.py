"""Batched numeric flight: many trajectories in one call, events and thinned samples kept.

Frames: the kernel integrates in ECI (see :mod:`openbmd.earth.frames`); results
convert to ECEF and geodetic coordinates on demand. Burnout speed and
flight-path angle are quoted relative to the rotating Earth, as analysts do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from openbmd.earth import EarthModel, ecef_to_eci, eci_to_ecef, ecef_to_geodetic, enu_rotation, geodetic_to_ecef
from openbmd.earth.geodesy import geodesic_inverse
from openbmd.flight import _kernel as K

FLIGHTS_PER_THREAD = 8
"""Fewest flights per kernel thread: a batch of n flies on at most n // 8 threads (at least one). Waking the other
threads costs ~0.5 ms on a quiet machine and 15-20 ms on a loaded one (a worker waits for a core; measured on 2
cores at load 2.5), where an ICBM flight costs ~0.2 ms: aiming's late Newton iterations fly a few shots each."""

EVENTS = ("burnout", "apogee", "reentry", "impact")


@dataclass(frozen=True)
class Tolerances:
    """Integrator tolerances: relative, absolute position (m) and velocity (m/s); longest step (s) in unpowered
    and in powered flight.

    ``reentry_atol_mps`` is the absolute velocity tolerance (m/s) once a falling body is below the re-entry
    height (100 km): there a velocity error dv moves the impact by about dv times the time to go (under a
    minute for a re-entry vehicle), so 1e-3 m/s weighs like a few cm of position, where the free-flight
    1e-5 m/s would make the drag phase crawl (impacts move by at most ~0.1 m, see the tests: the steps end
    on the atmosphere's density knots, which keeps the drag phase's error small).
    ``max_step_s`` bounds the eighth-order steps in space: they would reach ~400 s at these tolerances, but the
    dense output between samples is then ~0.2 m off; at 250 s energy holds to 1e-8 along the samples.
    ``boost_max_step_s`` stays short: boost steps at the limit fall on the same grid whatever the cut-off, which
    keeps aiming's finite differences smooth (a 10 s limit halves the boost steps but stalls its Newton).
    """

    rtol: float = 1e-9
    atol_m: float = 1e-2
    atol_mps: float = 1e-5
    max_step_s: float = 250.0
    boost_max_step_s: float = 2.0
    reentry_atol_mps: float = 1e-3


@dataclass(frozen=True)
class StateBatch:
    """N states in ECI: time since epoch (s), position (m), inertial velocity (m/s)."""

    t_s: NDArray
    r_eci: NDArray
    v_eci: NDArray

    def __post_init__(self) -> None:
        n = self.r_eci.shape[0]
        if self.r_eci.shape != (n, 3) or self.v_eci.shape != (n, 3) or self.t_s.shape != (n,):
            raise ValueError("StateBatch wants t_s (N,), r_eci (N,3) and v_eci (N,3)")

    def __len__(self) -> int:
        return self.r_eci.shape[0]


@dataclass(frozen=True)
class Vehicle:
    """What the kernel flies: a stage table, payload mass (kg), RV ballistic coefficient (kg/m^2).

    ``stages`` rows: [burn_time_s, thrust_n, mdot_kg_s, dry_mass_kg, speed_gain_mps]; thrust_n < 0
    marks the speed form, in which thrust holds the speed gain rate against gravity (interceptor
    fly-out fans use it; missiles fly the mass form). The boost is a vertical rise of
    ``vertical_s``, a pitch-over ramp of ``kick_s`` (s), the kick held until the Earth-relative velocity has
    come round to it, then a gravity turn: each phase once, in that order. ``reference_area_m2``
    (m^2, 0 = none) sets boost drag in the mass form: 0.5 rho v^2 Cd(Mach) A.
    """

    stages: NDArray
    payload_mass_kg: float
    beta_kg_m2: float
    vertical_s: float = 6.0
    kick_s: float = 12.0
    reference_area_m2: float = 0.0

    @property
    def burn_time_s(self) -> float:
        return float(self.stages[:, 0].sum()) if len(self.stages) else 0.0


@dataclass(frozen=True)
class TrajectoryBatch:
    """Events (and optional thinned samples) of N flights, all in ECI.

    ``event_t_s`` (N, 4) and ``event_r_eci``/``event_v_eci`` (N, 4, 3) follow :data:`EVENTS`;
    NaN marks an event that did not happen. ``status`` 0 = impact, 1 = no impact before
    the time limit, 2 = fell back during boost, 3 = not flown: a launch input (position, time,
    azimuth, kick, cut-off or ballistic coefficient) or starting state was not finite.
    ``samples`` (N, K, 7) rows are [t_s, r_eci(3), v_eci(3)], ``n_samples`` valid rows each
    (the impact row included).
    """

    earth: EarthModel
    event_t_s: NDArray
    event_r_eci: NDArray
    event_v_eci: NDArray
    status: NDArray
    launch_lat_rad: NDArray
    launch_lon_rad: NDArray
    start_t_s: NDArray
    samples: NDArray | None = field(default=None, repr=False)
    n_samples: NDArray | None = None

    def __len__(self) -> int:
        return self.status.shape[0]

    def event_index(self, name: str) -> int:
        return EVENTS.index(name)

    def event_ecef(self, name: str) -> tuple[NDArray, NDArray, NDArray]:
        """Time (s), ECEF position (m) and Earth-relative velocity (m/s) at an event."""
        k = self.event_index(name)
        t = self.event_t_s[:, k]
        r, v = eci_to_ecef(self.event_r_eci[:, k], t, self.earth, self.event_v_eci[:, k])
        return t, r, v

    def event_geodetic(self, name: str) -> tuple[NDArray, NDArray, NDArray]:
        """Latitude, longitude (rad) and height (m) at an event."""
        _, r, _ = self.event_ecef(name)
        return ecef_to_geodetic(r, self.earth)

    def speed_and_flight_path_angle(self, name: str) -> tuple[NDArray, NDArray]:
        """Earth-relative speed (m/s) and flight-path angle above the local horizontal (rad)."""
        _, r, v = self.event_ecef(name)
        lat, lon, _ = ecef_to_geodetic(r, self.earth)
        up = enu_rotation(lat, lon)[..., 2, :]
        speed = np.linalg.norm(v, axis=-1)
        return speed, np.arcsin(np.clip(np.sum(v * up, axis=-1) / speed, -1.0, 1.0))

    @property
    def flight_time_s(self) -> NDArray:
        """Time from the start (launch, or the given state) to impact (s)."""
        return self.event_t_s[:, 3] - self.start_t_s

    @property
    def burn_time_s(self) -> NDArray:
        """Time from the start to burnout (s); 0 for unpowered flights."""
        return self.event_t_s[:, 0] - self.start_t_s

    @property
    def apogee_altitude_m(self) -> NDArray:
        return self.event_geodetic("apogee")[2]

    def ground_range_m(self, from_event: str | None = None) -> NDArray:
        """Geodesic distance (m) to the impact point from the launch point, or from an event's sub-point."""
        if from_event is None:
            lat0, lon0 = self.launch_lat_rad, self.launch_lon_rad
        else:
            lat0, lon0, _ = self.event_geodetic(from_event)
        lat1, lon1, _ = self.event_geodetic("impact")
        dist, _, _ = geodesic_inverse(lat0, lon0, lat1, lon1, self.earth)
        return np.where(self.status == K.ST_IMPACT, dist, np.nan)

    def samples_ecef(self) -> tuple[NDArray, NDArray]:
        """All samples in ECEF: time (N, K) in s, NaN past each trajectory's last sample, and r_ecef (N, K, 3) in m."""
        t = self._sample_times()
        return t, eci_to_ecef(self.samples[..., 1:4], np.nan_to_num(t), self.earth)

    def sample_states_ecef(self) -> tuple[NDArray, NDArray, NDArray]:
        """:meth:`samples_ecef` with the kernel's velocities: time (N, K) s, r_ecef (N, K, 3) m and
        Earth-relative v_ecef (N, K, 3) m/s."""
        t = self._sample_times()
        r, v = eci_to_ecef(self.samples[..., 1:4], np.nan_to_num(t), self.earth, self.samples[..., 4:7])
        return t, r, v

    def _sample_times(self) -> NDArray:
        """Sample times (N, K) s, NaN past each trajectory's last sample."""
        if self.samples is None or self.n_samples is None:
            raise ValueError("this batch was flown without samples; pass sample_dt_s")
        t = self.samples[..., 0].copy()
        t[np.arange(t.shape[1])[None, :] >= self.n_samples[:, None]] = np.nan
        return t

    def samples_geodetic(self, i: int) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Time (s), latitude, longitude (rad) and height (m) of trajectory i's samples."""
        if self.samples is None or self.n_samples is None:
            raise ValueError("this batch was flown without samples; pass sample_dt_s")
        rows = self.samples[i, : self.n_samples[i]]
        r_ecef = eci_to_ecef(rows[:, 1:4], rows[:, 0], self.earth)
        lat, lon, alt = ecef_to_geodetic(r_ecef, self.earth)
        return rows[:, 0], lat, lon, alt


def _earth_vector(earth: EarthModel) -> NDArray:
    return np.array([earth.mu_m3_s2, earth.j2, earth.a_m, earth.e2, earth.omega_rad_s])


ST_NOT_FLOWN = 3
"""Status of a row with a non-finite input: skipped, its events NaN (the kernel's step control never ends on NaN)."""


def _run(r0, v0, t0, az, kick, cutoff, vehicle: Vehicle | None, earth: EarthModel, drag: bool, beta: NDArray,
         t_max_s: float, tol: Tolerances, sample_dt_s: float | None, lat0, lon0) -> TrajectoryBatch:
    finite = (np.isfinite(r0).all(axis=1) & np.isfinite(v0).all(axis=1) & np.isfinite(t0) & np.isfinite(az)
              & np.isfinite(kick) & np.isfinite(cutoff) & np.isfinite(beta))
    if not finite.all():
        ok = np.flatnonzero(finite)
        sub = _fly(r0[ok], v0[ok], t0[ok], az[ok], kick[ok], cutoff[ok], vehicle, earth, drag, beta[ok], t_max_s, tol,
                   sample_dt_s, np.asarray(lat0, float)[ok], np.asarray(lon0, float)[ok])
        n = len(t0)
        ev_t = np.full((n,) + sub.event_t_s.shape[1:], np.nan)
        r, v = np.full((n,) + sub.event_r_eci.shape[1:], np.nan), np.full((n,) + sub.event_v_eci.shape[1:], np.nan)
        status = np.full(n, ST_NOT_FLOWN, dtype=sub.status.dtype)
        ev_t[ok], r[ok], v[ok], status[ok] = sub.event_t_s, sub.event_r_eci, sub.event_v_eci, sub.status
        samples = n_samp = None
        if sub.samples is not None:
            samples = np.full((n,) + sub.samples.shape[1:], np.nan)
            n_samp = np.zeros(n, dtype=sub.n_samples.dtype)
            samples[ok], n_samp[ok] = sub.samples, sub.n_samples
        return TrajectoryBatch(earth, ev_t, r, v, status, np.asarray(lat0, float), np.asarray(lon0, float),
                               np.asarray(t0, float).copy(), samples, n_samp)
    return _fly(r0, v0, t0, az, kick, cutoff, vehicle, earth, drag, beta, t_max_s, tol, sample_dt_s, lat0, lon0)


def _fly(r0, v0, t0, az, kick, cutoff, vehicle: Vehicle | None, earth: EarthModel, drag: bool, beta: NDArray,
         t_max_s: float, tol: Tolerances, sample_dt_s: float | None, lat0, lon0) -> TrajectoryBatch:
    stages = vehicle.stages if vehicle is not None else np.zeros((0, 5))
    payload = vehicle.payload_mass_kg if vehicle is not None else 0.0
    vert = vehicle.vertical_s if vehicle is not None else 0.0
    kick_s = vehicle.kick_s if vehicle is not None else 1.0
    sdt = float(sample_dt_s or 0.0)
    n_max = int((t_max_s + (vehicle.burn_time_s if vehicle else 0.0)) / sdt) + 3 if sdt > 0 else 1
    threads = numba.get_num_threads()
    numba.set_num_threads(int(min(max(len(t0) // FLIGHTS_PER_THREAD, 1), threads)))  # results do not depend on it
    try:
        ev_t, ev_y, status, samples, n_samp = K.fly_batch(
            np.ascontiguousarray(r0, dtype=float), np.ascontiguousarray(v0, dtype=float),
            np.ascontiguousarray(t0, dtype=float), np.ascontiguousarray(az, dtype=float),
            np.ascontiguousarray(kick, dtype=float), np.ascontiguousarray(cutoff, dtype=float),
            np.ascontiguousarray(stages, dtype=float), float(payload), float(vert), float(kick_s),
            _earth_vector(earth), np.ascontiguousarray(beta, dtype=float), bool(drag and earth.atmosphere),
            float(t_max_s), tol.rtol, tol.atol_m,
            tol.atol_mps, tol.reentry_atol_mps, tol.max_step_s, sdt, n_max,
            float(vehicle.reference_area_m2 if vehicle is not None else 0.0), tol.boost_max_step_s)
    finally:
        numba.set_num_threads(threads)
    if sdt > 0:
        # Close each sample list with the impact state, so tracks end on the ground.
        hit = np.flatnonzero((status == K.ST_IMPACT) & (n_samp < samples.shape[1]))
        samples[hit, n_samp[hit], 0] = ev_t[hit, 3]
        samples[hit, n_samp[hit], 1:] = ev_y[hit, 3]
        n_samp[hit] += 1
        samples = samples[:, : max(int(n_samp.max(initial=0)), 1)]
    return TrajectoryBatch(earth, ev_t, ev_y[..., :3], ev_y[..., 3:], status, np.asarray(lat0, float),
                           np.asarray(lon0, float), np.asarray(t0, float).copy(), samples if sdt > 0 else None, n_samp if sdt > 0 else None)


def fly_ballistic(states: StateBatch, earth: EarthModel, *, beta_kg_m2: ArrayLike | None = None,
                  t_max_s: float = 7200.0, tol: Tolerances = Tolerances(),
                  sample_dt_s: float | None = None) -> TrajectoryBatch:
    """Fly N unpowered states until impact on the ellipsoid (or ``t_max_s`` after their start).

    Drag acts when ``beta_kg_m2`` (ballistic coefficient, kg/m^2: one for all, or one per state (N,)) is
    given and the Earth model has an atmosphere. The first event ("burnout") is the starting state.
    """
    n = len(states)
    lat0, lon0, _ = ecef_to_geodetic(eci_to_ecef(states.r_eci, states.t_s, earth), earth)
    zeros = np.zeros(n)
    beta = np.broadcast_to(np.asarray(1.0 if beta_kg_m2 is None else beta_kg_m2, float), (n,))
    return _run(states.r_eci, states.v_eci, states.t_s, zeros, zeros, zeros, None, earth,
                beta_kg_m2 is not None, beta, t_max_s, tol, sample_dt_s, lat0, lon0)


def fly_launches(vehicle: Vehicle, lat_rad: ArrayLike, lon_rad: ArrayLike, azimuth_rad: ArrayLike,
                 kick_rad: ArrayLike, earth: EarthModel, *, cutoff_s: ArrayLike | None = None,
                 t_launch_s: ArrayLike = 0.0, t_max_s: float = 7200.0, tol: Tolerances = Tolerances(),
                 sample_dt_s: float | None = None) -> TrajectoryBatch:
    """Launch N missiles from the ground and fly them to impact.

    The boost is a vertical rise, a pitch-over by ``kick_rad`` toward ``azimuth_rad``
    (clockwise from north), then a gravity turn; thrust ends at ``cutoff_s`` after
    launch (thrust termination, default: full burn). Arrays broadcast to N.
    """
    lat, lon, az, kick, t0 = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float)) for x in
                                                   (lat_rad, lon_rad, azimuth_rad, kick_rad, t_launch_s)))
    cut = np.broadcast_to(np.asarray(vehicle.burn_time_s if cutoff_s is None else cutoff_s, float), lat.shape)
    r_ecef = geodetic_to_ecef(lat, lon, np.zeros_like(lat), earth)
    r_eci, v_eci = ecef_to_eci(r_ecef, t0, earth, np.zeros_like(r_ecef))
    return _run(r_eci, v_eci, t0, az, kick, cut, vehicle, earth, True, np.full(lat.shape, vehicle.beta_kg_m2),
                t_max_s, tol, sample_dt_s, lat, lon)


def burnout_states(lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike, speed_mps: ArrayLike,
                   flight_path_angle_rad: ArrayLike, azimuth_rad: ArrayLike, earth: EarthModel,
                   t_s: ArrayLike = 0.0) -> StateBatch:
    """States from burnout conditions quoted relative to the rotating Earth.

    Speed (m/s) and flight-path angle (rad above the local horizontal) are Earth-relative;
    azimuth is clockwise from north. On a still Earth they are also inertial.
    """
    lat, lon, alt, v, g, az, t = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float)) for x in
                                                       (lat_rad, lon_rad, alt_m, speed_mps, flight_path_angle_rad,
                                                        azimuth_rad, t_s)))
    r_ecef = geodetic_to_ecef(lat, lon, alt, earth)
    enu = np.stack([v * np.cos(g) * np.sin(az), v * np.cos(g) * np.cos(az), v * np.sin(g)], axis=-1)
    v_ecef = np.einsum("nij,ni->nj", enu_rotation(lat, lon), enu)
    r_eci, v_eci = ecef_to_eci(r_ecef, t, earth, v_ecef)
    return StateBatch(t.copy(), r_eci, v_eci)
