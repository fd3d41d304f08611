"""An observed flight test end to end: fly it, observe it, estimate burnout, check declarations and limits.

The estimate tightens as the observer gets more (own sensors, plus released tracks, plus telemetry: nested
data sets from the same draws), converges as the analysis time runs on (the data available by each time),
and, over seeded Monte Carlo runs, its 95 % intervals are scored against the truth (``coverage``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel, ecef_to_geodetic
from openbmd.sensors import SensorPost
from openbmd.verify.estimate import Z95, BurnoutFit, fit_burnout
from openbmd.verify.flighttest import DEFAULT_KICK_RAD, FlightTest, declare_test, fly_runs, fly_test
from openbmd.verify.unknowns import ObserverUnknowns
from openbmd.verify.track import BoostPrior, BoostThrust, TrackerEstimate, track_burnout
from openbmd.verify.observe import (BIAS_FIGURES, OWN, RELEASED_TRACKS, SOURCE_NAMES, TELEMETRY, Observations,
                                    ReleasePolicy, SensorBiases, observe, observer_posts, plume_window)


FIT_METHOD = ("batch least-squares fit of the coast, and of the boost under a thrust law where the burnout time is "
              "unknown (radar biases estimated)")
"""The cross-check estimator, in words (:func:`~openbmd.verify.estimate.fit_burnout`)."""


@dataclass(frozen=True)
class FlightTestRequest:
    """What to fly and who observes: interceptor and test range (catalog names), azimuth and pitch-over (rad),
    declared and flown burnout speeds (m/s; None: the catalog's), the observer party and the instruments it
    brings (``PLACE:SENSOR``), what the tester releases, extra speed limits (name -> m/s), Monte Carlo runs,
    the seed, whether the estimate is the Stone Soup track's (:mod:`openbmd.verify.track`; False: the batch fit
    alone, faster), and the observer's sensor biases (1-σ, :class:`~openbmd.verify.observe.SensorBiases`)."""

    interceptor: str
    site: str
    azimuth_rad: float
    observer: str
    kick_rad: float = DEFAULT_KICK_RAD
    declared_speed_mps: float | None = None
    flown_speed_mps: float | None = None
    instruments: tuple[str, ...] = ()
    policy: ReleasePolicy = ReleasePolicy()
    speed_limits_mps: tuple[tuple[str, float], ...] = ()
    trials: int = 0
    seed: int = 0
    with_tracker: bool = True
    biases: SensorBiases = SensorBiases()
    unknowns: bool = True
    """Fly the test with the burn time and coasting β drawn from their catalog ranges (the observer knows only
    the declared figures and carries their uncertainty, :mod:`openbmd.verify.unknowns`); False: the observer
    knows the flown figures exactly."""


@dataclass(frozen=True)
class Estimate:
    """One estimate of a burnout figure: truth, declaration, estimate and 95 % interval (None where the
    observer saw nothing after burnout), in SI, and the ``method`` that made it."""

    true: float
    declared: float | None
    estimate: float | None
    sigma: float | None
    ci95: tuple[float, float] | None
    method: str = FIT_METHOD
    budget: dict[str, float] | None = None
    """The 1-σ's parts (SI; they add in quadrature): ``noise``, ``bias`` (the sensor biases), ``burnout_time``
    and ``drag`` (what the observer does not know of the interceptor)."""

    @staticmethod
    def of(true: float, declared: float | None, value: float | None, sigma: float | None,
           method: str = FIT_METHOD, budget: dict[str, float] | None = None) -> "Estimate":
        """The estimate ``value`` ± ``sigma`` (1-σ) with its 95 % interval (None: not observed)."""
        if value is None or sigma is None or not math.isfinite(value):
            return Estimate(true, declared, None, None, None, method)
        return Estimate(true, declared, float(value), float(sigma), (value - Z95 * sigma, value + Z95 * sigma), method,
                        budget)

    def to_json(self) -> dict[str, Any]:
        return {"true": self.true, "declared": self.declared, "estimate": self.estimate, "sigma": self.sigma,
                "ci95": list(self.ci95) if self.ci95 else None, "method": self.method, "budget": self.budget}


@dataclass(frozen=True)
class CriterionCheck:
    """A speed limit (m/s) checked against the estimate: ``holds`` when the speed is below it with at least 95 %
    confidence; ``confidence`` the probability that it is below (None: nothing observed)."""

    name: str
    limit: float
    holds: bool | None
    confidence: float | None
    declared_holds: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "limit": self.limit, "holds": self.holds, "confidence": self.confidence,
                "declared_holds": self.declared_holds}


