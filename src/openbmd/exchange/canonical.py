"""RFC 8785 JSON Canonicalization Scheme (JCS), the byte form that every signature covers.

A thin wrapper over the ``rfc8785`` package (Trail of Bits, Apache-2.0). JCS sorts object keys by
their UTF-16 code units, writes numbers as ECMAScript does (``1e+21``, ``333333333.3333333``,
``-0`` as ``0``), escapes only what JSON requires and emits UTF-8 with no whitespace.

Inputs are plain JSON values: ``dict`` with ``str`` keys, ``list``/``tuple``, ``str``, ``int``,
``float``, ``bool`` and ``None``. Turn pydantic models into such values first
(``model.model_dump(mode="json")``). Integers must lie within ±(2**53 - 1) and floats must be
finite, as I-JSON requires; anything else raises :class:`CanonicalizationError`, a ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import rfc8785
from pydantic_core import PydanticSerializationError, to_json
from rfc8785 import CanonicalizationError

__all__ = ["CanonicalizationError", "canonical_json"]

_MAX_SAFE = 2**53 - 1
_MAX_SAFE_FLOAT = float(_MAX_SAFE)  # exact; comparing a float with a float is the cheap comparison


class _Slow(Exception):
    pass


def _number(x: Any) -> Any:
    """A float made safe for the serialiser (see :func:`_prepare`), or :class:`_Slow`."""
    if x - x != 0.0:  # inf or nan
        raise _Slow
    if x.is_integer():
        if -_MAX_SAFE_FLOAT <= x <= _MAX_SAFE_FLOAT:  # below 2**53 the shortest digits are the whole integer
            return int(x)
        raise _Slow
    if -1e-4 < x < 1e-4:
        raise _Slow
    return x


def _prepare(x: Any) -> Any:
    """``x`` with its object keys in RFC 8785 order and every float made safe, or :class:`_Slow`.

    pydantic-core's ``to_json`` (serde_json) writes the same bytes as RFC 8785 for a value whose
    object keys are ASCII (sorted here: code-point order is then UTF-16 order) and come in that
    order, whose integers are safe, and whose every float is either an integer below 2**53 in
    magnitude (written as the integer, as ECMAScript does) or at least 1e-4 in magnitude (then it
    writes the shortest round-trip digits without an exponent, as ``repr`` and ECMAScript do).
    Strings it escapes as RFC 8785 does. Anything else takes the reference path. Scalars inside
    containers are checked in line (this runs for every field of every message).
    """
    t = type(x)
    if t is dict:
        out = {}
        for k in sorted(x):
            v = x[k]
            if type(k) is not str or not k.isascii():
                raise _Slow
            tv = type(v)
            if tv is str or v is None or tv is bool:
                out[k] = v
            elif tv is float:
                out[k] = _number(v)
            elif tv is int:
                if not -_MAX_SAFE <= v <= _MAX_SAFE:
                    raise _Slow
                out[k] = v
            else:
                out[k] = _prepare(v)
        return out
    if t is list or t is tuple:
        items = []
        append = items.append
        for v in x:
            tv = type(v)
            if tv is float:  # _number, in line: vectors and matrices are lists of floats
                if v.is_integer():  # never for inf or nan
                    if not -_MAX_SAFE_FLOAT <= v <= _MAX_SAFE_FLOAT:
                        raise _Slow
                    append(int(v))
                elif -1e-4 < v < 1e-4 or v - v != 0.0:
                    raise _Slow
                else:
                    append(v)
            elif tv is str or v is None or tv is bool:
                append(v)
            elif tv is int:
                if not -_MAX_SAFE <= v <= _MAX_SAFE:
                    raise _Slow
                append(v)
            else:
                append(_prepare(v))
        return items
    if t is str or x is None or t is bool:
        return x
    if t is float:
        return _number(x)
    if t is int:
        if -_MAX_SAFE <= x <= _MAX_SAFE:
            return x
        raise _Slow
    raise _Slow


def canonical_json(obj: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of the JSON value ``obj``.

    Common messages take a fast path through pydantic-core's serialiser (see :func:`_prepare`);
    the ``rfc8785`` package handles everything else and is the reference the tests compare against.
    """
    try:
        return to_json(_prepare(obj))
    except (_Slow, PydanticSerializationError, TypeError, ValueError, RecursionError):
        return rfc8785.dumps(obj)
