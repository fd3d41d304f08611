"""RFC 8785 canonical JSON, checked against the RFC's own examples."""

import json
import math
import struct

import pytest

from openbmd.exchange.canonical import CanonicalizationError, canonical_json


def _from_bits(hex_bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(hex_bits))[0]


# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B, ids=[b for b, _ in APPENDIX_B])
def test_number_serialisation_appendix_b(bits, text):
    assert canonical_json(_from_bits(bits)) == text.encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinities_are_refused(bits):
    with pytest.raises(CanonicalizationError):
        canonical_json(_from_bits(bits))


def test_rfc_section_3_2_2_example():
    # Section 3.2.2's input, parsed the way a receiver would.
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    want = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(text)) == want.encode("utf-8")


def test_rfc_section_3_2_3_sorting_by_utf16_code_units():
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    out = canonical_json(obj)
    # U+1F600 is the surrogate pair D83D DE00, so it sorts before U+FB33 in UTF-16.
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert list(json.loads(out)) == order
    assert out.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control",')
    tail = '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    assert out.endswith(tail.encode())


def test_small_values_and_escapes():
    assert canonical_json(-0.0) == b"0"
    assert canonical_json(1e21) == b"1e+21"
    assert canonical_json(1e20) == b"100000000000000000000"
    assert canonical_json(4.50) == b"4.5"
    assert canonical_json(2.0) == b"2"
    assert canonical_json([1, "a", None, True, False, {}, []]) == b'[1,"a",null,true,false,{},[]]'
    assert canonical_json("\u0001\u001f\u007f\u00e9") == '"\\u0001\\u001f\u007f\u00e9"'.encode()
    assert canonical_json({"b": [1, {"d": 1, "c": 2}], "a": "x"}) == b'{"a":"x","b":[1,{"c":2,"d":1}]}'
    assert canonical_json(("t", 1)) == b'["t",1]'


def test_out_of_domain_values_are_refused():
    for bad in (2**53, -(2**53), {1: "non-string key"}, b"bytes", {"x": math.nan}, "\ud800"):
        with pytest.raises(CanonicalizationError):
            canonical_json(bad)
    assert canonical_json(2**53 - 1) == b"9007199254740991"
    assert issubclass(CanonicalizationError, ValueError)


def _random_json(rng, depth: int = 0):
    """A random JSON value mixing the fast path's cases with the ones it hands to the reference."""
    r = rng.random()
    if depth < 4 and r < 0.2:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(6))]
    if depth < 4 and r < 0.35:
        keys = ["a", "b", "B", "aa", "", "\u00e9", "\U0001f600", "\ufb01", "\ue000", "\x00k", "z\n"]
        return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}
    pick = rng.randrange(10)
    if pick == 0:
        return rng.choice([0.0, -0.0, 1e-4, -1e-4, 9.999e-5, 1e-7, 1e16, 1e21, 2.0**53, -(2.0**53), 2.0**52 + 0.5,
                           5e-324, 0.30000000000000004, math.inf, math.nan])
    if pick == 1:
        return rng.choice([0, -1, 2**53 - 1, -(2**53 - 1), 2**53, 10**16, True, False, None])
    if pick == 2:
        return rng.choice(["", "x", "\u0000\b\f\n\r\t\u000b\u001f\u007f", '"\\/', "\u00e9\u2028", "\U0001f600",
                           "\ud800"])
    if pick == 3:
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]  # any bit pattern
    if pick == 4:
        return round(rng.uniform(-1e6, 1e6), rng.randrange(17))  # short decimals, as instruments write
    if pick == 5:
        return float(rng.randrange(-10**6, 10**6))
    return rng.uniform(-1.0, 1.0) * 10.0 ** rng.randrange(-8, 20)


def test_fast_path_writes_the_reference_bytes_for_random_values():
    import random

    import rfc8785

    rng = random.Random(8785)
    for _ in range(20_000):
        value = _random_json(rng)
        try:
            want = rfc8785.dumps(value)
        except CanonicalizationError:
            with pytest.raises(CanonicalizationError):
                canonical_json(value)
            continue
        assert canonical_json(value) == want, value