@dataclass(frozen=True)
class FlightTestResult:
    """The observed test: estimates (the Stone Soup track's, or the batch fit's without the tracker), criteria,
    how they tighten with data and converge in time, coverage; the batch fit of the same rows (``fit_speed``,
    ``fit_altitude``) as the cross-check, and the track itself (``tracker``)."""

    request: FlightTestRequest
    test: FlightTest = field(repr=False)
    posts: list[SensorPost] = field(repr=False)
    observations: Observations = field(repr=False)
    burnout_speed: Estimate
    burnout_altitude: Estimate
    criteria: list[CriterionCheck]
    tightening: list[dict[str, Any]]
    convergence: list[dict[str, Any]]
    rows_by_source: dict[str, int]
    reason: str | None
    coverage: dict[str, Any] | None = None
    tracker: TrackerEstimate | None = None
    bias_effect: dict[str, Any] | None = None
    fit_speed: Estimate | None = None
    fit_altitude: Estimate | None = None
    unknowns: ObserverUnknowns | None = None
    flown_figures: dict[str, float] | None = None
    plume_window_s: tuple[float, float] | None = None
    """The burnout-time window (s after launch) the observer's space IR left: its last sight of the plume and its
    next look (None: no space IR, or it never saw the plume)."""

    def to_json(self) -> dict[str, Any]:
        """The documented JSON (SI)."""
        r, t = self.request, self.test
        lat, lon, alt = ecef_to_geodetic(t.flown.r_ecef[0][np.isfinite(t.flown.t_s[0])], t.batch.earth)
        out = {"interceptor": r.interceptor, "from": r.site, "azimuth_deg": math.degrees(r.azimuth_rad),
               "observer": r.observer, "observer_sensors": [p.name for p in self.posts],
               "released": r.policy.release, "burnout_speed_mps": self.burnout_speed.to_json(),
               "burnout_altitude_m": self.burnout_altitude.to_json(), "burnout_time_s": t.burnout_t_s,
               "criteria": [c.to_json() for c in self.criteria], "tightening": self.tightening,
               "convergence": self.convergence, "observations": self.rows_by_source,
               "observer_coverage": observer_coverage(self.observations, self.posts, t.burnout_t_s),
               "reason": self.reason,
               "ground_track": {"lat_deg": np.degrees(lat).round(4).tolist(), "lon_deg": np.degrees(lon).round(4).tolist(),
                                "alt_m": np.asarray(alt).round(1).tolist()},
               "statement": self.statement()}
        out["sensor_biases"] = {"sigma": r.biases.to_json(),
                                "figures": {k: f.to_json() for k, f in BIAS_FIGURES.items()},
                                "effect": self.bias_effect}
        if self.unknowns is not None:
            out["observer_unknowns"] = {**self.unknowns.to_json(), "flown": self.flown_figures,
                                        "space_ir_burnout_window_s": list(self.plume_window_s)
                                        if self.plume_window_s else None}
        if self.tracker is not None:
            out["tracker"] = self.tracker.to_json()
        if self.fit_speed is not None and self.fit_altitude is not None:
            out["batch_fit"] = {"method": FIT_METHOD, "burnout_speed_mps": self.fit_speed.to_json(),
                                "burnout_altitude_m": self.fit_altitude.to_json()}
        if self.coverage is not None:
            out["coverage"] = self.coverage["coverage"]
            out["monte_carlo"] = self.coverage
        return out

    def statement(self) -> str:
        """The result in words: 'observed 4.50 ± 0.06 km/s (95 %) (noise ± 0.026 m/s, sensor biases ± 0.0038 m/s,
        burnout time ± 0.06 km/s, drag ± 0.0069 m/s), declared 4.5 km/s (consistent); below the 5 km/s limit (five)
        with > 99.9 % confidence' (the parts: each alone as a 95 % half-width)."""
        s = self.burnout_speed
        if s.estimate is None:
            return f"burnout speed not observed: {self.reason}"
        half = Z95 * s.sigma
        words = (f"observed {s.estimate / 1e3:.2f} ± {half / 1e3:.2f} km/s (95 %)" if half >= 5.0 else
                 f"observed {s.estimate / 1e3:.4f} km/s ± {half:.2g} m/s (95 %)")  # km/s to 2 places hides cm/s
        if s.budget:
            words += " (" + ", ".join(f"{BUDGET_WORDS[k]} {_half(Z95 * v)}" for k, v in s.budget.items()) + ")"
        if s.declared is not None:
            inside = s.ci95[0] <= s.declared <= s.ci95[1]
            words += f", declared {s.declared / 1e3:g} km/s ({'consistent' if inside else 'outside the interval'})"
        for c in self.criteria:
            if c.confidence is not None:
                side = "below" if c.confidence >= 0.5 else "above"
                p = c.confidence if side == "below" else 1.0 - c.confidence
                words += f"; {side} the {c.limit / 1e3:g} km/s limit ({c.name}) with {_pct(p)} confidence"
        return words


