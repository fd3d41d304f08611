"""Validated catalog models: missiles, interceptors, sensors, places and engagement timelines.

Every quantity is SI and its unit stands in the field name (``_m``, ``_mps``,
``_s``, ``_kg``, ``_deg``, ``_rad``). Every entry cites at least one public
``source`` and says whether its figures are ``published`` or an ``estimate``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from openbmd.earth.constants import G0_MPS2  # turns specific impulse (s) into exhaust speed

NAME_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""Catalog names: lower-case words of letters and digits joined by single hyphens."""

ISO3_PATTERN = r"^[A-Z]{3}$"
SLUG_PATTERN = NAME_PATTERN

Confidence = Literal["published", "derived", "estimate", "assumption"]
"""How a figure is known: as a source states it, computed from published figures, estimated (with a
range), or assumed for the analysis."""
Country = Annotated[str, Field(pattern=ISO3_PATTERN, description="ISO 3166-1 alpha-3 code, e.g. 'USA', 'RUS', 'IRN'")]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """A public source: at least a title or a URL."""

    title: str | None = Field(None, description="Title of the report, article, book or page")
    author: str | None = Field(None, description="Author(s) or publishing organisation")
    year: int | None = Field(None, ge=1900, le=2100, description="Year of publication")
    url: str | None = Field(None, description="Public URL")

    @model_validator(mode="after")
    def _title_or_url(self) -> Source:
        if not (self.title or self.url):
            raise ValueError("a source needs a title or a url")
        return self


Sources = Annotated[list[Source], BeforeValidator(lambda v: [v] if isinstance(v, dict) else v)]
"""A list of sources; one mapping alone is accepted as a list of one."""


class Figure(_Frozen):
    """The provenance of one numeric field: how it is known, its own sources, and for estimates a range.

    The range is ``low``/``high`` in the field's SI unit, or ``factors`` [lo, hi] times the field's value
    (handy where one rule covers many fields, e.g. ``stages.*.burn_time_s``); an estimate needs a range
    and a ``reason``. ``cites`` names the entry's own sources by position (1 = the first); sources given
    neither way are the entry's.
    """

    confidence: Confidence
    source: Sources = Field(default_factory=list, description="Sources of this figure (default: the entry's)")
    cites: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, description="The entry's sources that give this figure, by position (1 = first)")
    low: float | None = Field(None, description="Least plausible value (SI, the field's unit)")
    high: float | None = Field(None, description="Greatest plausible value (SI, the field's unit)")
    factors: tuple[Positive, Positive] | None = Field(
        None, description="The range as factors [lo, hi] of the field's value, instead of low/high")
    reason: str | None = Field(None, description="Why the figure is uncertain, or how it was derived")

    @model_validator(mode="after")
    def _range(self) -> Figure:
        if self.factors is not None and (self.low is not None or self.high is not None):
            raise ValueError("give low/high or factors, not both")
        ranged = self.factors is not None or (self.low is not None and self.high is not None)
        if self.confidence == "estimate" and (not ranged or not self.reason):
            raise ValueError("an estimate needs a range (low and high, or factors) and a reason")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low must not exceed high")
        if self.factors is not None and not self.factors[0] <= 1.0 <= self.factors[1]:
            raise ValueError("factors must bracket 1 (lo <= 1 <= hi)")
        return self

    @property
    def has_range(self) -> bool:
        """True when both ends of the range are known (after an entry resolves ``factors``)."""
        return self.low is not None and self.high is not None


def figure_key_matches(pattern: str, key: str) -> bool:
    """``stages.*.isp_s`` matches ``stages.2.isp_s``; a pattern without ``*`` matches only itself."""
    a, b = pattern.split("."), key.split(".")
    return len(a) == len(b) and all(x == y or (x == "*" and y.isdigit()) for x, y in zip(a, b))


def _numeric_keys(obj: BaseModel, prefix: str):
    for name in type(obj).model_fields:
        if name in ("figures", "source"):
            continue
        value = getattr(obj, name)
        key = prefix + name
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            yield key
        elif isinstance(value, BaseModel) and not _self_sourced(value):
            yield from _numeric_keys(value, key + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value, 1):
                if isinstance(item, BaseModel) and not _self_sourced(item):
                    yield from _numeric_keys(item, f"{key}.{i}.")


