"""Tracking scenarios: parties with their sensors, and a raid of threats. YAML in, validated models out.

```yaml
name: my-raid
seed: 7
parties:
  nato:
    sensors: [kurecik, aegis-black-sea, sbirs]   # catalog places with radars, or space IR sensors
    share: {sensors: [kurecik, sbirs], delay_s: 10}   # what the joint centre gets (default: all, no delay)
  russia:
    sensors: [armavir]
threats:
  - {id: t1, missile: sejjil-2, from: tabriz, to: bucharest, launch_s: 0}
```

Errors come back as one line naming the field, e.g.
``threats.0.missile: unknown missile 'foo' ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openbmd.errors import InputError
from openbmd.yamlio import load_yaml, validate


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ShareSpec(_Model):
    """What a party passes to the joint centre: a subset of its sensors (default all) and a delay (s)."""

    sensors: list[str] | None = Field(None, description="Sensors whose data the party shares (default: all)")
    delay_s: float = Field(0.0, ge=0.0, le=3600.0, description="Delay before the centre gets the data, s")


class PartySpec(_Model):
    """A party's sensors: catalog places with radars, or space IR sensor names."""

    sensors: list[str] = Field(min_length=1)
    share: ShareSpec = ShareSpec()

    @model_validator(mode="after")
    def _share_subset(self) -> "PartySpec":
        extra = [s for s in (self.share.sensors or []) if s not in self.sensors]
        if extra:
            raise ValueError(f"share.sensors {extra} are not among this party's sensors {self.sensors}")
        return self


class ThreatSpec(_Model):
    """One missile: catalog missile, launch place, aim point (catalog place or 'lat,lon') and launch time (s)."""

    id: str = Field(min_length=1)
    missile: str
    origin: str = Field(alias="from")
    target: str = Field(alias="to")
    launch_s: float = Field(0.0, ge=0.0, le=3600.0)


class Scenario(_Model):
    """Parties, threats and the measurement options of a tracking run."""

    name: str = "scenario"
    seed: int = 0
    rcs_m2: float = Field(0.05, gt=0.0, description="Threat radar cross-section, m²")
    false_alarms_per_scan: float = Field(0.0, ge=0.0, le=50.0)
    sample_dt_s: float = Field(2.0, gt=0.0, le=20.0, description="Truth sample spacing, s")
    assumed_beta_kg_m2: float | None = Field(
        4000.0, gt=0.0, description="Median of the re-entry ballistic coefficient prior the trackers and the centre "
                                    "fly drag with, kg/m² (None: vacuum)")
    beta_factor_95: float = Field(
        2.0, ge=1.0, le=10.0, description="Log-normal β prior: 95 % within [β/f, β·f] (1: β known)")
    report_dt_s: float = Field(20.0, gt=0.0, le=600.0, description="Spacing of the reported picture, s")
    parties: dict[str, PartySpec] = Field(min_length=1)
    threats: list[ThreatSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Scenario":
        ids = [t.id for t in self.threats]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"threat ids must be unique; repeated: {', '.join(dup)}")
        return self


def _iran_europe() -> dict[str, Any]:
    return {
        "name": "iran-europe",
        "seed": 2012,
        "parties": {
            "nato": {"sensors": ["kurecik", "aegis-black-sea", "aegis-east-med", "sbirs"]},
            "russia": {"sensors": ["gabala", "armavir"]},
        },
        "threats": [
            {"id": "t1", "missile": "shahab-3", "from": "tabriz", "to": "ankara", "launch_s": 0},
            {"id": "t2", "missile": "sejjil-2", "from": "tabriz", "to": "bucharest", "launch_s": 15},
            {"id": "t3", "missile": "generic-irbm", "from": "tabriz", "to": "warsaw", "launch_s": 30},
            {"id": "t4", "missile": "generic-irbm", "from": "kermanshah", "to": "athens", "launch_s": 45},
            {"id": "t5", "missile": "generic-irbm", "from": "semnan", "to": "sofia", "launch_s": 60},
            {"id": "t6", "missile": "sejjil-2", "from": "khorramabad", "to": "istanbul", "launch_s": 75},
        ],
    }


BUILTIN = ("iran-europe",)
"""Names of the built-in scenarios."""


def builtin_scenario(name: str) -> Scenario:
    """A built-in scenario by name (see :data:`BUILTIN`)."""
    if name != "iran-europe":
        raise InputError(f"unknown scenario {name!r}; built in: {', '.join(BUILTIN)}", "scenario")
    return Scenario.model_validate(_iran_europe())


def _one_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "scenario"
    msg = err["msg"].removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{loc}: {msg}{more}"


def parse_scenario(data: Any, argument: str = "scenario") -> Scenario:
    """Validate a mapping as a :class:`Scenario`; errors are :class:`InputError` naming the field."""
    if not isinstance(data, dict):
        raise InputError("a scenario is a YAML mapping with parties and threats", argument)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(_one_line(exc), argument) from None


def load_scenario(source: str | Path, argument: str = "scenario") -> Scenario:
    """A built-in scenario name or a YAML file path."""
    if str(source) in BUILTIN:
        return builtin_scenario(str(source))
    path = Path(source)
    if not path.is_file():
        raise InputError(f"no scenario file {str(source)!r} (built in: {', '.join(BUILTIN)})", argument)
    return validate(Scenario, load_yaml(path.read_text(encoding="utf-8"), str(path)), "scenario")


def check_names(scenario: Scenario, catalog) -> None:
    """Check every catalog name in the scenario; raise :class:`InputError` naming the field."""
    from openbmd.sensors import sensor_posts

    for pname, party in scenario.parties.items():
        for k, s in enumerate(party.sensors):
            sensor_posts(catalog, [s], argument=f"parties.{pname}.sensors.{k}")
    for k, t in enumerate(scenario.threats):
        for field, value, fn in (("missile", t.missile, catalog.missile), ("from", t.origin, None),
                                 ("to", t.target, None)):
            arg = f"threats.{k}.{field}"
            try:
                fn(value) if fn else catalog.point(value, arg)
            except InputError as exc:
                raise InputError(str(exc).removeprefix(f"{exc.argument}: ") if exc.argument else str(exc),
                                 arg) from None