def observer_coverage(obs: Observations, posts: Sequence[SensorPost], burnout_t_s: float) -> list[dict[str, Any]]:
    """What each of the observer's sensors, and each released stream, gives it of the test (run 0): rows in boost
    and in the coast, and the first and last times it sees the interceptor (s after launch; None: never)."""
    out = []
    ir = "space IR (sees the boost only: its loss of the plume bounds the burnout time)"
    streams = [(p.name, ir if not p.is_radar else "radar",
                (obs.post == k) & (obs.source == OWN)) for k, p in enumerate(posts)]
    streams += [(SOURCE_NAMES[s], "released", obs.source == s) for s in (RELEASED_TRACKS, TELEMETRY)
                if np.any(obs.source == s)]
    for name, kind, rows in streams:
        rows = rows & (obs.trial == 0)
        t = obs.t_s[rows]
        out.append({"sensor": name, "kind": kind, "rows": int(rows.sum()),
                    "boost_rows": int(np.sum(t < burnout_t_s)), "coast_rows": int(np.sum(t >= burnout_t_s)),
                    "first_s": float(t.min()) if t.size else None, "last_s": float(t.max()) if t.size else None})
    return out


BUDGET_WORDS = {"noise": "noise", "bias": "sensor biases", "burnout_time": "burnout time", "drag": "drag"}
"""The interval's parts in words (:attr:`Estimate.budget`)."""


def _half(half_mps: float) -> str:
    """A 95 % half-width in words: km/s to 2 places, or m/s below 5 m/s."""
    return f"± {half_mps / 1e3:.2f} km/s" if half_mps >= 5.0 else f"± {half_mps:.2g} m/s"


def _pct(p: float) -> str:
    if p > 0.999:
        return "> 99.9 %"
    if p < 0.001:
        return "< 0.1 %"
    return f"{100 * p:.1f} %"


def _starts(declared: FlightTest) -> tuple[NDArray, BoostPrior]:
    """The observer's starting points from the test as declared: its burnout state (ECEF), and its boost."""
    _, r, v = declared.batch.event_ecef("burnout")
    return np.concatenate([r[0], v[0]]), BoostPrior.of(declared)


def _fits(obs: Observations, masks: Sequence[NDArray], unknowns: ObserverUnknowns, guess: NDArray,
          earth: EarthModel, window: tuple[NDArray, NDArray] | None = None) -> BurnoutFit:
    """One fit per mask over the rows of run 0 (each mask becomes its own run of one batch), each with run 0's
    space-IR burnout-time ``window``."""
    both = Observations.concatenate([_as_run(obs, m, k) for k, m in enumerate(masks)])  # fitted together
    if window is not None:
        window = (np.repeat(window[0][:1], len(masks)), np.repeat(window[1][:1], len(masks)))
    return fit_burnout(both, guess, earth=earth, n_runs=len(masks), **unknowns.fit_arguments(window=window))


def _unknown_parts(fit: BurnoutFit, k: int, earth: EarthModel) -> tuple[NDArray, float, float, NDArray, EarthModel]:
    """What fit ``k`` carries that a track does not: covariance (6, 6), speed 1-σ (m/s), height 1-σ (m), and the
    mean shift (6,) to the true burnout (:meth:`~openbmd.verify.track.TrackerEstimate.with_unknowns`)."""
    parts = [math.hypot(float(fit.budget[w]["burnout_time"][k]), float(fit.budget[w]["drag"][k]))
             for w in ("speed", "altitude")]
    return fit.p_unknown[k], parts[0], parts[1], fit.shift[k], earth