def _self_sourced(model: BaseModel) -> bool:
    """Records with their own provenance: they carry a source, or (a calibration) their own bounds."""
    return "source" in type(model).model_fields or type(model).__name__ in ("Calibration", "MissileAssumption")


class Entry(_Frozen):
    """Fields shared by every catalog entry.

    ``figures`` gives a numeric field its own provenance, keyed by the field's name (``stages.1.isp_s``
    for the first stage's Isp); a field without one inherits the entry's ``confidence`` and ``source``.
    """

    kind: ClassVar[str] = "entry"

    name: str = Field(pattern=NAME_PATTERN, description="Unique lower-case-with-hyphens name, e.g. 'sejjil-2'")
    display_name: str = Field(min_length=1, description="Human-readable name, e.g. 'Sejjil-2'")
    source: Sources = Field(min_length=1, description="Public sources (one mapping or a list)")
    confidence: Confidence = Field(description="'published': figures as a source states them; 'estimate': derived or assumed")
    notes: str | None = Field(None, description="Caveats, derivations, doubts")
    figures: dict[str, Figure] = Field(default_factory=dict, description="Per-figure provenance, by field name")

    @model_validator(mode="after")
    def _figures_name_numbers(self) -> Entry:
        keys = self.figure_keys()
        for pattern, fig in self.figures.items():
            matched = [k for k in keys if figure_key_matches(pattern, k)]
            if not matched:
                raise ValueError(f"figures: {pattern!r} is not a numeric field of this entry")
            bad = [i for i in fig.cites if i > len(self.source)]
            if bad:
                raise ValueError(f"figures: {pattern}: cites source {bad[0]}, but the entry has {len(self.source)}")
            if fig.factors is not None:  # a range relative to the value always holds it
                continue
            lo = -math.inf if fig.low is None else fig.low
            hi = math.inf if fig.high is None else fig.high
            for key in matched:
                value = self.value_of(key)
                if not lo - 1e-9 * abs(lo) <= value <= hi + 1e-9 * abs(hi):
                    raise ValueError(f"figures: {key} = {value:g} lies outside its range {lo:g}-{hi:g}")
        return self

    def value_of(self, key: str) -> Any:
        """The value of a field by its figure key (``max_range_m``, ``stages.1.isp_s``); None if absent."""
        obj: Any = self
        for part in key.split("."):
            if part.isdigit() and isinstance(obj, list):
                i = int(part) - 1
                obj = obj[i] if 0 <= i < len(obj) else None
            else:
                obj = getattr(obj, part, None) if isinstance(obj, BaseModel) else None
            if obj is None:
                return None
        return obj

    def figure_keys(self) -> list[str]:
        """Every numeric figure of this entry, by key (``stages.2.isp_s``), in field order.

        Records that carry their own provenance (sources, flight tests, a calibration, an assumption set's
        figures) are not descended into.
        """
        return list(_numeric_keys(self, ""))

    def own_figure(self, key: str) -> Figure | None:
        """The figure's own provenance (exact key first, then a ``*`` pattern), ranges in SI; None if it inherits."""
        fig = self.figures.get(key)
        if fig is None:
            fig = next((f for pattern, f in self.figures.items() if "*" in pattern and figure_key_matches(pattern, key)),
                       None)
        if fig is None:
            return None
        update: dict[str, Any] = {}
        if fig.factors is not None:
            value = float(self.value_of(key))
            lo, hi = sorted((value * fig.factors[0], value * fig.factors[1]))
            update.update(low=lo, high=hi, factors=None)
        if fig.cites or not fig.source:
            cited = [self.source[i - 1] for i in fig.cites if i <= len(self.source)]
            update["source"] = list(fig.source) + cited if (fig.source or cited) else list(self.source)
            update["cites"] = []
        return fig.model_copy(update=update) if update else fig

    def figure(self, key: str) -> Figure:
        """The provenance of one figure: its own, or the entry's (an inherited estimate carries no range)."""
        return self.own_figure(key) or Figure.model_construct(confidence=self.confidence, source=list(self.source),
                                                               cites=[], low=None, high=None, factors=None,
                                                               reason=None)

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-ready data (SI, as stored), with its ``kind`` first."""
        return {"kind": self.kind, **self.model_dump(mode="json")}


class Stage(_Frozen):
    """One rocket stage, in one of two forms.

    Mass form: ``isp_s``, ``propellant_mass_kg`` and ``dry_mass_kg`` (``thrust_n``
    optional); the mass flow is ``propellant_mass_kg / burn_time_s``.
    Speed form: ``burnout_speed_mps``, the cumulative speed at the END of this
    stage relative to the rotating Earth, as analysts quote it.
    """

    burn_time_s: Positive = Field(description="Burn time, s")
    isp_s: Positive | None = Field(None, description="Effective (trajectory-average) specific impulse, s")
    propellant_mass_kg: Positive | None = Field(None, description="Propellant burnt in this stage, kg")
    dry_mass_kg: Positive | None = Field(None, description="Stage mass without propellant (case, engine, interstage), kg")
    thrust_n: Positive | None = Field(None, description="Quoted average thrust, N (mass form only)")
    burnout_speed_mps: Positive | None = Field(None, description="Cumulative Earth-relative speed at this stage's burnout, m/s")

    @model_validator(mode="after")
    def _one_form(self) -> Stage:
        mass = (self.isp_s, self.propellant_mass_kg, self.dry_mass_kg)
        has_mass = all(v is not None for v in mass)
        any_mass = any(v is not None for v in mass) or self.thrust_n is not None
        has_speed = self.burnout_speed_mps is not None
        if has_speed and any_mass:
            raise ValueError("give either the mass form (isp_s, propellant_mass_kg, dry_mass_kg) "
                             "or burnout_speed_mps, not both")
        if not has_speed and not has_mass:
            missing = [n for n, v in zip(("isp_s", "propellant_mass_kg", "dry_mass_kg"), mass) if v is None]
            raise ValueError(f"incomplete stage: give burnout_speed_mps, or the mass form (missing {', '.join(missing)})")
        if has_mass and self.thrust_n is not None:
            implied_isp = self.thrust_n * self.burn_time_s / (self.propellant_mass_kg * G0_MPS2)  # type: ignore[operator]
            if not 0.8 <= implied_isp / self.isp_s <= 1.25:  # type: ignore[operator]
                raise ValueError(
                    f"thrust_n {self.thrust_n:.4g} N implies an Isp of {implied_isp:.0f} s with this burn time and "
                    f"propellant, far from isp_s {self.isp_s:.0f} s (check units: N, kg, s)"
                )
        return self

    @property
    def uses_mass_form(self) -> bool:
        """True when the stage is given by Isp and masses rather than a burnout speed."""
        return self.burnout_speed_mps is None

    @property
    def mass_flow_kg_s(self) -> float | None:
        """Propellant mass flow, kg/s (mass form only)."""
        return None if self.propellant_mass_kg is None else self.propellant_mass_kg / self.burn_time_s

    @property
    def gross_mass_kg(self) -> float | None:
        """Propellant plus dry mass, kg (mass form only)."""
        if self.propellant_mass_kg is None or self.dry_mass_kg is None:
            return None
        return self.propellant_mass_kg + self.dry_mass_kg


class Calibration(_Frozen):
    """How a missile's estimated stage figures were adjusted to reproduce its published range.

    ``propellant-fraction``: every stage's propellant mass is ``factor`` times the estimate and the
    dry mass takes the difference (launch mass kept); the stored stages are the adjusted ones.
    ``target`` is what the factor reproduces: the entry's ``max_range_m``, or its first flight test (the
    most lofted full-burn shot to the test's ground range reaches the test's apogee), ``max_range_m`` then
    being the range the calibrated model flies.
    """

    figure: Literal["propellant-fraction"] = Field(description="Which estimated figure was scaled")
    target: Literal["max_range_m", "flight-test"] = Field(
        "max_range_m", description="What the factor reproduces: the published range, or the first flight test")
    factor: Positive = Field(description="Scale applied to the estimate")
    low: Positive = Field(description="Least factor allowed (the estimate's plausible range)")
    high: Positive = Field(description="Greatest factor allowed")
    method: str = Field(min_length=1, description="What the factor reproduces, and with which tool")

    @model_validator(mode="after")
    def _within_bounds(self) -> Calibration:
        if not self.low <= self.factor <= self.high:
            raise ValueError(f"factor {self.factor} lies outside its bounds {self.low}-{self.high}")
        return self


class FlightTest(_Frozen):
    """A publicly reported test flight, as observed: apogee, ground range and flight time."""

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Launch date, YYYY-MM-DD")
    apogee_m: Positive = Field(description="Apogee altitude, m")
    range_m: Positive = Field(description="Ground range from launch to impact, m")
    flight_time_s: Positive = Field(description="Launch to impact, s")
    source: Sources = Field(min_length=1, description="Who reported the figures")
    standard_range_m: Positive | None = Field(
        None, description="The source's estimate of the range on a standard trajectory from this test, m")


class PostBoost(_Frozen):
    """A post-boost vehicle (bus): it coasts after burnout and releases ``rvs`` warheads one by one, each after a
    small manoeuvre, with ``decoys_per_rv`` decoys each (see :mod:`openbmd.flight.pbv`)."""

    rvs: int = Field(ge=1, le=20, description="Warheads the bus carries")
    first_release_s: Positive = Field(60.0, description="Burnout to the first release, s")
    interval_s: Positive = Field(20.0, description="Between releases, s")
    spread_mps: float = Field(40.0, ge=0.0, description="Along-track speed increments from the first to the last "
                                                        "warhead, m/s (spreads the impacts down range)")
    cross_mps: float = Field(10.0, ge=0.0, description="Cross-track increment each side, m/s")
    decoys_per_rv: int = Field(0, ge=0, le=50, description="Light decoys released with each warhead")
    decoy_beta_kg_m2: Positive = Field(30.0, description="Decoy ballistic coefficient, kg/m²")


BOOST_DRAG_FIGURE = Figure(
    confidence="estimate", low=0.7, high=1.3,
    source=[Source(title="Rocket Propulsion Elements, 8th ed., Fig. 4-2 (V-2 drag coefficient against Mach number)",
                   author="G. P. Sutton and O. Biblarz", year=2010)],
    reason="the boost drag coefficient is the V-2's curve for every missile (openbmd.flight._kernel.CD_VALUE); "
           "another missile's nose, fins and base may differ by about +-30 %")
"""The provenance of every missile's ``boost_drag_factor`` unless the entry gives its own."""


