"""Exercise scenarios: parties and assets, cooperation modes, doctrine, threat raid, defended assets.

A scenario is YAML, validated into frozen pydantic models; any fault becomes one
:class:`InputError` line naming the field. Built-in scenarios live in ``scenarios/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openbmd.catalog import Catalog
from openbmd.errors import InputError, UnknownNameError
from openbmd.yamlio import load_yaml, validate

Name = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
MODES = ("independent", "data-exchange", "joint", "sectoral")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


AUTHORITY = Literal["organic", "launch-on-remote", "engage-on-remote"]


class Battery(_Frozen):
    """Interceptors of one type at one catalog place, with their inventory and fire-unit channels.

    Its organic radars are the sensors mounted at ``site`` (or at ``radar``, a catalog place, when
    given) plus the interceptor's catalog ``fire_control_radar``, which travels with the battery."""

    site: Name
    interceptor: Name
    inventory: int = Field(ge=0, description="Interceptors available")
    channels: int = Field(4, ge=1, le=64, description="Simultaneous engagements (interceptors in flight at once); "
                                                      "estimate")
    radar: Name | None = Field(None, description="Catalog place of the battery's own radar, if not at the site")


class Party(_Frozen):
    """A party: its interceptor batteries and sensors (catalog places with radars, or space IR sensors),
    the assets it declares it defends, and the engagement authorities its doctrine allows."""

    name: Name
    batteries: list[Battery] = Field(default_factory=list)
    sensors: list[Name] = Field(default_factory=list)
    defends: list[Name] | None = Field(
        None, description="Declared assets (places) this party defends when it decides alone; default: every asset")
    authorities: list[AUTHORITY] = Field(
        default_factory=lambda: ["organic", "launch-on-remote"],
        description="May fire on its own radar's track (organic), launch on a remote track and take over with "
                    "its own radar (launch-on-remote), or let a remote track guide the whole engagement "
                    "(engage-on-remote)")


class Sector(_Frozen):
    """A party's sector for the sectoral mode: the territory of ``countries`` (ISO 3166-1 alpha-3, Natural
    Earth borders) and/or a lon/lat ``polygon`` (degrees, [[lon, lat], ...])."""

    party: Name
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]] = Field(default_factory=list)
    polygon: list[tuple[float, float]] | None = Field(None, min_length=3)
    source: str = Field("", description="The proposal this sector follows")

    @model_validator(mode="after")
    def _some_area(self) -> Sector:
        if not self.countries and self.polygon is None:
            raise ValueError("a sector needs countries or a polygon")
        return self


class Discrimination(_Frozen):
    """Chance that a party's sensors of one role tell a decoy from a warhead, and the track time it takes, s."""

    p: float = Field(ge=0.0, le=1.0)
    after_s: float = Field(0.0, ge=0.0)


def _default_discrimination() -> dict[str, Discrimination]:
    """Default decoy discrimination per sensor role (assumptions; no public source gives a probability).

    Ordering after the public literature: X-band fire-control radars resolve and discriminate best, UHF/L-band
    surveillance radars poorly, early-warning sensors not at all (National Research Council, *Making Sense of
    Ballistic Missile Defense*, 2012; A. Sessler et al., *Countermeasures*, UCS/MIT Security Studies Program,
    2000, who argue that simple decoys can defeat midcourse discrimination). Values and their ranges: fire control p 0.5 (0.0-0.9)
    after 60 s (30-300 s) of track; surveillance p 0.2 (0.0-0.5) after 120 s (60-600 s); early warning 0.
    How far the result moves across the whole range is what ``tests/exercise/test_laws.py`` bounds (perfect
    discrimination against none) and a scenario's ``doctrine.discrimination`` overrides.
    """
    return {"fire-control": Discrimination(p=0.5, after_s=60.0), "surveillance": Discrimination(p=0.2, after_s=120.0),
            "early-warning": Discrimination(p=0.0)}


class Cooperation(_Frozen):
    """How the modes share data and decide: latencies (s) and the sector map."""

    data_latency_s: float = Field(10.0, ge=0, description="Delay before a partner's track reaches a party")
    joint_decision_latency_s: float = Field(
        15.0, ge=0, description="Joint decision protocol: median time for every required party to approve, s")
    joint_approval_spread: float = Field(
        0.5, ge=0, le=3, description="Log-normal sigma of each party's approval delay (0: always the median)")
    joint_veto_probability: float = Field(
        0.0, ge=0, le=1, description="Chance that a required party vetoes the joint engagement of one threat; the "
                                     "threatened party may then defend itself alone")
    required_parties: list[Name] | None = Field(None, description="Who must approve a joint engagement (default all)")
    sectors: list[Sector] = Field(default_factory=list, description="For sectoral: each party's sector")
    sector_handover: Literal["never", "where-owner-cannot"] = Field(
        "where-owner-cannot", description="Sectoral: may a partner intercept over the owner's sector where the owner "
                                          "has no engagement of that threat at all")
    sector_rule: Literal["airspace", "targets"] = Field(
        "airspace", description="Sectoral: a party engages whatever flies over its sector or no one's (airspace, "
                                "the 2010-12 Russian proposals), or only threats aimed into its sector (targets); "
                                "never over another party's sector either way")