def _coast_beta(fit: BurnoutFit, k: int, fit_arguments: dict[str, float]) -> float | None:
    """The ballistic coefficient (kg/m²) a track of fit ``k``'s rows flies its coast with: the one the fit found
    where the observer does not know it (as the track takes the fit's burnout time), else the one given."""
    return float(fit.beta_kg_m2[k]) if fit.beta_kg_m2 is not None else fit_arguments["beta_kg_m2"]


def _thrust(fit: BurnoutFit, k: int) -> BoostThrust | None:
    """The boost fit ``k`` found, which its track flies (None: the fit did not fit the boost)."""
    if fit.thrust_rate_mps2 is None:
        return None
    return BoostThrust(float(fit.t_burnout_s[k]), float(fit.thrust_rate_mps2[k]), fit.x_ecef[k], fit.boost_from_s,
                       float(fit.thrust_growth_per_s[k]))


def _budget(fit: BurnoutFit, k: int, what: str) -> dict[str, float]:
    return {name: float(v[k]) for name, v in fit.budget[what].items()}


def _estimate(fit: BurnoutFit, k: int, what: str, true: float, declared: float | None) -> Estimate:
    if not fit.ok[k]:
        return Estimate.of(true, declared, None, None)
    v = float(fit.speed_mps[k] if what == "speed" else fit.altitude_m[k])
    s = float(fit.speed_sigma_mps[k] if what == "speed" else fit.altitude_sigma_m[k])
    return Estimate.of(true, declared, v, s, budget=_budget(fit, k, what))


def _tracked(track: TrackerEstimate, what: str, true: float, declared: float | None,
             fit: BurnoutFit | None = None, k: int = 0) -> Estimate:
    """The track's estimate; its budget takes the noise and biases as the track's own 1-σ splits them in the fit
    of the same rows, and the burnout time and drag as the fit carries them."""
    v, s, own = ((track.speed_mps, track.sigma_mps, track.own_sigma_mps) if what == "speed" else
                 (track.altitude_m, track.altitude_sigma_m, None))
    budget = None
    if fit is not None and fit.ok[k]:
        b = _budget(fit, k, what)
        data = math.hypot(b["noise"], b["bias"])
        own = own if own is not None else math.sqrt(max(s ** 2 - b["burnout_time"] ** 2 - b["drag"] ** 2, 0.0))
        scale = own / data if data > 0 else 1.0
        budget = {**b, "noise": b["noise"] * scale, "bias": b["bias"] * scale}
    return Estimate.of(true, declared, v, s, track.method, budget)


def _as_run(obs: Observations, mask: NDArray, k: int = 0) -> Observations:
    """The rows of ``mask`` as run ``k``."""
    sub = obs.select(mask)
    return dataclasses.replace(sub, trial=np.full(len(sub), k, dtype=np.int64))


def _reason(obs: Observations, posts: Sequence[SensorPost], test: FlightTest, release: str) -> str:
    after = obs.t_s > test.burnout_t_s + 0.5
    if not posts and release == "none":
        return "the observer has no sensors of its own and the tester releases nothing"
    if not after.any():
        radars = [p.name for p in posts if p.is_radar]
        return (f"none of the observer's sensors ({', '.join(p.name for p in posts)}) sees the interceptor after "
                f"burnout{'' if radars else ' (space IR sees only the boost)'}; bring an instrument nearer "
                "(--observer-sensor PLACE:SENSOR) or ask for released tracks")
    return "too few observations after burnout to fix the coast"


def speed_limits(catalog: Catalog, extra: Sequence[tuple[str, float]] = ()) -> list[tuple[str, float]]:
    """Speed limits to check: every catalog criteria set's max-burnout-speed rule, and ``extra`` (name, m/s)."""
    out = [(c.name, float(c.value)) for cs in catalog.entries("criteria") for c in cs.criteria
           if c.rule == "max-burnout-speed"]
    return out + list(extra)