class Missile(Entry):
    """A ballistic missile: its stages, payload, re-entry vehicle and nominal range."""

    kind: ClassVar[str] = "missile"

    range_class: Literal["srbm", "mrbm", "irbm", "icbm", "slbm"] = Field(description="US DoD range class")
    propellant: Literal["liquid", "solid"]
    stages: list[Stage] = Field(min_length=1, description="Stages, first to last, all in the same form")
    payload_mass_kg: Positive | None = Field(
        None, description="Payload (RVs, bus, shroud) above the last stage, kg; required in the mass form")
    rv_ballistic_coefficient_kg_m2: Positive = Field(description="Re-entry vehicle beta = m/(Cd*A), kg/m²")
    max_range_m: Positive = Field(description="Published nominal maximum range, m (calibrated to a flight test: the "
                                              "range the calibrated model flies)")
    diameter_m: Positive | None = Field(
        None, description="Body (first-stage) diameter, m: the boost-drag reference area; none: no boost drag")
    boost_drag_factor: Positive = Field(
        1.0, description="Scale on the flight model's boost drag coefficient curve Cd(Mach) (1: the curve as it is)")
    country: Country | None = Field(None, description="Producing country, ISO 3166-1 alpha-3; none for generic missiles")
    calibration: Calibration | None = Field(None, description="The adjustment that makes the flight model reach max_range_m")
    flight_tests: list[FlightTest] = Field(default_factory=list, description="Reported (often lofted) test flights")
    post_boost: PostBoost | None = Field(None, description="The post-boost vehicle, for missiles that have one")

    @model_validator(mode="after")
    def _consistent_stages(self) -> Missile:
        forms = {stage.uses_mass_form for stage in self.stages}
        if len(forms) > 1:
            raise ValueError("all stages must use the same form (all mass form or all burnout_speed_mps)")
        if self.uses_mass_form and self.payload_mass_kg is None:
            raise ValueError("payload_mass_kg is required when the stages use the mass form")
        if not self.uses_mass_form:
            speeds = [s.burnout_speed_mps for s in self.stages]
            if any(b <= a for a, b in zip(speeds, speeds[1:])):  # type: ignore[operator]
                raise ValueError("burnout_speed_mps is cumulative and must increase from stage to stage")
        return self

    def own_figure(self, key: str) -> Figure | None:
        """As :meth:`Entry.own_figure`; ``boost_drag_factor`` without its own carries :data:`BOOST_DRAG_FIGURE`."""
        fig = super().own_figure(key)
        return BOOST_DRAG_FIGURE if fig is None and key == "boost_drag_factor" else fig

    @property
    def uses_mass_form(self) -> bool:
        """True when the stages are given by Isp and masses."""
        return self.stages[0].uses_mass_form

    @property
    def total_burn_time_s(self) -> float:
        """Sum of the stage burn times, s (coasts between stages not counted)."""
        return sum(s.burn_time_s for s in self.stages)

    @property
    def launch_mass_kg(self) -> float | None:
        """Gross lift-off mass, kg (mass form only)."""
        if not self.uses_mass_form:
            return None
        return sum(s.gross_mass_kg for s in self.stages) + self.payload_mass_kg  # type: ignore[operator]

    @property
    def ideal_delta_v_mps(self) -> float | None:
        """Rocket-equation speed gain in vacuum without gravity, m/s (mass form only)."""
        if not self.uses_mass_form:
            return None
        mass = self.launch_mass_kg
        dv = 0.0
        for stage in self.stages:
            burnt = mass - stage.propellant_mass_kg  # type: ignore[operator]
            dv += stage.isp_s * G0_MPS2 * math.log(mass / burnt)  # type: ignore[operator]
            mass = burnt - stage.dry_mass_kg  # type: ignore[operator]
        return dv

    @property
    def burnout_speed_mps(self) -> float | None:
        """Quoted final burnout speed, m/s (speed form only)."""
        return None if self.uses_mass_form else self.stages[-1].burnout_speed_mps


