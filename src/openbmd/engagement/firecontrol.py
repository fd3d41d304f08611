"""Fire control: sensor roles, engagement authority, track accuracy, the commit rule and kill-vehicle limits.

What decides whether a battery may fire on a track:

- **Sensor role.** Early-warning tracks (space IR, UHF/VHF radars such as Voronezh and Daryal) only
  *cue*: they point a fire-control radar at the threat, never commit an interceptor. Surveillance
  and fire-control tracks may commit when they are accurate enough.
- **Engagement authority.** ``organic``: the battery's own radar; ``launch-on-remote``: another
  sensor's track launches, the battery's own radar must take over before the kill vehicle homes;
  ``engage-on-remote``: the remote track guides the whole engagement (it must still see the
  threat at intercept).
- **The commit rule.** A battery may commit only when its track's predicted-intercept-point (PIP)
  error fits the kill vehicle's basket: ``COMMIT_SIGMAS`` × σ_PIP ≤ basket.

**Track accuracy** is that of a least-squares straight-line fit to ``n`` position measurements
taken every ``dt`` over the track's span and extrapolated ``τ`` past its last one (the ballistic
model takes out gravity; what remains is the fit's position and velocity error):

    σ_PIP² = σ_m² [1/n + 12 (τ + T/2)² / (n (n² − 1) dt²)],   T = (n − 1) dt

(the variance of a regression prediction, e.g. Bar-Shalom, Li & Kirubarajan, *Estimation with
Applications to Tracking and Navigation*, 2001, ch. 3). σ_m is the single-look error on the worst
axis: the cross-range ``range × angle_noise`` or the range noise, whichever is larger.

**The tracker's accuracy** differs from this fit in shape, not only in scale (tools/calibrate_track_quality.py):
for ``boost_window_s`` after a track starts the tracker flies it with thrust noise, which keeps only its last
few looks, so its PIP error plateaus while the fit's keeps falling (Kürecik, 1 s looks: tracker over fit 0.3
at 2-3 looks, 35-85 at 60+ looks with 30-300 s lead). :func:`filter_sigma_m` caps the looks in that window
and, scaled per sensor class by :meth:`openbmd.tracking.quality.TrackQualityModel.accuracy_scale`, gives
the tracker's σ within 1.5× in 84 % of radar samples (the plain fit: 20 %).

**The basket** is what the kill vehicle can divert once its seeker acquires: with divert budget Δv
and homing time t_h = acquisition range / closing speed, a constant-acceleration divert moves it
Δv·t_h/2. The single-shot Pk falls as the PIP error uses up the basket (a circular Gaussian miss of
σ_PIP inside the basket: Pk · (1 − exp(−B²/2σ²))) and is zero outside the closing-speed limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from openbmd.catalog import Interceptor, Sensor

SENSOR_ROLES = ("early-warning", "surveillance", "fire-control")
"""Sensor classes by what their tracks may do."""

AUTHORITIES = ("organic", "launch-on-remote", "engage-on-remote")
"""Engagement authorities, as scenario data names them."""

ORGANIC, LAUNCH_ON_REMOTE, ENGAGE_ON_REMOTE = 1, 2, 4
"""Authority bits, as the trial engine reads them."""

AUTHORITY_OF_BIT = dict(zip((ORGANIC, LAUNCH_ON_REMOTE, ENGAGE_ON_REMOTE), AUTHORITIES))
"""Each authority bit's name in :data:`AUTHORITIES`."""

COMMIT_SIGMAS = 3.0
"""PIP error multiples that must fit the basket before a commit (assumption: a 3-sigma basket)."""


@dataclass(frozen=True)
class KillVehicle:
    """Kill-vehicle limits of one interceptor type: divert (m/s), seeker acquisition range (m),
    closing-speed limits (m/s), and whether it may be committed before threat burnout."""

    divert_mps: float
    seeker_acquisition_range_m: float
    min_closing_speed_mps: float
    max_closing_speed_mps: float
    boost_phase_capable: bool

    def homing_s(self, closing_speed_mps):
        """Homing time (s) from seeker acquisition to intercept."""
        return self.seeker_acquisition_range_m / np.maximum(closing_speed_mps, 1.0)

    def basket_m(self, closing_speed_mps):
        """Largest PIP error (m) the kill vehicle can divert out; 0 outside the closing-speed limits."""
        v = np.asarray(closing_speed_mps, float)
        inside = (v >= self.min_closing_speed_mps) & (v <= self.max_closing_speed_mps)
        return np.where(inside, 0.5 * self.divert_mps * self.homing_s(v), 0.0)


