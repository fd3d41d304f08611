"""Fuzzing: the canonical JSON fast path, the message schema, mutated envelopes, the HTTP API,
and concurrent writers on both databases."""

from __future__ import annotations

import json
import threading
import warnings
from urllib.parse import urlencode

import pytest
import rfc8785
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.commitment import CommitmentError, check_opening, commit_body, field_commitment, new_salt
from openbmd.exchange.config import init_data_dir, load_centre_key, party_key_path
from openbmd.exchange.messages import BODY_MODELS, MessageKind, example_body, sign_envelope
from openbmd.exchange.service import Centre, ExchangeError
from openbmd.exchange.storage import open_storage

T0 = 1_767_225_600_000
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])

json_scalars = (st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=30)


@FUZZ
@given(json_values)
def test_canonical_fast_path_matches_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except Exception:  # lone surrogates and the like: both must refuse
        with pytest.raises(Exception):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@FUZZ
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_canonical_floats_match_rfc8785(x):
    assert canonical_json([x, -x, {"a": x}]) == rfc8785.dumps([x, -x, {"a": x}])


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz") / "centre"
    cfg = init_data_dir(data, ["nato", "russia"])
    c = Centre(cfg, open_storage(None, data), load_centre_key(data), clock_ms=lambda: T0)
    yield c, party_key_path(data, "nato").read_bytes()
    c.close()


_seq = iter(range(1, 10**9))


@FUZZ
@given(kind=st.sampled_from([k for k in MessageKind if k != MessageKind.ENGAGEMENT_APPROVAL]),
       path=st.lists(st.sampled_from(["body", "sequence", "timestamp", "sender", "kind", "key_id", "signature",
                                      "commitments", "salts"]),
                     min_size=1, max_size=1),
       field=st.integers(0, 20), value=json_values)
def test_mutated_envelopes_are_refused_cleanly(rig, kind, path, field, value):
    centre, key = rig
    env = sign_envelope(key, "nato", next(_seq), T0, kind, example_body(kind, T0))
    if path[0] in ("body", "commitments", "salts"):
        names = sorted(env[path[0]])
        env[path[0]][names[field % len(names)]] = value
    else:
        env[path[0]] = value
    try:
        centre.validate(json.dumps(env).encode())
    except ExchangeError as exc:
        assert exc.status in (400, 401, 409, 413, 422), exc.to_json()
    # Accepted only if the mutation left a validly signed message (e.g. the same value again).


def _canon(value) -> bytes | None:
    """RFC 8785 bytes, or ``None`` for a value without a canonical form (lone surrogates)."""
    try:
        return canonical_json(value)
    except ValueError:
        return None


field_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
bodies = st.dictionaries(field_names, json_values, min_size=1, max_size=6)


@FUZZ
@given(body=bodies, pick=st.integers(0, 5), other=json_values, hide=st.sets(st.integers(0, 5)))
def test_commitments_open_and_catch_changes(body, pick, other, hide):
    assume(_canon(body) is not None and _canon(other) is not None)
    commitments, salts = commit_body(body)
    check_opening(commitments, body, salts)
    names = sorted(body)
    name = names[pick % len(names)]
    withheld = {names[i % len(names)] for i in hide}
    check_opening(commitments, {k: v for k, v in body.items() if k not in withheld},
                  {k: v for k, v in salts.items() if k not in withheld}, withheld)
    if _canon(other) != _canon(body[name]):
        with pytest.raises(CommitmentError) as e:
            check_opening(commitments, dict(body, **{name: other}), salts)
        assert e.value.field == name
    with pytest.raises(CommitmentError) as e:  # another salt opens nothing (2**-128 aside)
        check_opening(commitments, body, dict(salts, **{name: new_salt()}))
    assert e.value.field == name
    with pytest.raises(CommitmentError):  # a field left out without being declared withheld
        check_opening(commitments, {k: v for k, v in body.items() if k != name}, salts)
    assert field_commitment(name, salts[name], body[name]) == commitments[name]


@FUZZ
@given(kind=st.sampled_from([k for k in MessageKind if k != MessageKind.ENGAGEMENT_APPROVAL]),
       pick=st.integers(0, 20), value=json_values)
def test_centre_refuses_bodies_that_do_not_open(rig, kind, pick, value):
    """A signed message whose body value is changed: refused by the schema or as a bad commitment
    naming the field, unless the new value has the same canonical form."""
    centre, key = rig
    env = sign_envelope(key, "nato", next(_seq), T0, kind, example_body(kind, T0))
    names = sorted(env["body"])
    name = names[pick % len(names)]
    same = _canon(value) == _canon(env["body"][name])
    env["body"][name] = value
    try:
        centre.validate(json.dumps(env).encode())
    except ExchangeError as exc:
        assert (exc.status, exc.code) in ((422, "schema"), (401, "bad_commitment")), exc.to_json()
        if exc.code == "bad_commitment":
            assert exc.details == {"field": name} and name in exc.message
        return
    assert same


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_are_refused_cleanly(rig, data):
    centre, _ = rig
    with pytest.raises(ExchangeError) as e:
        centre.validate(data)
    assert e.value.status in (400, 401, 413, 422)