class Interceptor(Entry):
    """A hit-to-kill or blast-fragmentation interceptor, by its kinematic envelope."""

    kind: ClassVar[str] = "interceptor"

    burnout_speed_mps: Positive = Field(description="Speed at burnout, m/s")
    burn_time_s: Positive = Field(description="Total boost time, s")
    min_intercept_altitude_m: Positive = Field(description="Lowest intercept altitude, m")
    max_intercept_altitude_m: Positive = Field(description="Highest intercept altitude, m")
    max_range_m: Positive = Field(description="Maximum intercept (ground) range, m")
    ballistic_coefficient_kg_m2: Positive | None = Field(
        None, description="Coasting ballistic coefficient m/(Cd A), kg/m² (optional; fly-out tables default to a "
                          "kill-vehicle figure, which only matters low in the atmosphere)")
    single_shot_pk: float = Field(ge=0.0, le=1.0, description="Single-shot kill probability, 0..1 (usually an estimate)")
    status: Literal["deployed", "development", "cancelled"]
    country: Country
    intercept_phase: Literal["boost", "ascent", "midcourse", "terminal", "exo", "endo"] = Field(
        description="Flight phase or regime it engages: midcourse, terminal, exo(-atmospheric), endo(-atmospheric) ..."
    )
    # Kill vehicle (or terminal homing stage). None: the generic estimates of openbmd.engagement.firecontrol.
    divert_mps: Positive | None = Field(
        None, description="Kill vehicle's lateral divert budget during homing, m/s (usually an estimate)")
    seeker_acquisition_range_m: Positive | None = Field(
        None, description="Range at which the homing seeker (or terminal guidance) acquires a warhead, m")
    min_closing_speed_mps: float | None = Field(
        None, ge=0.0, description="Least closing speed at which the kill mechanism works, m/s")
    max_closing_speed_mps: Positive | None = Field(
        None, description="Greatest closing speed the seeker and divert can handle, m/s")
    boost_phase_capable: bool = Field(False, description="May be committed before the threat burns out")
    fire_control_radar: str | None = Field(
        None, pattern=NAME_PATTERN, description="Catalog radar that travels with each battery (its organic radar)")

    @model_validator(mode="after")
    def _altitudes(self) -> Interceptor:
        if self.min_intercept_altitude_m >= self.max_intercept_altitude_m:
            raise ValueError("min_intercept_altitude_m must be below max_intercept_altitude_m")
        return self