def run_flight_test(catalog: Catalog, request: FlightTestRequest, earth: EarthModel) -> FlightTestResult:
    """Fly, observe and estimate the test of ``request`` (see the module docstring)."""
    profile = declare_test(catalog, request.interceptor, request.site, request.azimuth_rad,
                           declared_speed_mps=request.declared_speed_mps, kick_rad=request.kick_rad)
    seeds = np.random.SeedSequence(request.seed).spawn(4)
    unknowns = ObserverUnknowns.of(profile.interceptor) if request.unknowns else None
    flown_figures = None
    if unknowns is not None:  # the interceptor as built: figures the observer does not know, drawn once
        burn, beta = unknowns.draw(1, int(seeds[3].generate_state(1)[0]))
        flown_figures = {"burn_time_s": float(burn[0]), "ballistic_coefficient_kg_m2": float(beta[0])}
    test = fly_test(profile, earth, flown_speed_mps=request.flown_speed_mps,
                    **({} if flown_figures is None else {"burn_time_s": flown_figures["burn_time_s"],
                                                        "beta_kg_m2": flown_figures["ballistic_coefficient_kg_m2"]}))
    known = unknowns or ObserverUnknowns.none(test.burnout_t_s, test.beta_kg_m2)
    posts = observer_posts(catalog, request.observer, request.instruments, test, earth)
    everything = observe(test, posts, dataclasses.replace(request.policy, release="telemetry"), earth,
                         np.random.default_rng(seeds[0]), biases=request.biases)
    allowed = {"none": OWN, "tracks": RELEASED_TRACKS, "telemetry": TELEMETRY}[request.policy.release]
    obs = everything.select(everything.source <= allowed)
    declared = (test if request.flown_speed_mps is None and unknowns is None
                else fly_test(profile, earth))  # as declared
    # The observer's guess: the declared flight's burnout state at the burnout time it quotes (the mean).
    at_mean = (declared if math.isclose(known.burn_time.mean, declared.burnout_t_s, abs_tol=1e-6) else
               fly_test(profile, earth, burn_time_s=known.burn_time.mean))
    guess, boost = _starts(at_mean)
    boost = boost if known.burn_time.sigma == 0.0 else None  # of unknown length: the fit's thrust law instead
    ladder = [everything.source <= s for s in (OWN, RELEASED_TRACKS, TELEMETRY)]
    end = float(np.nanmax(test.flown.t_s[0]))
    times = np.linspace(test.burnout_t_s + 30.0, end + 10.0, 12)
    cuts = [(everything.source <= allowed) & (everything.available_t_s <= t) for t in times]
    window = plume_window(test, posts, earth, np.random.default_rng(seeds[2]))  # space IR's sight of the plume
    fits = _fits(everything, ladder + cuts, known, guess, earth, window)
    k_main = allowed
    fit_speed = _estimate(fits, k_main, "speed", test.burnout_speed_mps, profile.declared_speed_mps)
    fit_altitude = _estimate(fits, k_main, "altitude", test.burnout_altitude_m, declared.burnout_altitude_m)
    speed, altitude, tracker, rungs = fit_speed, fit_altitude, None, None
    if request.with_tracker:  # the Stone Soup track of each data set the coast fit finds determined
        fa = known.fit_arguments()
        tracks = [track_burnout(_as_run(everything, ladder[s]), guess, float(fits.t_burnout_s[s]), earth,
                                beta_kg_m2=_coast_beta(fits, s, fa), boost=boost, coast_from_s=fa["coast_from_s"],
                                thrust=_thrust(fits, s)).with_unknowns(*_unknown_parts(fits, s, earth))
                  if fits.ok[s] else None for s in range(3)]
        tracker = tracks[allowed]
        rungs = [None if t is None else _tracked(t, "speed", test.burnout_speed_mps, None, fits, s)
                 for s, t in enumerate(tracks)]
        if tracker is not None and tracker.ok:
            speed = _tracked(tracker, "speed", test.burnout_speed_mps, profile.declared_speed_mps, fits, allowed)
            altitude = _tracked(tracker, "altitude", test.burnout_altitude_m, declared.burnout_altitude_m, fits,
                                allowed)
    criteria = []
    for name, limit in speed_limits(catalog, request.speed_limits_mps):
        conf = None if speed.estimate is None else float(norm.cdf((limit - speed.estimate) / max(speed.sigma, 1e-12)))
        criteria.append(CriterionCheck(name, limit, None if conf is None else conf >= 0.95, conf,
                                       profile.declared_speed_mps <= limit))

    def row(e: Estimate) -> dict[str, Any]:
        return {k: v for k, v in e.to_json().items() if k in ("estimate", "sigma", "ci95", "method", "budget")}

    tightening = [{"data": " + ".join(SOURCE_NAMES[: s + 1]), "rows": int(np.sum(ladder[s])),
                   **row(rungs[s] if rungs is not None and rungs[s] is not None
                         else _estimate(fits, s, "speed", test.burnout_speed_mps, None))} for s in range(3)]
    for s, r in enumerate(tightening):  # a data set that fixes nothing says why
        r["reason"] = None if r["ci95"] is not None else _reason(everything.select(ladder[s]), posts, test,
                                                                 ("none", "tracks", "telemetry")[s])
    convergence = [{"analysis_time_s": float(t), "rows": int(np.sum(cuts[i])),
                    **row(_estimate(fits, 3 + i, "speed", test.burnout_speed_mps, None))} for i, t in enumerate(times)]
    rows = {SOURCE_NAMES[s]: int(np.sum(obs.source == s)) for s in range(allowed + 1)}
    bias_effect = _bias_effect(fits, k_main) if fit_speed.estimate is not None else None
    reason = None if speed.estimate is not None else _reason(obs, posts, test, request.policy.release)
    coverage = None
    if request.trials > 0:
        coverage = monte_carlo(test, posts, request.policy, guess, earth, request.trials,
                               np.random.default_rng(seeds[1]), biases=request.biases,
                               estimator="tracker" if request.with_tracker else "fit", boost=boost,
                               unknowns=unknowns, seed=int(seeds[3].generate_state(2)[1]))
    seen = window is not None and bool(np.isfinite(window[0][0]))
    return FlightTestResult(request, test, posts, obs, speed, altitude, criteria, tightening, convergence, rows,
                            reason, coverage, tracker, bias_effect, fit_speed, fit_altitude, unknowns, flown_figures,
                            (float(window[0][0]), float(window[1][0])) if seen else None)


