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
from rfc8785 import CanonicalizationError

__all__ = ["CanonicalizationError", "canonical_json"]


def canonical_json(obj: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of the JSON value ``obj``."""
    return rfc8785.dumps(obj)