_RADAR_FIELDS = ("max_range_m", "reference_rcs_m2", "band", "sector_half_width_deg", "min_elevation_deg",
                 "max_elevation_deg", "range_noise_m")
_IR_FIELDS = ("cloud_top_altitude_m", "orbit_altitude_m")


class Sensor(Entry):
    """A ground/sea radar or a space-based infrared sensor."""

    kind: ClassVar[str] = "sensor"

    sensor_type: Literal["radar", "space-ir"]
    role: Literal["early-warning", "surveillance", "fire-control"] | None = Field(
        None, description="What its tracks may do: early-warning tracks only cue other sensors; surveillance and "
                          "fire-control tracks may commit interceptors when accurate enough. Default: space IR and "
                          "UHF/VHF/L-band radars early warning, other radars fire control")
    revisit_s: Positive = Field(description="Time between looks at one object, s")
    angle_noise_rad: Positive = Field(description="1-sigma angle measurement noise, rad")
    # radar
    max_range_m: Positive | None = Field(None, description="Radar: detection range against reference_rcs_m2, m")
    reference_rcs_m2: Positive | None = Field(None, description="Radar: radar cross-section max_range_m refers to, m²")
    band: str | None = Field(None, description="Radar: frequency band, e.g. 'X', 'S', 'UHF', 'VHF'")
    sector_half_width_deg: float | None = Field(
        None, gt=0.0, le=180.0, description="Radar: azimuth half-width of the field of regard, deg (180 = full circle)")
    min_elevation_deg: float | None = Field(None, ge=-5.0, le=90.0, description="Radar: lowest beam elevation, deg")
    max_elevation_deg: float | None = Field(None, ge=-5.0, le=90.0, description="Radar: highest beam elevation, deg")
    range_noise_m: Positive | None = Field(None, description="Radar: 1-sigma range noise, m")
    range_rate_noise_mps: Positive | None = Field(None, description="Radar: 1-sigma range-rate noise, m/s (optional)")
    # space IR
    cloud_top_altitude_m: Positive | None = Field(
        None, description="Space IR: a booster plume is seen only above this altitude, m")
    orbit_altitude_m: Positive | None = Field(None, description="Space IR: satellite orbit altitude, m")

    @model_validator(mode="after")
    def _fields_for_type(self) -> Sensor:
        if self.sensor_type == "radar":
            own, other = _RADAR_FIELDS, _IR_FIELDS
        else:
            own, other = _IR_FIELDS, _RADAR_FIELDS + ("range_rate_noise_mps",)
        missing = [f for f in own if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.sensor_type} sensor needs {', '.join(missing)}")
        extra = [f for f in other if getattr(self, f) is not None]
        if extra:
            raise ValueError(f"a {self.sensor_type} sensor does not take {', '.join(extra)}")
        if self.sensor_type == "radar" and self.min_elevation_deg >= self.max_elevation_deg:  # type: ignore[operator]
            raise ValueError("min_elevation_deg must be below max_elevation_deg")
        return self

    @property
    def sensor_role(self) -> str:
        """The declared ``role``, or the default for the sensor type and band."""
        if self.role is not None:
            return self.role
        if self.sensor_type == "space-ir" or (self.band or "").upper() in ("UHF", "VHF", "L", "P"):
            return "early-warning"
        return "fire-control"

    def range_against_m(self, rcs_m2: float) -> float:
        """Radar detection range against ``rcs_m2`` by the R⁴ law, m."""
        if self.max_range_m is None or self.reference_rcs_m2 is None:
            raise ValueError(f"{self.name} is not a radar")
        return self.max_range_m * (rcs_m2 / self.reference_rcs_m2) ** 0.25