@FUZZ
@given(st.integers(0, 85), st.sampled_from("ABCDEFGHabcdefgh0123456789+/"))
def test_mutated_signatures_fail(rig, pos, ch):
    centre, key = rig
    env = sign_envelope(key, "nato", next(_seq), T0, "track_report", example_body("track_report", T0))
    sig = env["signature"]
    if sig[pos] == ch:
        return
    env["signature"] = sig[:pos] + ch + sig[pos + 1:]
    with pytest.raises(ExchangeError) as e:
        centre.validate(json.dumps(env).encode())
    assert (e.value.status, e.value.code) in ((401, "bad_signature"),)


@FUZZ
@given(st.sampled_from(list(MessageKind)), st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_body_schema_never_crashes(kind, body):
    model = BODY_MODELS[kind]
    try:
        model.model_validate_json(json.dumps(body))
    except ValueError:
        pass


def test_deep_nesting_is_refused(rig):
    centre, _ = rig
    for data in (b"[" * 30_000 + b"]" * 30_000, b'{"body":' * 5_000 + b"1" + b"}" * 5_000):
        with pytest.raises(ExchangeError) as e:
            centre.validate(data)
        assert e.value.status in (400, 422)


def test_oversized_and_replayed(rig):
    centre, key = rig
    with pytest.raises(ExchangeError) as e:
        centre.validate(b" " * 100_000)
    assert e.value.status == 413
    seq = next(_seq)
    data = canonical_json(sign_envelope(key, "nato", seq, T0, "track_report", example_body("track_report", T0)))
    centre.submit_wait(data)
    with pytest.raises(ExchangeError) as e:
        centre.submit_wait(data)
    assert e.value.status == 409


def test_concurrent_writers(tmp_path, database):
    """Eight threads race: four parties, two threads each sending the same sequences."""
    data = tmp_path / "centre"
    parties = ["a", "b", "c", "d"]
    cfg = init_data_dir(data, parties)
    centre = Centre(cfg, open_storage(database, data), load_centre_key(data), clock_ms=lambda: T0)
    keys = {p: party_key_path(data, p).read_bytes() for p in parties}
    body = example_body("track_report", T0)
    msgs = {p: [canonical_json(sign_envelope(keys[p], p, s, T0, "track_report", body)) for s in range(1, 41)]
            for p in parties}
    accepted: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def run(p: str) -> None:
        for i, m in enumerate(msgs[p]):
            try:
                r = centre.submit_wait(m)
            except ExchangeError as exc:
                assert exc.status == 409
                continue
            with lock:
                accepted.append((p, i + 1, r.leaf_index))

    threads = [threading.Thread(target=run, args=(p,)) for p in parties for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        size = centre.tree_head().tree_size
        assert size == len(accepted)
        assert sorted(x[2] for x in accepted) == list(range(size))
        for p in parties:
            seqs = sorted(s for q, s, _ in accepted if q == p)
            assert len(seqs) == len(set(seqs)) and seqs[-1] == 40  # no sequence twice, the last one in
    finally:
        centre.close()


# --- schemathesis over the OpenAPI document ----------------------------------------------------

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error


def test_api_never_fails_inside(tmp_path):
    """schemathesis cases from the OpenAPI document, signed as a real party where they read,
    never cause a 5xx. (Driven through hypothesis directly: schemathesis's pytest plugin does not
    run under pytest 9.)"""
    from openbmd.exchange.app import ServiceConfig, create_app
    from openbmd.exchange.auth import sign_request
    from openbmd.exchange.service import wall_clock_ms

    data = tmp_path / "centre"
    init_data_dir(data, ["nato", "russia"])
    app = create_app(ServiceConfig(data))
    key = party_key_path(data, "nato").read_bytes()
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    # The event stream is left out: it is meant to stay open (tests/exchange/test_cli.py covers it).
    ops = [op for op in (r.ok() for r in api.get_all_operations()) if not op.path.endswith("/stream")]
    assert len(ops) >= 8
    seen: dict[int, int] = {}
    try:
        for op in ops:
            @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(op.as_strategy())
            def check(case):
                headers = {}
                if case.method.upper() == "GET" and not case.path.endswith("/health"):
                    target = case.formatted_path + ("?" + urlencode(case.query, doseq=True) if case.query else "")
                    headers = sign_request(key, "nato", "GET", target, wall_clock_ms())
                response = case.call(headers=headers)
                seen[response.status_code] = seen.get(response.status_code, 0) + 1
                case.validate_response(response, checks=[not_a_server_error])
                assert response.status_code < 500, response.text

            check()
    finally:
        app.state.centre.close()
    assert any(200 <= s < 300 for s in seen) and any(400 <= s < 500 for s in seen), seen
