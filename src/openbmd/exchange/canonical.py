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

import json
import math
from typing import Any

import rfc8785
from rfc8785 import CanonicalizationError

__all__ = ["CanonicalizationError", "canonical_json"]

_MAX_SAFE = 2**53 - 1
_ENCODE = json.encoder.c_make_encoder(  # one C encoder, reused: JSONEncoder.encode builds one per call
    None, None, json.encoder.encode_basestring, None, ":", ",", True, False, False,
) if json.encoder.c_make_encoder is not None else None
_ENCODE_PY = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


class _Slow(Exception):
    pass


def _number(x: Any) -> Any:
    """A float made safe for Python's encoder (see :func:`_prepare`), or :class:`_Slow`."""
    if x - x != 0.0:  # inf or nan
        raise _Slow
    if x.is_integer():
        if -_MAX_SAFE <= x <= _MAX_SAFE:  # below 2**53 the shortest digits are the whole integer
            return int(x)
        raise _Slow
    if -1e-4 < x < 1e-4:
        raise _Slow
    return x


def _prepare(x: Any) -> Any:
    """``x`` with every float made safe for Python's encoder, or :class:`_Slow`.

    Python's ``json`` writes the same bytes as RFC 8785 when object keys are ASCII (code-point
    order is then UTF-16 order), integers are safe, and every float is either an integer below
    2**53 in magnitude (written as the integer, as ECMAScript does) or at least 1e-4 in magnitude (``repr``
    then has no exponent and its shortest round-trip digits are ECMAScript's). Anything else
    takes the reference path. Scalars inside containers are checked in line (this runs for
    every field of every message).
    """
    t = type(x)
    if t is dict:
        out = {}
        for k, v in x.items():
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
        for v in x:
            tv = type(v)
            if tv is float:
                items.append(_number(v))
            elif tv is str or v is None or tv is bool:
                items.append(v)
            elif tv is int:
                if not -_MAX_SAFE <= v <= _MAX_SAFE:
                    raise _Slow
                items.append(v)
            else:
                items.append(_prepare(v))
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


def _encode(obj: Any) -> str:
    if _ENCODE is None:
        return _ENCODE_PY(obj)
    if type(obj) is str:
        return json.encoder.encode_basestring(obj)
    return "".join(_ENCODE(obj, 0))


def canonical_json(obj: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of the JSON value ``obj``.

    Common messages take a fast path through Python's C encoder (see :func:`_prepare`); the
    ``rfc8785`` package handles everything else and is the reference the tests compare against.
    """
    try:
        return _encode(_prepare(obj)).encode("utf-8")
    except (_Slow, UnicodeEncodeError, RecursionError):
        return rfc8785.dumps(obj)