class SensorMount(_Frozen):
    """A sensor at a place, with its boresight for sector-limited radars."""

    sensor: str = Field(pattern=NAME_PATTERN, description="Sensor name in the catalog")
    boresight_azimuth_deg: float | None = Field(None, ge=0.0, lt=360.0, description="Boresight azimuth from true north, deg")


class Place(Entry):
    """A site, ship station, missile base, launch area or city."""

    kind: ClassVar[str] = "place"

    place_type: Literal["site", "ship-station", "base", "launch-area", "city"]
    lat_deg: float = Field(ge=-90.0, le=90.0, description="Geodetic latitude, deg")
    lon_deg: float = Field(ge=-180.0, le=180.0, description="Longitude, deg east")
    alt_m: float = Field(0.0, ge=-500.0, le=9000.0, description="Height above the WGS-84 ellipsoid (≈ above sea level), m")
    country: Country
    region: str = Field(
        pattern=SLUG_PATTERN, description="Region, e.g. 'europe', 'russia', 'north-america', 'middle-east', 'asia'")
    sensors: list[SensorMount] = Field(default_factory=list, description="Sensors at this place")
    interceptors: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(
        default_factory=list, description="Interceptor names hosted")
    radar_at: str | None = Field(None, pattern=NAME_PATTERN,
                                 description="Sites: the catalog place of the radar that guides the interceptors "
                                             "hosted here, where it stands elsewhere (their organic radar)")
    missile: str | None = Field(None, pattern=NAME_PATTERN, description="Bases and launch areas: the typical missile")
    population: int | None = Field(None, ge=0, description="Cities: population (city proper, approximate)")

    @model_validator(mode="after")
    def _type_fields(self) -> Place:
        if self.population is not None and self.place_type != "city":
            raise ValueError("population is for cities only")
        if self.missile is not None and self.place_type not in ("base", "launch-area"):
            raise ValueError("missile is for bases and launch areas only")
        if self.radar_at is not None and self.place_type not in ("site", "ship-station"):
            raise ValueError("radar_at is for sites and ship stations only")
        return self