GENERIC_KILL_VEHICLE = KillVehicle(500.0, 100_000.0, 500.0, 12_000.0, False)
"""For catalog interceptors that give no kill-vehicle figures: an estimate (divert 0.25-1 km/s,
acquisition 30-300 km), of the size of the catalog's midcourse and terminal entries."""


def kill_vehicle(interceptor: Interceptor) -> KillVehicle:
    """The interceptor's kill-vehicle limits; missing figures from :data:`GENERIC_KILL_VEHICLE`."""
    g = GENERIC_KILL_VEHICLE
    i = interceptor
    return KillVehicle(
        i.divert_mps or g.divert_mps, i.seeker_acquisition_range_m or g.seeker_acquisition_range_m,
        g.min_closing_speed_mps if i.min_closing_speed_mps is None else i.min_closing_speed_mps,
        i.max_closing_speed_mps or g.max_closing_speed_mps, i.boost_phase_capable)


def role_index(sensor: Sensor) -> int:
    """Index of the sensor's role in :data:`SENSOR_ROLES`."""
    return SENSOR_ROLES.index(sensor.sensor_role)


def measurement_sigma_m(sensor: Sensor, range_m):
    """Single-look position error (m, 1σ) on the worst axis at ``range_m`` (m) from the sensor."""
    r = np.asarray(range_m, float)
    cross = r * sensor.angle_noise_rad
    return np.maximum(cross, sensor.range_noise_m or 0.0)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def pip_sigma_m(sigma_m, n, dt_s, tau_s):
    """PIP error (m, 1σ) of a track of ``n`` looks every ``dt_s`` s, predicted ``tau_s`` s past its last."""
    if n < 2.0:
        return np.inf
    span = (n - 1.0) * dt_s
    lever = tau_s + 0.5 * span
    return sigma_m * math.sqrt(1.0 / n + 12.0 * lever * lever / (n * (n * n - 1.0) * dt_s * dt_s))


@njit(cache=True, fastmath=False, error_model="numpy")
def track_sigma_m(sigma_m, start_s, at_s, dt_s, tau_s):
    """PIP error (m) at time ``at_s`` of a track begun at ``start_s``, predicted ``tau_s`` ahead; inf if too young."""
    if not (at_s >= start_s) or not (sigma_m < np.inf):
        return np.inf
    return pip_sigma_m(sigma_m, math.floor((at_s - start_s) / dt_s) + 1.0, dt_s, tau_s)


MEMORY_LOOKS_C = 1.0
"""Scale of a thrust-noise filter's memory, n_mem = 1 + C (σ_m² / (q dt³))^¼ looks. Balancing a line fit's
velocity variance 12 σ_m² dt / T³ against the noise q T it lets in over T gives C = 12^¼ ≈ 1.86; fitted
against the full tracker C = 1.0 keeps 92 % of radar samples within 1.5× of one scale (83 % at 1.86;
tools/calibrate_track_quality.py, iran-europe raid, seeds 1-16). Estimate."""


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def filter_sigma_m(sigma_m, start_s, at_s, dt_s, tau_s, window_s, q_m2_s3):
    """PIP error (m) of a tracker that flies a young track with thrust noise: like :func:`track_sigma_m`,
    but for ``window_s`` s after ``start_s`` its white-acceleration noise ``q_m2_s3`` (m²/s³) keeps only
    the last n_mem looks (:data:`MEMORY_LOOKS_C`); the looks after the window add to those. inf if too young."""
    if not (at_s >= start_s) or not (sigma_m < np.inf):
        return np.inf
    n = math.floor((at_s - start_s) / dt_s) + 1.0
    if q_m2_s3 > 0.0:
        n_mem = 1.0 + MEMORY_LOOKS_C * (sigma_m * sigma_m / (q_m2_s3 * dt_s ** 3)) ** 0.25
        n_after = math.floor(max(at_s - start_s - window_s, 0.0) / dt_s)
        if n >= 2.0:
            n = max(min(min(n, n_mem) + n_after, n), 2.0)
    return pip_sigma_m(sigma_m, n, dt_s, tau_s)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def effective_pk(pk, sigma_pip_m, basket_m):
    """Single-shot Pk once the PIP error (m) is taken out of the basket (m): Pk (1 − exp(−B²/2σ²))."""
    if not basket_m > 0.0:
        return 0.0
    if sigma_pip_m <= 0.0:
        return pk
    x = basket_m / sigma_pip_m
    return pk * (1.0 - math.exp(-0.5 * x * x))


def commit_ok(sigma_pip_m, basket_m) -> bool:
    """The commit rule: ``COMMIT_SIGMAS`` PIP errors fit inside the basket."""
    return bool(COMMIT_SIGMAS * sigma_pip_m <= basket_m)
