"""Read catalog YAML files into validated entries.

Each file is a mapping ``{kind: missile|interceptor|sensor|place, entries: [...]}``,
optionally with a ``description``, and ``overrides: true`` to let its entries replace same-named
entries (of the same kind) loaded before it; without it a repeated name is an error. Any fault becomes one :class:`CatalogError`
line naming the file, the entry and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from openbmd.catalog.lookup import Catalog, CatalogError
from openbmd.catalog.models import ENTRY_TYPES, Entry
from openbmd.yamlio import FileInputError, first_fault, load_yaml

_FILE_KEYS = frozenset({"kind", "entries", "description", "overrides"})


def load_catalog(extra_files: Iterable[Path | str] = ()) -> Catalog:
    """Load the shipped ``data/*.yaml`` plus ``extra_files`` into a :class:`Catalog`.

    Raises :class:`CatalogError` (an ``InputError``) for a malformed file, a bad
    entry, a duplicate name or a reference to an unknown name.
    """
    entries: list[Entry] = []
    origins: list[str] = []
    data_dir = resources.files("openbmd.catalog") / "data"
    shipped = sorted((p for p in data_dir.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    for item in shipped:
        _extend(entries, origins, item.name, item.read_text(encoding="utf-8"))
    for path in extra_files:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
        _extend(entries, origins, str(path), text)
    return Catalog(entries, origins)


def parse_entries(file: str, text: str) -> list[Entry]:
    """Validate one file's YAML ``text``; ``file`` names it in error messages."""
    return _parse(file, text)[0]


def _parse(file: str, text: str) -> tuple[list[Entry], bool]:
    """The file's entries and its ``overrides`` flag."""
    try:
        doc = load_yaml(text, file, positions=False).data
    except FileInputError as exc:
        raise CatalogError(f"not valid YAML: {exc.args[0].removeprefix('not valid YAML: ')}", file=file,
                           line=exc.line, column=exc.column) from None
    if not isinstance(doc, dict) or "kind" not in doc or "entries" not in doc:
        raise CatalogError("expected a mapping with 'kind' and 'entries'", file=file)
    unknown = set(doc) - _FILE_KEYS
    if unknown:
        raise CatalogError(f"unexpected top-level key(s) {', '.join(sorted(map(str, unknown)))}", file=file)
    overrides = doc.get("overrides", False)
    if not isinstance(overrides, bool):
        raise CatalogError("'overrides' must be true or false", file=file)
    cls = ENTRY_TYPES.get(doc["kind"])
    if cls is None:
        raise CatalogError(f"unknown kind {doc['kind']!r}; use one of {', '.join(ENTRY_TYPES)}", file=file)
    raw = doc["entries"] or []
    if not isinstance(raw, list):
        raise CatalogError("'entries' must be a list", file=file)
    out: list[Entry] = []
    for index, item in enumerate(raw):
        label = _entry_label(item, index)
        if not isinstance(item, dict):
            raise CatalogError("an entry must be a mapping", file=file, entry=label)
        try:
            out.append(cls.model_validate(item))
        except ValidationError as exc:
            path, message, key = first_fault(cls, exc)
            line, column = load_yaml(text, file).where(("entries", index, *path), key=key) or (None, None)
            raise CatalogError(message, file=file, entry=label, field=".".join(map(str, path)) or None,
                               line=line, column=column) from None
    return out, overrides


def _extend(entries: list[Entry], origins: list[str], file: str, text: str) -> None:
    parsed, overrides = _parse(file, text)
    if overrides:
        new = {e.name: e for e in parsed}
        for i in reversed(range(len(entries))):
            old = entries[i]
            if old.name in new:
                if old.kind != new[old.name].kind:
                    raise CatalogError(f"overrides {old.name!r} (kind {old.kind}, in {origins[i]}) with an entry "
                                       f"of kind {new[old.name].kind}", file=file, entry=old.name)
                del entries[i], origins[i]
    entries.extend(parsed)
    origins.extend([file] * len(parsed))


def _entry_label(item: Any, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return name if isinstance(name, str) and name else f"#{index}"
