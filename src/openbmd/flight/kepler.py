"""Closed-form Kepler free flight (two-body, spherical, non-rotating Earth).

Following Bate, Mueller & White, *Fundamentals of Astrodynamics* (Dover, 1971), ch. 6.
Flight-path angle ``gamma`` is measured up from the local horizontal; range
angle ``psi`` is the central angle travelled (rad).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from openbmd.errors import InputError


@dataclass(frozen=True)
class FreeFlight:
    """Free flight from burnout to a given radius: range angle (rad), apogee radius (m), time (s)."""

    range_angle_rad: NDArray
    apogee_radius_m: NDArray
    time_of_flight_s: NDArray
    eccentricity: NDArray
    semi_latus_rectum_m: NDArray


def _eccentric_anomaly(nu: NDArray, e: NDArray) -> NDArray:
    """Eccentric anomaly in [0, 2 pi) for true anomaly ``nu`` in [0, 2 pi)."""
    big_e = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(nu / 2.0), np.sqrt(1.0 + e) * np.cos(nu / 2.0))
    return np.mod(big_e, 2.0 * np.pi)


def free_flight(r_burnout_m: ArrayLike, v_burnout_mps: ArrayLike, gamma_burnout_rad: ArrayLike,
                r_impact_m: ArrayLike, mu_m3_s2: float) -> FreeFlight:
    """Range angle, apogee and time of free flight from burnout to the descending crossing of ``r_impact_m``.

    Inputs are inertial speed and flight-path angle. Raises :class:`InputError` when the
    conic never comes back down to ``r_impact_m`` (orbit or escape).
    """
    r, v, g, ri = np.broadcast_arrays(*(np.asarray(x, float) for x in
                                       (r_burnout_m, v_burnout_mps, gamma_burnout_rad, r_impact_m)))
    h = r * v * np.cos(g)
    p = h * h / mu_m3_s2
    energy = 0.5 * v * v - mu_m3_s2 / r
    if np.any(energy >= 0.0):
        raise InputError("burnout speed reaches escape velocity: no ballistic impact", "burnout-speed")
    e = np.sqrt(np.maximum(1.0 + 2.0 * energy * h * h / mu_m3_s2**2, 0.0))
    a = -mu_m3_s2 / (2.0 * energy)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_nu0 = np.where(e > 0, (p / r - 1.0) / e, 1.0)
        cos_nui = np.where(e > 0, (p / ri - 1.0) / e, 1.0)
    if np.any(np.abs(cos_nui) > 1.0 + 1e-12) or np.any(a * (1.0 - e) >= ri):
        raise InputError("the trajectory never comes down to the impact radius (it is in orbit)", "burnout-speed")
    nu0 = np.arccos(np.clip(cos_nu0, -1.0, 1.0))
    nu0 = np.where(g >= 0.0, nu0, 2.0 * np.pi - nu0)
    nui = 2.0 * np.pi - np.arccos(np.clip(cos_nui, -1.0, 1.0))
    n = np.sqrt(mu_m3_s2 / a**3)
    e0, ei = _eccentric_anomaly(nu0, e), _eccentric_anomaly(nui, e)
    tof = ((ei - e * np.sin(ei)) - (e0 - e * np.sin(e0))) / n
    return FreeFlight(nui - nu0, a * (1.0 + e), tof, e, p)


def range_angle_equal_radii(q: ArrayLike, gamma_rad: ArrayLike) -> NDArray:
    """Free-flight range equation, burnout and re-entry at the same radius (BMW eq. 6.2-8).

    ``q = v^2 r / mu``. cos(psi/2) = (1 - q cos^2 gamma) / sqrt(1 + q (q - 2) cos^2 gamma).
    """
    q, g = np.asarray(q, float), np.asarray(gamma_rad, float)
    c2 = np.cos(g) ** 2
    return 2.0 * np.arccos((1.0 - q * c2) / np.sqrt(1.0 + q * (q - 2.0) * c2))


def flight_path_angles_for_range(q: ArrayLike, psi_rad: ArrayLike) -> tuple[NDArray, NDArray]:
    """Low and high burnout flight-path angles (rad) that give range angle ``psi`` (BMW eq. 6.2-16).

    sin(2 gamma + psi/2) = ((2 - q) / q) sin(psi/2); equal burnout and re-entry radii.
    Raises :class:`InputError` if ``q`` is too small for that range.
    """
    q, psi = np.asarray(q, float), np.asarray(psi_rad, float)
    s = (2.0 - q) / q * np.sin(psi / 2.0)
    if np.any(s > 1.0):
        raise InputError("burnout speed too low for this range", "burnout-speed")
    x = np.arcsin(s)
    return (x - psi / 2.0) / 2.0, (np.pi - x - psi / 2.0) / 2.0


def minimum_energy_burnout(psi_rad: ArrayLike, r_m: ArrayLike, mu_m3_s2: float) -> tuple[NDArray, NDArray]:
    """Minimum-energy burnout speed (m/s) and flight-path angle (rad) for range angle ``psi``.

    Equal burnout and re-entry radii (BMW eqs. 6.2-17, 6.2-18):
    gamma* = (pi - psi) / 4, q* = 2 sin(psi/2) / (1 + sin(psi/2)).
    """
    psi, r = np.asarray(psi_rad, float), np.asarray(r_m, float)
    s = np.sin(psi / 2.0)
    q = 2.0 * s / (1.0 + s)
    return np.sqrt(q * mu_m3_s2 / r), (np.pi - psi) / 4.0


def minimum_energy_range_angle(q: ArrayLike) -> NDArray:
    """Range angle (rad) of the minimum-energy trajectory for ``q = v^2 r / mu`` < 1, equal burnout and
    re-entry radii: sin(psi/2) = q / (2 - q), the inverse of :func:`minimum_energy_burnout`; pi at q >= 1."""
    q = np.asarray(q, float)
    return 2.0 * np.arcsin(np.clip(q / (2.0 - np.minimum(q, 1.0)), 0.0, 1.0))