class Timeline(Entry):
    """Engagement timing assumptions: track, decision and kill-assessment delays, and target size."""

    kind: ClassVar[str] = "timeline"

    firm_track_delay_s: float = Field(ge=0.0, description="First detection to a track good enough to fire on, s")
    decision_delay_s: float = Field(ge=0.0, description="Firm track to interceptor launch (decide, assign, launch), s")
    kill_assessment_delay_s: float = Field(
        ge=0.0, description="Intercept to a kill assessment that allows the next shot (shoot-look-shoot), s")
    threat_rcs_m2: Positive = Field(description="Radar cross-section of the threat object radars must detect, m²")


class Emplacement(_Frozen):
    """Interceptors of one type at one place."""

    site: str = Field(pattern=NAME_PATTERN, description="Place name (site or ship station)")
    interceptor: str = Field(pattern=NAME_PATTERN, description="Interceptor name")
    count: int = Field(ge=0, description="Number of interceptors")


class Declaration(_Frozen):
    """One year of an annual declaration: what stands where that year."""

    year: int = Field(ge=1950, le=2100)
    emplacements: list[Emplacement] = Field(default_factory=list)
    sensors: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(
        default_factory=list, description="Places with radars, or space IR sensors")


class Deployment(Entry):
    """A missile-defence deployment: interceptors at sites, and the sensors that cue them.

    ``declarations`` optionally lists the deployment year by year (an annual
    declaration); ``emplacements``/``sensors`` are then the final year's.
    """

    kind: ClassVar[str] = "deployment"

    country: Country
    year: int | None = Field(None, ge=1950, le=2100, description="Year the deployment stands (or was to stand)")
    status: Literal["deployed", "planned", "proposed", "cancelled", "hypothetical"]
    emplacements: list[Emplacement] = Field(min_length=1)
    sensors: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(
        default_factory=list, description="Places with radars, or space IR sensors")
    declarations: list[Declaration] = Field(default_factory=list)

    @property
    def total_interceptors(self) -> int:
        return sum(e.count for e in self.emplacements)


CriterionRule = Literal["max-burnout-speed", "max-interceptors", "max-site-latitude", "border-distance-exceeds-reach",
                        "no-reach-over-region"]


class Criterion(_Frozen):
    """One checkable limit. ``value`` is in SI (m/s, count, degrees of latitude) where the rule takes one."""

    name: str = Field(pattern=NAME_PATTERN)
    rule: CriterionRule
    value: float | None = Field(None, description="m/s, count or deg, by rule; none for the distance and reach rules")
    region: str | None = Field(None, pattern=NAME_PATTERN, description="no-reach-over-region: the catalog region")
    statement: str = Field(min_length=1, description="The proposal in words, as publicly made")

    @model_validator(mode="after")
    def _value_for_rule(self) -> Criterion:
        valueless = self.rule in ("border-distance-exceeds-reach", "no-reach-over-region")
        if (self.value is None) != valueless:
            raise ValueError(f"rule {self.rule} {'takes no' if self.value is not None else 'needs a'} value")
        if (self.region is None) == (self.rule == "no-reach-over-region"):
            raise ValueError(f"rule {self.rule} {'needs a' if self.region is None else 'takes no'} region")
        return self


class CriteriaSet(Entry):
    """Publicly proposed limits ("military-technical guarantees") as checkable criteria."""

    kind: ClassVar[str] = "criteria"

    border_country: Country = Field(description="Whose border the distance rule measures from, e.g. 'RUS'")
    criteria: list[Criterion] = Field(min_length=1)


Basis = Confidence  # an assumption set states each figure with the same four kinds of provenance


