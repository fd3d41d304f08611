"""YAML input faults carry file, line, column and field; an unknown key gets its close match."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from openbmd.yamlio import FileInputError, load_yaml, validate


class _F(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Battery(_F):
    site: str
    inventory: int = Field(ge=0)


class Role(_F):
    p: float = Field(ge=0, le=1)


class Party(_F):
    name: str
    batteries: list[Battery] = []
    roles: dict[Literal["ew", "fc"], Role] = {}
    note: str | None = None


TEXT = """\
name: nato
batteries:
  - site: deveselu
    inventory: 24
  - site: redzikowo
    {key}: {value}
"""


def _fault(key: str = "inventory", value: object = 24, text: str | None = None) -> FileInputError:
    doc = load_yaml(text or TEXT.format(key=key, value=value), "party.yaml")
    with pytest.raises(FileInputError) as info:
        validate(Party, doc, "party")
    return info.value


def test_a_misspelt_key_is_unknown_with_a_close_match_at_its_own_place() -> None:
    e = _fault("inventroy")
    assert (e.file, e.line, e.column, e.field) == ("party.yaml", 6, 5, "batteries.1.inventroy")
    assert str(e) == "party.yaml:6:5: batteries.1.inventroy: unknown key; did you mean 'inventory'?"


def test_a_bad_value_points_at_the_value() -> None:
    e = _fault("inventory", -3)
    assert (e.line, e.column, e.field) == (6, 16, "batteries.1.inventory")
    assert "greater than or equal to 0" in str(e)


def test_a_missing_field_points_at_the_mapping_that_lacks_it() -> None:
    e = _fault(text="name: nato\nbatteries:\n  - inventory: 3\n")
    assert (e.line, e.column, e.field) == (3, 5, "batteries.0.site")
    assert str(e).endswith("Field required")


def test_unknown_keys_inside_dict_values_and_far_keys_list_the_known_ones() -> None:
    e = _fault(text="name: nato\nroles:\n  ew: {p: 0.2, q: 1}\n")
    assert e.field == "roles.ew.q" and "known keys: p" in str(e) and e.line == 3
    e = _fault(text="name: nato\nzzz: 1\n")
    assert "known keys: name, batteries, roles, note" in str(e) and (e.line, e.column) == (2, 1)


def test_syntax_errors_and_non_mappings_have_a_place_too() -> None:
    with pytest.raises(FileInputError, match=r"^party.yaml:3:1: not valid YAML"):
        load_yaml("name: x\nbatteries: [a\n", "party.yaml")
    e = _fault(text="- just\n- a list\n")
    assert str(e) == "party.yaml:1:1: a party is a YAML mapping"
