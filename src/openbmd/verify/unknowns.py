"""What the observer of a flight test does not know: the interceptor's burn time and its coasting drag.

The tester flies the interceptor as built; the observer knows only the declared (catalog) figures. Where the
catalog gives a figure a range (``burn_time_s`` of every interceptor is an estimate; the coasting ballistic
coefficient is the interceptor's catalog figure or the kill-vehicle estimate, 1,000-5,000 kg/m²), the test is
*flown* with a value drawn from it (the catalog's triangular law, :mod:`openbmd.catalog.variants`) and the
observer *estimates* with the law's moments:

- **Burnout time.** The observer fits the boost and the coast together (:mod:`openbmd.verify.thrust`): the burnout
  time, under the law's mean and 1-σ as its prior, and the thrust's acceleration and growth are parameters beside the
  burnout state, and every row from the boost's gravity turn on is predicted under thrust before the burnout and
  in the coast after it. Rows under thrust tell the burnout time: Russia's radars see four of an SM-3 IIA's
  boost from the Black Sea and tell the speed to ±17 m/s at 95 % (±64 m/s had the coast alone been fitted; four
  rows cannot tell the thrust's growth as well), released tracks to ±0.6 m/s. With telemetry through burnout the
  burnout time is also
  *observed* directly (the change point of the speed history,
  :func:`~openbmd.verify.estimate.burnout_time_from_telemetry`), to milliseconds: that is then its prior. Without
  the boost fit (``fit_arguments(boost=False)``) the coast is fitted from the latest burnout the range allows
  (its ``high``) and the burnout figures quoted at the law's mean burnout time, moved along the coast by its rate
  times the burnout time's 1-σ. The thrust law is a constant-thrust rocket's in a gravity turn; a real motor's
  tail-off, a staging inside the fitted window and thrust that varies with altitude are not in it.
- **Drag.** The law's mean of 1/β and its 1-σ are the prior of the coast's 1/β, which the fit estimates beside
  the state (each iteration flies the coast at the current estimate): it adds what the data cannot tell of 1/β
  to the interval. For an SM-3 IIA watched by Russia's radars their own rows barely tell it (the prior's 33 %
  1-σ falls to ~28 %); released tracks fix it to ~0.2 %, telemetry to ~0.01 %.

Both enter the interval beside the measurement noise and the sensor biases
(:class:`~openbmd.verify.estimate.BurnoutFit` ``budget``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Interceptor
from openbmd.catalog.variants import triangular, uniforms
from openbmd.engagement.flyout import KV_BALLISTIC_COEFFICIENT_KG_M2, ballistic_coefficient_kg_m2

KV_BETA_RANGE_KG_M2 = (1000.0, 5000.0)
"""Range of a coasting kill vehicle's ballistic coefficient (kg/m²), an estimate
(:data:`~openbmd.engagement.flyout.KV_BALLISTIC_COEFFICIENT_KG_M2`, 3,000, is its mode): used where the catalog
gives the interceptor no figure of its own."""

_QUADRATURE = 4001
"""Points of the midpoint rule for the moments of 1/β under its triangular law."""


@dataclass(frozen=True)
class UnknownFigure:
    """A figure the observer does not know: its catalog value (the law's mode), range (SI) and provenance."""

    key: str
    nominal: float
    low: float
    high: float
    confidence: str
    reason: str

    def draw(self, u: NDArray) -> NDArray:
        """Values at uniforms ``u`` (the catalog's triangular law)."""
        return triangular(np.asarray(u, float), self.low, self.nominal, self.high)

    @property
    def mean(self) -> float:
        return (self.low + self.nominal + self.high) / 3.0

    @property
    def sigma(self) -> float:
        a, c, b = self.low, self.nominal, self.high
        return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18.0)

    def within(self, lo: NDArray, hi: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """The law cut to the windows [``lo``, ``hi``] (R,) (SI): each one's mean, 1-σ, and the window within the
        range (midpoint rule on :data:`_QUADRATURE` points; a window that misses the range leaves the law whole)."""
        x = self.low + (np.arange(_QUADRATURE) + 0.5) / _QUADRATURE * (self.high - self.low)
        peak = 2.0 / max(self.high - self.low, 1e-300)
        pdf = np.where(x < self.nominal, peak * (x - self.low) / max(self.nominal - self.low, 1e-300),
                       peak * (self.high - x) / max(self.high - self.nominal, 1e-300))
        lo, hi = np.asarray(lo, float).reshape(-1), np.asarray(hi, float).reshape(-1)
        w = pdf[None] * ((x[None] >= lo[:, None]) & (x[None] <= hi[:, None]))
        mass = w.sum(axis=1)
        w = np.where(mass[:, None] > 0, w, pdf[None])
        w = w / w.sum(axis=1, keepdims=True)
        mean = w @ x
        sigma = np.sqrt(np.maximum(w @ x ** 2 - mean ** 2, 0.0))
        inside = mass > 0
        return (mean, sigma, np.where(inside, np.maximum(lo, self.low), self.low),
                np.where(inside, np.minimum(hi, self.high), self.high))

    def inverse_moments(self) -> tuple[float, float]:
        """Mean and 1-σ of 1/value under the law (midpoint rule on its quantiles)."""
        inv = 1.0 / self.draw((np.arange(_QUADRATURE) + 0.5) / _QUADRATURE)
        return float(inv.mean()), float(inv.std())

    def to_json(self) -> dict[str, Any]:
        return {"nominal": self.nominal, "range": [self.low, self.high], "mean": self.mean, "sigma": self.sigma,
                "confidence": self.confidence, "reason": self.reason}


@dataclass(frozen=True)
class ObserverUnknowns:
    """The interceptor figures the observer does not know (burn time s, ballistic coefficient kg/m²)."""

    burn_time: UnknownFigure
    beta: UnknownFigure

    @staticmethod
    def of(interceptor: Interceptor) -> "ObserverUnknowns":
        """From the catalog entry's figures: each ranged one; a figure without a range is known (low = high)."""
        figs = []
        for key, nominal, fallback in (("burn_time_s", float(interceptor.burn_time_s), None),
                                       ("ballistic_coefficient_kg_m2", ballistic_coefficient_kg_m2(interceptor),
                                        KV_BETA_RANGE_KG_M2)):
            fig = interceptor.figure(key)
            if interceptor.value_of(key) is None:  # no figure of its own: the kill-vehicle estimate
                figs.append(UnknownFigure(key, KV_BALLISTIC_COEFFICIENT_KG_M2, *fallback, "estimate",
                                          "no catalog figure: a coasting kill vehicle's (openbmd.engagement.flyout)"))
            elif fig.has_range:
                figs.append(UnknownFigure(key, nominal, float(fig.low), float(fig.high), str(fig.confidence),
                                          str(fig.reason or "")))
            else:
                figs.append(UnknownFigure(key, nominal, nominal, nominal, str(fig.confidence), "known"))
        return ObserverUnknowns(*figs)

    @staticmethod
    def none(burn_time_s: float, beta_kg_m2: float) -> "ObserverUnknowns":
        """Everything known: the observer's figures are the flown ones."""
        return ObserverUnknowns(UnknownFigure("burn_time_s", burn_time_s, burn_time_s, burn_time_s, "known", ""),
                                UnknownFigure("ballistic_coefficient_kg_m2", beta_kg_m2, beta_kg_m2, beta_kg_m2,
                                              "known", ""))

    def draw(self, n: int, seed: int) -> tuple[NDArray, NDArray]:
        """``n`` flown (burn time s, β kg/m²) pairs under ``seed`` (paired streams per figure)."""
        return (self.burn_time.draw(uniforms(seed, "verify.burn_time_s", n)),
                self.beta.draw(uniforms(seed, "verify.ballistic_coefficient_kg_m2", n)))

    @property
    def fit_beta_kg_m2(self) -> float:
        """The ballistic coefficient the observer flies the coast with: 1 / E[1/β]."""
        return 1.0 / self.beta.inverse_moments()[0]

    @property
    def inverse_beta_sigma(self) -> float:
        """1-σ of 1/β (m²/kg)."""
        return self.beta.inverse_moments()[1]

    def to_json(self) -> dict[str, Any]:
        return {"burn_time_s": self.burn_time.to_json(), "ballistic_coefficient_kg_m2": self.beta.to_json()}

    @property
    def known(self) -> bool:
        """True when the observer knows both figures (nothing drawn, nothing carried)."""
        return self.burn_time.sigma == 0.0 and self.beta.sigma == 0.0

    def fit_arguments(self, boost: bool = True, window: tuple[NDArray, NDArray] | None = None) -> dict[str, Any]:
        """What :func:`~openbmd.verify.estimate.fit_burnout` takes of these figures: the burnout time's prior mean
        (where the figures are quoted without a boost fit), the latest it can be (rows after it are coast), its
        1-σ, the β the coast is flown with and the 1-σ of 1/β; with ``boost``, the earliest it can be too (the
        boost is then fitted, :mod:`openbmd.verify.thrust`: rows under thrust tell the burnout time), and with a
        space-IR ``window`` (lo, hi) (R,) s (:func:`~openbmd.verify.observe.plume_window`) each run's prior, the
        law cut to it."""
        return {"t_burnout_s": self.burn_time.mean, "coast_from_s": self.burn_time.high,
                "burnout_time_sigma_s": self.burn_time.sigma, "beta_kg_m2": self.fit_beta_kg_m2,
                "inverse_beta_sigma_m2_kg": self.inverse_beta_sigma,
                "burnout_from_s": self.burn_time.low if boost else None,
                "burnout_prior_s": self.burn_time.within(*window) if boost and window is not None else None}