class Doctrine(_Frozen):
    """Firing doctrine: shoot-look-shoot or not, interceptors per engagement, share of inventory held back."""

    shoot_look_shoot: bool = True
    salvo: int = Field(1, ge=1, le=4)
    reserve_fraction: float = Field(0.0, ge=0, lt=1)
    look_shot_reserve: bool = Field(True, description="Hold an interceptor for each planned look-shot")
    unassessed_follow_up: Literal["re-engage", "shoot-shoot"] = Field(
        "re-engage", description="Where none of the deciding group's sensors sees the intercept, no kill can be "
                                 "assessed: 're-engage' plans the look-shot anyway and fires it blind, once the "
                                 "assessment would have come, whatever the first shot did; 'shoot-shoot' plans no "
                                 "look and fires a second salvo at once where it is worth its channel time")
    discrimination: dict[Literal["early-warning", "surveillance", "fire-control"], Discrimination] = Field(
        default_factory=_default_discrimination, description="Per sensor role: decoy discrimination")
    light_decoy_strip_altitude_m: float = Field(
        100_000.0, ge=0, description="Light decoys are stripped by the atmosphere below this altitude, m")
    wait_for_decoy_strip: bool = Field(
        True, description="Where a group's sensors have not told a complex's light decoys from its warhead and its "
                          "radars will see them stripped, it waits for the atmosphere if a window is left after")


class Raid(_Frozen):
    """``count`` missiles of one type from a launch area at a target, launched ``launch_time_s`` after t = 0, with
    ``decoys`` per missile, or per warhead for a missile with a post-boost vehicle (its bus releases them beside
    each warhead)."""

    missile: Name
    origin: Name
    target: Name
    launch_time_s: float = Field(0.0, ge=0)
    count: int = Field(1, ge=1, le=100)
    decoys: int | None = Field(None, ge=0, le=10, description="Light decoys per missile, flying with the warhead "
                                                              "until the atmosphere strips them or a sensor "
                                                              "discriminates them (unset: none); for a missile with "
                                                              "a post-boost vehicle, per warhead, released with it "
                                                              "by the bus (unset: the catalog bus's decoys_per_rv; "
                                                              "0: none)")


class Asset(_Frozen):
    """A defended asset (a catalog place) and its value."""

    place: Name
    value: float = Field(1.0, gt=0)


class Scenario(_Frozen):
    """A whole exercise: parties, cooperation, doctrine, raid, defended assets and the timeline name."""

    name: Name
    description: str = ""
    parties: list[Party] = Field(min_length=1)
    cooperation: Cooperation = Cooperation()
    doctrine: Doctrine = Doctrine()
    raid: list[Raid] = Field(min_length=1)
    assets: list[Asset] = Field(default_factory=list)
    timeline: Name = "default"
    tracks: Literal["calibrated", "timeline"] = Field(
        "calibrated", description="Track delay after first visibility: drawn per trial from the model calibrated "
                                  "against the full tracker, or the timeline's fixed firm_track_delay_s")

    @model_validator(mode="after")
    def _unique_parties(self) -> Scenario:
        names = [p.name for p in self.parties]
        if len(set(names)) != len(names):
            raise ValueError("party names must be unique")
        for s in self.cooperation.sectors:
            if s.party not in names:
                raise ValueError(f"sector for unknown party {s.party!r}")
        for n in self.cooperation.required_parties or []:
            if n not in names:
                raise ValueError(f"required party {n!r} is not a party")
        return self

    def check_names(self, catalog: Catalog) -> None:
        """Every catalog reference exists; raises :class:`InputError` naming the field."""
        def need(kind: str, name: str, field: str) -> None:
            try:
                getattr(catalog, kind)(name)
            except UnknownNameError as exc:
                raise UnknownNameError(str(exc), field) from None

        for i, p in enumerate(self.parties):
            for j, b in enumerate(p.batteries):
                need("place", b.site, f"parties.{i}.batteries.{j}.site")
                need("interceptor", b.interceptor, f"parties.{i}.batteries.{j}.interceptor")
                if b.radar is not None:
                    need("place", b.radar, f"parties.{i}.batteries.{j}.radar")
            for j, a in enumerate(p.defends or []):
                need("place", a, f"parties.{i}.defends.{j}")
            for j, s in enumerate(p.sensors):
                if s not in catalog:
                    raise UnknownNameError(f"unknown sensor place {s!r}", f"parties.{i}.sensors.{j}")
        for i, r in enumerate(self.raid):
            need("missile", r.missile, f"raid.{i}.missile")
            need("place", r.origin, f"raid.{i}.origin")
            need("place", r.target, f"raid.{i}.target")
        for i, a in enumerate(self.assets):
            need("place", a.place, f"assets.{i}.place")
        need("timeline", self.timeline, "timeline")


def builtin_scenarios() -> list[str]:
    folder = resources.files("openbmd.exercise") / "scenarios"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_scenario(name_or_path: str, catalog: Catalog | None = None) -> Scenario:
    """A built-in scenario by name, or a YAML file; validated (and checked against ``catalog`` if given)."""
    path = Path(name_or_path)
    if name_or_path in builtin_scenarios():
        text = (resources.files("openbmd.exercise") / "scenarios" / f"{name_or_path}.yaml").read_text("utf-8")
        where = name_or_path
    elif path.is_file():
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        raise InputError(f"no built-in scenario or file {name_or_path!r}; built-in: {', '.join(builtin_scenarios())}",
                         "scenario")
    scenario = validate(Scenario, load_yaml(text, where), "scenario")  # faults name file:line:column: field
    if catalog is not None:
        scenario.check_names(catalog)
    return scenario