class AssumedFigure(_Frozen):
    """One figure of an assumption set, with its own provenance.

    ``value`` in the unit its field name states; ``basis`` says how it was obtained; estimates and
    assumptions carry the range ``low``..``high`` the source allows.
    """

    value: float = Field(allow_inf_nan=False)
    basis: Basis = Field(description="'published', 'derived', 'estimate' or 'assumption'")
    low: float | None = Field(None, allow_inf_nan=False, description="Lowest value the source allows")
    high: float | None = Field(None, allow_inf_nan=False, description="Highest value the source allows")
    source: list[Source] = Field(min_length=1, description="Public sources of this figure")
    note: str | None = Field(None, description="How the figure is read from the source")

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _range(self) -> AssumedFigure:
        if self.basis in ("estimate", "assumption") and (self.low is None or self.high is None):
            raise ValueError(f"an {self.basis} needs its range: give low and high")
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"value {self.value:g} lies outside its range {self.low:g}..{self.high:g}")
        return self


ASSUMED_FIELDS: tuple[str, ...] = ("max_range_m", "payload_mass_kg", "cep_m", "inventory", "first_year")
"""The catalog figures an assumption set may state for a missile, in the order tables show them."""


class MissileAssumption(_Frozen):
    """One party's figures for one catalog missile; a figure left out takes the catalog's value.

    ``max_range_m`` is the range at the stated (or catalog) payload: the flight model is scaled to fly it.
    ``first_year`` is the year from which the party assumes the missile exists (deployed, or tested in the
    stated form); ``inventory`` counts launchers, ``cep_m`` is the circular error probable.
    """

    missile: str = Field(pattern=NAME_PATTERN, description="Catalog missile name")
    max_range_m: AssumedFigure | None = Field(None, description="Range at the payload, m")
    payload_mass_kg: AssumedFigure | None = Field(None, description="Payload, kg (mass-form missiles only)")
    cep_m: AssumedFigure | None = Field(None, description="Circular error probable, m")
    inventory: AssumedFigure | None = Field(None, description="Launchers, count")
    first_year: AssumedFigure | None = Field(None, description="Year from which the missile exists, year")

    def figure(self, name: str) -> AssumedFigure | None:
        """The figure called ``name`` (one of :data:`ASSUMED_FIELDS`), or None where the set is silent."""
        return getattr(self, name)


class AssumptionSet(Entry):
    """One party's assumptions about third-country missiles, and the sensors that warn it.

    ``party`` names the side (e.g. 'nato', 'russia'); ``sensors`` are catalog places with radars or space
    IR sensors whose warning the party counts as its own.
    """

    kind: ClassVar[str] = "assumptions"

    party: str = Field(pattern=NAME_PATTERN, description="The side whose assessment this is")
    missiles: list[MissileAssumption] = Field(min_length=1)
    sensors: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(
        default_factory=list, description="Places with radars, or space IR sensors: the party's own warning")

    @model_validator(mode="after")
    def _unique(self) -> AssumptionSet:
        names = [m.missile for m in self.missiles]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"missile(s) listed twice: {', '.join(dup)}")
        return self

    def for_missile(self, name: str) -> MissileAssumption:
        """This set's figures for missile ``name`` (an empty assumption, all catalog values, if it is silent)."""
        for m in self.missiles:
            if m.missile == name:
                return m
        return MissileAssumption(missile=name)


class Region(Entry):
    """A named region of a country: a polygon (geodetic lat, lon pairs, deg) clipped to the country's Natural
    Earth outline, e.g. Russia west of the Urals."""

    kind: ClassVar[str] = "region"

    country: Country = Field(description="The country the polygon is clipped to")
    polygon_deg: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        min_length=3, description="Vertices [lat_deg, lon_deg] of a polygon that, clipped to the country, is the region")

    @field_validator("polygon_deg")
    @classmethod
    def _in_range(cls, value: list[list[float]]) -> list[list[float]]:
        for i, (lat, lon) in enumerate(value):
            if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                raise ValueError(f"vertex {i} ({lat:g}, {lon:g}) is outside -90..90, -180..180 deg")
        return value


ENTRY_TYPES: Mapping[str, type[Entry]] = MappingProxyType(
    {cls.kind: cls for cls in (Missile, Interceptor, Sensor, Place, Timeline, Deployment, CriteriaSet,
                                     AssumptionSet, Region)})
"""Entry class by kind name (read-only)."""