def _bias_effect(fit: BurnoutFit, k: int) -> dict[str, Any]:
    """What the sensor biases cost the speed estimate of fit ``k``: its 1-σ had the radars no bias, with range
    biases only, with angle biases only, and with all (m/s). Space IR is not in the coast fit: its line-of-sight
    bias costs the speed nothing here."""
    by = {name: float(v[k]) for name, v in fit.speed_sigma_by_mps.items()}
    data = math.hypot(float(fit.budget["speed"]["noise"][k]), float(fit.budget["speed"]["bias"][k]))
    return {"speed_sigma_mps": {**by, "all biases": data, "space-IR line of sight": 0.0},
            "method": FIT_METHOD}


def monte_carlo(test: FlightTest, posts: Sequence[SensorPost], policy: ReleasePolicy, guess: NDArray,
                earth: EarthModel, trials: int, rng: np.random.Generator,
                biases: SensorBiases = SensorBiases(), estimator: str = "fit",
                boost: BoostPrior | None = None, unknowns: ObserverUnknowns | None = None,
                seed: int = 0) -> dict[str, Any]:
    """``trials`` independent observations of the same test (noise and sensor biases drawn afresh each run),
    each estimated: the share of 95 % intervals that hold the true burnout speed and height, the mean error in
    units of its standard error, and the state's NEES (mean 6 for honest covariances).

    ``estimator`` ``"fit"``: the batch fit, every run in one batch. ``"tracker"``: the Stone Soup track of each
    run (one track at a time: a filter is sequential; through the declared ``boost`` too when given), scored the
    same way, with the batch fit of the same draws beside it (``batch_fit``).

    With ``unknowns``, each run is also its own interceptor: its burn time and coasting β drawn (under ``seed``)
    from their catalog ranges and flown (the test's declared speed), while the observer estimates with the declared
    figures (:meth:`~openbmd.verify.unknowns.ObserverUnknowns.fit_arguments`; ``guess`` is then the declared
    burnout state at their mean burnout time) and each run is scored against its own truth."""
    if estimator not in ("fit", "tracker"):
        raise ValueError(f"estimator must be 'fit' or 'tracker', not {estimator!r}")
    runs, flown = [test], None
    if unknowns is not None and not unknowns.known:
        burn, beta = unknowns.draw(trials, seed)
        runs, flown = fly_runs(test.profile, earth, burn, beta, flown_speed_mps=test.flown_speed_mps,
                               isp_s=test.isp_s)
    known = unknowns or ObserverUnknowns.none(test.burnout_t_s, test.beta_kg_m2)
    truth = _truths(runs, trials)
    obs = observe(test, posts, policy, earth, rng, trials, biases, flown)
    window = plume_window(test, posts, earth, np.random.default_rng(rng.integers(2 ** 63)), trials, flown) \
        if any(not p.is_radar for p in posts) else None
    fa = known.fit_arguments(window=window)
    fit = fit_burnout(obs, guess, earth=earth, n_runs=trials, **fa)
    fitted = _score(truth, trials, fit.ok, fit.x_ecef, fit.p, fit.speed_mps, fit.speed_sigma_mps, fit.altitude_m,
                    fit.altitude_sigma_m)
    if flown is not None:
        fitted["budget_median"] = {w: {k: float(np.nanmedian(v)) for k, v in fit.budget[w].items()}
                                   for w in ("speed", "altitude")}
    if estimator == "fit":
        return {**fitted, "method": FIT_METHOD}
    tracks = [track_burnout(obs, guess, float(fit.t_burnout_s[k]), earth, beta_kg_m2=_coast_beta(fit, k, fa), run=k,
                            boost=boost if flown is None else None, coast_from_s=fa["coast_from_s"],
                            thrust=_thrust(fit, k)).with_unknowns(*_unknown_parts(fit, k, earth))
              if fit.ok[k]
              else TrackerEstimate(None, None, 0) for k in range(trials)]  # Stone Soup: one track at a time
    ok = np.array([t.ok for t in tracks], bool)

    def column(name: str, shape: tuple[int, ...] = ()) -> NDArray:
        return np.array([getattr(t, name) if t.ok else np.full(shape, np.nan) for t in tracks], float).reshape(
            (trials, *shape))

    tracked = _score(truth, trials, ok, column("x_ecef", (6,)), column("p", (6, 6)), column("speed_mps"),
                     column("sigma_mps"), column("altitude_m"), column("altitude_sigma_m"))
    methods = sorted({t.method for t in tracks if t.ok})
    return {**tracked, "method": "; ".join(methods) or "Stone Soup EKF: no run tracked",
            "batch_fit": {**fitted, "method": FIT_METHOD}}


