"""Read YAML input files so that every fault names the file, line, column and field.

>>> from pydantic import BaseModel, ConfigDict
>>> class Battery(BaseModel):
...     model_config = ConfigDict(extra="forbid")
...     inventory: int
>>> doc = load_yaml("inventroy: 4\\n", "b.yaml")
>>> try:
...     validate(Battery, doc)
... except InputError as exc:
...     print(exc)
b.yaml:1:1: inventroy: unknown key; did you mean 'inventory'?
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from openbmd.errors import InputError

M = TypeVar("M", bound=BaseModel)
Path_ = tuple[Any, ...]

_Safe: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it


class _Loader(_Safe):  # type: ignore[misc, valid-type]
    """A safe YAML loader that refuses a key repeated within one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} repeated", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class FileInputError(InputError):
    """A fault in an input file, printed as ``file:line:column: field: message``."""

    def __init__(self, message: str, file: str, line: int | None = None, column: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message, field)
        self.file, self.line, self.column, self.field = file, line, column, field

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        return ": ".join(p for p in (where, self.field, self.args[0]) if p)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document with the ``(line, column)`` (1-based) of every key and value."""

    data: Any
    file: str
    values: dict[Path_, tuple[int, int]]
    keys: dict[Path_, tuple[int, int]]

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int] | None:
        """Position of ``path`` (its key when ``key``), else of its nearest enclosing node."""
        for n in range(len(path), -1, -1):
            marks = self.keys if key and n == len(path) else self.values
            if path[:n] in marks:
                return marks[path[:n]]
        return None

    def error(self, message: str, path: Path_ = (), *, key: bool = False) -> FileInputError:
        """A :class:`FileInputError` at ``path`` (dotted as the field)."""
        pos = self.where(path, key=key) or (None, None)
        return FileInputError(message, self.file, pos[0], pos[1], ".".join(map(str, path)) or None)


def load_yaml(text: str, file: str, *, positions: bool = True) -> YamlDocument:
    """Parse ``text`` (from ``file``, for messages); a syntax error is a :class:`FileInputError` with its place.

    ``positions=False`` skips recording where each key and value stands (a second pass over the text), for
    callers that parse again only when they have a fault to place.
    """
    try:
        node = yaml.compose(text, Loader=_Loader) if positions else None
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise FileInputError(f"not valid YAML: {problem}", file, line, col) from None
    values: dict[Path_, tuple[int, int]] = {}
    keys: dict[Path_, tuple[int, int]] = {}
    if node is not None:
        _walk(node, (), values, keys)
    return YamlDocument(data, file, values, keys)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(node: yaml.Node, path: Path_, values: dict, keys: dict) -> None:
    values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            sub = (*path, k.value)
            keys[sub] = _mark(k)
            _walk(v, sub, values, keys)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _walk(v, (*path, i), values, keys)


def validate(model: type[M], doc: YamlDocument, what: str = "document") -> M:
    """``model`` validated from ``doc``; the first fault as one :class:`FileInputError` line.

    An unknown key is reported before the fields it leaves missing, with the closest field name.
    """
    if not isinstance(doc.data, dict):
        raise doc.error(f"a {what} is a YAML mapping")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        path, message, key = first_fault(model, exc)
        raise doc.error(message, path, key=key) from None


def first_fault(model: type[BaseModel], exc: ValidationError) -> tuple[Path_, str, bool]:
    """The fault to report from a validation of ``model``: ``(path, message, at_key)``.

    An unknown key comes first (with the closest field name, as a misspelling also leaves a field missing);
    ``at_key`` tells that the place to show is the key rather than its value.
    """
    errors = exc.errors(include_url=False)
    extra = [e for e in errors if e["type"] == "extra_forbidden"]
    err = (extra or errors)[0]
    path = tuple(err["loc"])
    more = len(errors) - 1 - (len(_missing_near(errors, path[:-1])) if extra else 0)
    tail = f" (and {more} more)" if more > 0 else ""
    if extra:
        known = _fields_at(model, path[:-1])
        close = difflib.get_close_matches(str(path[-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
        return path, f"unknown key{hint}{tail}", True
    return path, f"{err['msg'].removeprefix('Value error, ')}{tail}", False


def _missing_near(errors: list[dict], parent: Path_) -> list[dict]:
    return [e for e in errors if e["type"] == "missing" and tuple(e["loc"])[:-1] == parent]


def _fields_at(model: type[BaseModel], path: Path_) -> list[str]:
    """Field names (aliases where set) of the model found at ``path`` inside ``model``."""
    ann: Any = model
    for part in path:
        ann = _step(_unwrap(ann), part)
    ann = _unwrap(ann)
    if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
        return []
    return [f.alias or name for name, f in ann.model_fields.items()]


def _unwrap(ann: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` and ``X | None``."""
    while True:
        origin, args = typing.get_origin(ann), typing.get_args(ann)
        if origin is typing.Annotated:
            ann = args[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            ann = rest[0] if len(rest) == 1 else None
        else:
            return ann


def _step(ann: Any, part: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(part, str):
        info = ann.model_fields.get(part) or next((f for f in ann.model_fields.values() if f.alias == part), None)
        return info.annotation if info is not None else None
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