def _truths(runs: Sequence[FlightTest], trials: int) -> dict[str, NDArray]:
    """Each run's true burnout speed (m/s), height (m) and ECEF state (R, 6): of its own flight, or the one test's."""
    states = []
    for t in runs:
        _, r, v = t.batch.event_ecef("burnout")
        states.append(np.concatenate([r[0], v[0]]))
    k = np.arange(trials) if len(runs) == trials else np.zeros(trials, dtype=np.int64)
    return {"speed": np.array([t.burnout_speed_mps for t in runs])[k],
            "altitude": np.array([t.burnout_altitude_m for t in runs])[k], "state": np.array(states)[k]}


def _score(truth: dict[str, NDArray], trials: int, ok: NDArray, x: NDArray, p: NDArray, speed: NDArray,
           speed_sigma: NDArray, altitude: NDArray, altitude_sigma: NDArray) -> dict[str, Any]:
    """Monte Carlo scores of per-run estimates (R,) and burnout states (R, 6) with covariances (R, 6, 6) against
    each run's truth (:func:`_truths`)."""
    out: dict[str, Any] = {"trials": trials, "estimated": int(ok.sum())}
    for what, true, est, sig in (("speed", truth["speed"], speed, speed_sigma),
                                 ("altitude", truth["altitude"], altitude, altitude_sigma)):
        lo, hi = est - Z95 * sig, est + Z95 * sig
        err = (est - true)[ok]
        out[what] = {"coverage": float(np.mean((lo[ok] <= true[ok]) & (true[ok] <= hi[ok]))) if ok.any() else None,
                     "mean_error": float(err.mean()) if ok.any() else None,
                     "rms_error": float(np.sqrt(np.mean(err ** 2))) if ok.any() else None,
                     "bias_in_standard_errors": float(err.mean() / (err.std(ddof=1) / math.sqrt(err.size)))
                     if err.size > 2 else None}
    out["coverage"] = out["speed"]["coverage"]
    out["nees"] = _nees(x[ok], p[ok], truth["state"][ok]) if ok.any() else None
    return out


def _nees(x: NDArray, p: NDArray, truth: NDArray) -> dict[str, float]:
    """Normalised estimation error squared of the burnout states ``x`` (R, 6; ECEF, 6 dof) with covariances ``p``:
    its mean (6 when the covariances are honest) and the share inside the 95 % chi-square bound."""
    from scipy.stats import chi2

    err = x - truth
    nees = np.einsum("rp,rpq,rq->r", err, np.linalg.inv(p), err)
    return {"mean": float(nees.mean()), "within_95": float(np.mean(nees <= chi2.ppf(0.95, 6))), "dof": 6}
