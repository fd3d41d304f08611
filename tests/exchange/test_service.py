"""The centre's HTTP API end to end (in process), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2 for its test client
    from fastapi.testclient import TestClient

from openbmd.exchange.app import ServiceConfig, create_app
from openbmd.exchange.auth import sign_request
from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.client import ClientError, ExchangeClient
from openbmd.exchange.config import CONFIG_FILE, CentreConfig, init_data_dir, load_config, party_key_path
from openbmd.exchange.merkle import MerkleTree, ProofError, leaf_hash
from openbmd.exchange.messages import MessageKind, example_body, leaf_envelope, sign_envelope, signing_payload
from openbmd.exchange.signing import generate_keypair, sign
from openbmd.exchange.storage import StorageError, open_storage
from openbmd.exchange.treehead import b64, check_consistency, check_inclusion, verify_tree_head

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z in Unix ms


class Clock:
    """A settable clock in Unix ms."""

    def __init__(self, t: int = T0) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


def _set_release(data: Path, release: dict) -> CentreConfig:
    cfg = load_config(data).model_dump(mode="json")
    cfg["release"] = release
    new = CentreConfig.model_validate(cfg)
    (data / CONFIG_FILE).write_text(new.model_dump_json())
    return new


@contextmanager
def centre(tmp_path: Path, database: str, parties=("nato", "russia"), release: dict | None = None,
           clock: Clock | None = None, data: Path | None = None):
    clock = clock or Clock()
    data = data or tmp_path / "centre"
    if not (data / CONFIG_FILE).exists():
        init_data_dir(data, list(parties))
    if release is not None:
        _set_release(data, release)
    cfg = load_config(data)
    app = create_app(ServiceConfig(data, database=database, clock_ms=clock))
    with TestClient(app) as tc:
        clients = {p.name: ExchangeClient("http://testserver", p.name, party_key_path(data, p.name).read_bytes(),
                                          centre_public_key=cfg.centre_public_key,
                                          party_keys=cfg.signing_keys(), clock_ms=clock, http=tc)
                   for p in cfg.parties}
        yield tc, clients, clock, cfg


def test_round_trip_and_proofs(tmp_path, database):
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        receipts = [c["nato"].submit(k, example_body(k, T0)) for k in MessageKind
                    if k != MessageKind.ENGAGEMENT_APPROVAL]
        assert [r["leaf_index"] for r in receipts] == list(range(5))
        for r in receipts:
            assert r["tree_head"]["tree_size"] >= r["leaf_index"] + 1
        got = c["russia"].read()
        assert [m["leaf_index"] for m in got["messages"]] == list(range(5))
        head = c["russia"].tree_head()
        verify_tree_head(cfg.centre_public_key, head)
        for m in got["messages"]:
            c["russia"].verify_message(m, head)
        # Every receipt's head is stored and consistent with the latest one.
        for r in receipts:
            held = c["russia"].tree_head(r["tree_head"]["tree_size"])
            assert held.model_dump() == r["tree_head"]
            c["russia"].verify_head(held)
        p = c["nato"].inclusion(2, 4)
        check_inclusion(p)
        q = c["nato"].consistency(1, 5)
        check_consistency(q)
        assert c["nato"].me() == {"party": "nato", "last_sequence": 5}
        assert c["russia"].me()["last_sequence"] == 0


def test_incremental_read_and_kind_filter(tmp_path, database):
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        for _ in range(3):
            c["nato"].submit("track_report", example_body("track_report", T0))
        c["nato"].submit("threat_assessment", example_body("threat_assessment", T0))
        assert [m["leaf_index"] for m in c["russia"].read(after=1)["messages"]] == [2, 3]
        assert len(c["russia"].read(kind="threat_assessment")["messages"]) == 1
        assert len(c["russia"].read(limit=2)["messages"]) == 2


def _raw_post(tc: TestClient, env: dict | bytes):
    data = env if isinstance(env, bytes) else json.dumps(env).encode()
    return tc.post("/v1/messages", content=data, headers={"content-type": "application/json"})


def _key(data: Path, party: str) -> bytes:
    return party_key_path(data, party).read_bytes()


def test_write_path_errors(tmp_path, database):
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        data = tmp_path / "centre"
        k = _key(data, "nato")
        body = example_body("track_report", T0)

        def env(seq=1, ts=T0, sender="nato", key=k, kind="track_report", b=body):
            return sign_envelope(key, sender, seq, ts, kind, b)

        def err(r, status, code):
            assert r.status_code == status, r.text
            assert r.json()["error"]["code"] == code, r.text

        err(_raw_post(tc, b"{not json"), 400, "bad_json")
        err(_raw_post(tc, b"[1,2]"), 400, "bad_json")
        err(_raw_post(tc, b"x" * 70_000), 413, "too_large")
        e = env(); e["body"] = dict(body, quality=2.0)
        err(_raw_post(tc, e), 422, "schema")
        e = env(); e["extra"] = 1
        err(_raw_post(tc, e), 422, "schema")
        err(_raw_post(tc, env(sender="mars")), 401, "unknown_party")
        other, _ = generate_keypair()
        err(_raw_post(tc, env(key=other)), 401, "unknown_key")
        e = env(); e["body"] = dict(body, quality=0.5)  # altered after signing
        err(_raw_post(tc, e), 401, "bad_commitment")
        e = env(); e["commitments"]["quality"] = e["commitments"]["track_id"]  # signed part altered
        err(_raw_post(tc, e), 401, "bad_signature")
        e = env(); e["timestamp"] += 1
        err(_raw_post(tc, e), 401, "bad_signature")
        err(_raw_post(tc, env(b=dict(body, quality=2.0))), 422, "schema")  # signed, but off the schema
        e = env(); e["sender"] = "russia"  # claims another party with a key that is not russia's
        err(_raw_post(tc, e), 401, "unknown_key")
        err(_raw_post(tc, env(ts=T0 - 400_000)), 422, "stale_timestamp")
        err(_raw_post(tc, env(ts=T0 + 400_000)), 422, "future_timestamp")
        assert _raw_post(tc, env(seq=5)).status_code == 201
        err(_raw_post(tc, env(seq=5)), 409, "replayed_sequence")
        err(_raw_post(tc, env(seq=3)), 409, "replayed_sequence")
        assert _raw_post(tc, env(seq=6)).status_code == 201
        assert c["russia"].tree_head().tree_size == 2


def test_read_auth(tmp_path, database):
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        data = tmp_path / "centre"
        k = _key(data, "nato")

        def code(r):
            return r.status_code, r.json()["error"]["code"]

        assert code(tc.get("/v1/tree-head")) == (401, "missing_auth")
        h = sign_request(k, "nato", "GET", "/v1/tree-head", clock())
        assert tc.get("/v1/tree-head", headers=h).status_code == 200
        assert code(tc.get("/v1/tree-head", headers=h)) == (401, "replayed_request")
        h = sign_request(k, "nato", "GET", "/v1/tree-head", clock())
        assert code(tc.get("/v1/messages", headers=h)) == (401, "bad_signature")  # signed another target
        h = sign_request(k, "russia", "GET", "/v1/tree-head", clock())
        assert code(tc.get("/v1/tree-head", headers=h)) == (401, "unknown_key")
        h = sign_request(k, "nato", "GET", "/v1/tree-head", clock() - 10**6)
        assert code(tc.get("/v1/tree-head", headers=h)) == (401, "clock_skew")
        h = sign_request(k, "nato", "GET", "/v1/messages?limit=0", clock())
        assert code(tc.get("/v1/messages?limit=0", headers=h)) == (422, "schema")


def test_release_policy_kinds_fields_and_parity(tmp_path, database):
    release = {"parity": True, "rules": [
        # nato -> russia: tracks without covariance, and threat assessments.
        {"sender": "nato", "recipient": "russia", "kind": "track_report", "omit_fields": ["covariance_si"]},
        {"sender": "nato", "recipient": "russia", "kind": "threat_assessment"},
        # russia -> nato: tracks only. So under parity russia gets no threat assessments...
        {"sender": "russia", "recipient": "nato", "kind": "track_report"},
        # china releases everything tracked to nato, nato nothing to china: parity blocks it.
        {"sender": "china", "recipient": "nato", "kind": "track_report"},
    ]}
    with centre(tmp_path, database, parties=("nato", "russia", "china"), release=release) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", example_body("track_report", T0))        # 0
        c["nato"].submit("threat_assessment", example_body("threat_assessment", T0))  # 1
        c["russia"].submit("track_report", example_body("track_report", T0))      # 2
        c["china"].submit("track_report", example_body("track_report", T0))       # 3
        c["nato"].submit("launch_detection_report", example_body("launch_detection_report", T0))  # 4

        ru = c["russia"].read()["messages"]
        assert [m["leaf_index"] for m in ru] == [0, 2]  # threat assessment blocked by parity
        assert ru[0]["withheld_fields"] == ["covariance_si"]
        assert "covariance_si" not in ru[0]["envelope"]["body"]
        assert "r_ecef_m" in ru[0]["envelope"]["body"]
        assert "covariance_si" not in ru[0]["envelope"]["salts"]
        c["russia"].verify_message(ru[0], c["russia"].tree_head())  # redacted, and still verifiable
        na = c["nato"].read()["messages"]
        assert [m["leaf_index"] for m in na] == [0, 1, 2, 4]  # own messages in full; china blocked by parity
        assert na[0]["withheld_fields"] == []
        assert [m["leaf_index"] for m in c["china"].read()["messages"]] == [3]
        # Proofs and single reads follow the policy too.
        with pytest.raises(ClientError) as e:
            c["russia"].inclusion(1)
        assert e.value.status == 403
        with pytest.raises(ClientError) as e:
            c["russia"].get("/v1/messages/4")
        assert e.value.status == 404
        assert c["russia"].get("/v1/messages/2")["leaf_index"] == 2


def test_parity_off_releases_by_rule(tmp_path, database):
    release = {"parity": False, "rules": [{"sender": "china", "recipient": "nato", "kind": "track_report"}]}
    with centre(tmp_path, database, parties=("nato", "china"), release=release) as (tc, c, clock, cfg):
        c["china"].submit("track_report", example_body("track_report", T0))
        assert len(c["nato"].read()["messages"]) == 1
        assert c["china"].read()["messages"][0]["leaf_index"] == 0
        c["nato"].submit("track_report", example_body("track_report", T0))
        assert [m["leaf_index"] for m in c["china"].read()["messages"]] == [0]


def _propose(c, clock, required=("nato", "russia"), expires_in=60_000):
    body = dict(example_body("engagement_proposal", clock()), required_parties=list(required),
                expires_unix_ms=clock() + expires_in)
    return c["nato"].submit("engagement_proposal", body)["leaf_index"]


def _answer(c, who, leaf, decision="approve"):
    body = dict(example_body("engagement_approval"), proposal_leaf_index=leaf, decision=decision)
    return c[who].submit("engagement_approval", body)


def test_joint_decision_needs_every_required_party(tmp_path, database):
    with centre(tmp_path, database, parties=("nato", "russia", "china")) as (tc, c, clock, cfg):
        leaf = _propose(c, clock, ("nato", "russia", "china"))
        d = c["russia"].decision(leaf)
        assert d["status"] == "pending" and d["approvals"] == {"nato": leaf}
        assert sorted(d["pending"]) == ["china", "russia"]
        _answer(c, "russia", leaf)
        assert c["nato"].decision(leaf)["status"] == "pending"
        _answer(c, "china", leaf)
        d = c["nato"].decision(leaf)
        assert d["status"] == "approved" and set(d["approvals"]) == {"nato", "russia", "china"}

        leaf2 = _propose(c, clock, ("nato", "russia"))
        _answer(c, "russia", leaf2, "reject")
        assert c["china"].decision(leaf2)["status"] == "rejected"

        leaf3 = _propose(c, clock, ("nato", "russia"), expires_in=1_000)
        clock.t += 5_000
        assert c["nato"].decision(leaf3)["status"] == "expired"


def test_approval_checks(tmp_path, database):
    with centre(tmp_path, database, parties=("nato", "russia", "china")) as (tc, c, clock, cfg):
        leaf = _propose(c, clock, ("nato", "russia"))
        track = c["nato"].submit("track_report", example_body("track_report", T0))["leaf_index"]
        for who, target, status, code in [("china", leaf, 403, "not_required"),
                                          ("russia", track, 422, "bad_approval"),
                                          ("russia", 999, 422, "bad_approval")]:
            with pytest.raises(ClientError) as e:
                _answer(c, who, target)
            assert (e.value.status, e.value.code) == (status, code)
        body = dict(example_body("engagement_approval"), proposal_leaf_index=leaf, proposal_id="other")
        with pytest.raises(ClientError) as e:
            c["russia"].submit("engagement_approval", body)
        assert e.value.code == "bad_approval"


def test_restart_recovers_log_and_sequences(tmp_path, database):
    heads = []
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        for _ in range(5):
            heads.append(c["nato"].submit("track_report", example_body("track_report", T0))["tree_head"])
    with centre(tmp_path, database, data=tmp_path / "centre") as (tc, c, clock, cfg):
        latest = c["russia"].tree_head()
        assert latest.tree_size == 5
        for h in heads:
            assert c["russia"].tree_head(h["tree_size"]).model_dump() == h
        assert c["nato"].me()["last_sequence"] == 5
        assert c["nato"].submit("track_report", example_body("track_report", T0))["leaf_index"] == 5
        stored = c["russia"].read()["messages"]
        leaves = [leaf_hash(canonical_json(leaf_envelope(m["envelope"]))) for m in stored]
        assert b64(MerkleTree(leaves).root()) == c["russia"].tree_head().root_hash


def test_tampering_is_detected_at_start(tmp_path):
    db = str(tmp_path / "t.sqlite3")
    with centre(tmp_path, db) as (tc, c, clock, cfg):
        for _ in range(3):
            c["nato"].submit("track_report", example_body("track_report", T0))
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("UPDATE messages SET leaf_hash = ? WHERE leaf_index = 1", (leaf_hash(b"forged"),))
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="altered"):
        create_app(ServiceConfig(tmp_path / "centre", database=db))


def test_storage_released_is_the_policy_gate(tmp_path):
    """The policy is applied by Storage.released, whatever the caller."""
    data = tmp_path / "centre"
    with centre(tmp_path, str(tmp_path / "s.sqlite3"), parties=("nato", "russia"),
                release={"parity": False, "rules": []}) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", example_body("track_report", T0))
    s = open_storage(str(tmp_path / "s.sqlite3"), data)
    try:
        assert s.released("russia", load_config(data).release) == []
        assert len(s.released("nato", load_config(data).release)) == 1
    finally:
        s.close()


def test_openapi_documents_the_envelope(tmp_path):
    with centre(tmp_path, str(tmp_path / "o.sqlite3")) as (tc, c, clock, cfg):
        spec = tc.get("/openapi.json").json()
    body = spec["paths"]["/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SignedEnvelope"}
    schemas = spec["components"]["schemas"]
    assert "TrackReport" in schemas and "r_ecef_m" in schemas["TrackReport"]["properties"]
    for s in ("401", "409", "413", "422"):
        assert s in spec["paths"]["/v1/messages"]["post"]["responses"]


def test_one_centre_per_database(tmp_path, database):
    first = open_storage(database, tmp_path)
    try:
        if database.startswith("postgresql"):
            from openbmd.exchange.store_postgres import PostgresStorage

            with pytest.raises(StorageError, match="another centre"):
                PostgresStorage(database.split("?")[0], schema=first.schema, lock_wait_s=0.2)
        else:
            from openbmd.exchange.store_sqlite import SqliteStorage

            with pytest.raises(StorageError, match="another centre"):
                SqliteStorage(Path(database), lock_wait_s=0.2)
    finally:
        first.close()
    open_storage(database, tmp_path).close()  # free again once closed


def _read_stream(tc, tmp_path, clock, target: str) -> tuple:
    """GET a server-sent-event stream as russia; return the response and its decoded events."""
    h = sign_request(_key(tmp_path / "centre", "russia"), "russia", "GET", target, clock())
    r = tc.get(target, headers=h)
    assert r.status_code == 200
    return r, [json.loads(x[6:]) for x in r.text.splitlines() if x.startswith("data: ")]


def test_event_stream_ends_after_max_s(tmp_path):
    with centre(tmp_path, str(tmp_path / "e.sqlite3")) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", example_body("track_report", T0))
        r, events = _read_stream(tc, tmp_path, clock, "/v1/messages/stream?after=-1&poll_s=0.05&max_s=0.3")
    assert r.headers["content-type"].startswith("text/event-stream")
    assert [e["leaf_index"] for e in events] == [0]
    assert "id: 0" in r.text


def _track(track_id: str, t_ms: int, dr: float = 0.0, sigma_m: float = 100.0) -> dict:
    body = example_body("track_report", t_ms)
    body["track_id"] = track_id
    body["r_ecef_m"] = [body["r_ecef_m"][0] + dr, body["r_ecef_m"][1], body["r_ecef_m"][2]]
    body["covariance_si"] = [[(sigma_m ** 2 if i < 3 else 25.0) if i == j else 0.0 for j in range(6)]
                             for i in range(6)]
    return body


def test_fused_picture_per_party(tmp_path):
    release = {"parity": False, "rules": [
        {"sender": "nato", "recipient": "russia", "kind": "track_report"},
        {"sender": "russia", "recipient": "nato", "kind": "track_report"},
        {"sender": "china", "recipient": "nato", "kind": "track_report", "omit_fields": ["covariance_si"]},
    ]}
    with centre(tmp_path, str(tmp_path / "p.sqlite3"), parties=("nato", "russia", "china"),
                release=release) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", _track("n1", T0, 0.0, 300.0))
        c["russia"].submit("track_report", _track("r7", T0, 150.0, 100.0))
        c["china"].submit("track_report", _track("c3", T0, -100.0, 50.0))
        pic = c["nato"].get("/v1/picture")
        assert pic["time_unix_ms"] == T0 and pic["tree_size"] == 3
        assert len(pic["tracks"]) == 1  # china's report has no covariance for nato: not fused
        t = pic["tracks"][0]
        assert sorted(map(tuple, t["members"])) == [("nato", "n1"), ("russia", "r7")]
        w = [1.0] * 3 + [300.0 ** 2] * 3  # the fusion's measure: velocity weighted by (300 s)^2
        fused = sum(w[i] * t["covariance_si"][i][i] for i in range(6))
        assert fused <= (3 * 100.0 ** 2 + 3 * 25.0 * 300.0 ** 2) * 1.001  # never worse than the better input
        assert c["china"].get("/v1/picture")["tracks"][0]["members"] == [["china", "c3"]]  # nothing released to it


def test_picture_stream(tmp_path):
    with centre(tmp_path, str(tmp_path / "ps.sqlite3")) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", _track("n1", T0))
        _, pics = _read_stream(tc, tmp_path, clock, "/v1/picture/stream?poll_s=0.1&max_s=0.3")
    assert len(pics) == 1 and pics[0]["tracks"][0]["members"] == [["nato", "n1"]]


_REDACT = {"parity": False, "rules": [
    {"sender": "nato", "recipient": "russia", "kind": "track_report", "omit_fields": ["covariance_si"]}]}


def _distinctive_track() -> dict:
    body = _track("n1", T0, 0.0, 123.456789)
    body["covariance_si"][0][0] = 98765.4321
    return body


def test_redacted_message_verifies_end_to_end(tmp_path, database):
    with centre(tmp_path, database, release=_REDACT) as (tc, c, clock, cfg):
        msg = c["nato"].sign("track_report", _distinctive_track())
        c["nato"].submit_envelope(msg)
        m = c["russia"].read()["messages"][0]
        assert m["withheld_fields"] == ["covariance_si"]
        env = m["envelope"]
        assert set(env["commitments"]) == set(msg["body"])  # every commitment is signed and released
        assert set(env["body"]) == set(env["salts"]) == set(msg["body"]) - {"covariance_si"}
        head = c["russia"].tree_head()
        c["russia"].verify_message(m, head)  # signature, released fields, inclusion
        c["nato"].verify_message(c["nato"].read()["messages"][0], head)  # the sender's full copy too


def test_withheld_value_and_salt_never_leave_storage(tmp_path, database):
    with centre(tmp_path, database, release=_REDACT) as (tc, c, clock, cfg):
        msg = c["nato"].sign("track_report", _distinctive_track())
        c["nato"].submit_envelope(msg)
        secret_salt = msg["salts"]["covariance_si"]
        texts = []
        for target in ("/v1/messages", "/v1/messages/0", "/v1/messages/stream?poll_s=0.05&max_s=0.2"):
            h = sign_request(_key(tmp_path / "centre", "russia"), "russia", "GET", target, clock())
            r = tc.get(target, headers=h)
            assert r.status_code == 200
            texts.append(r.text)
        assert "covariance_si" in texts[0]  # its commitment and its name in withheld_fields
        for text in texts:
            assert secret_salt not in text
            assert "98765" not in text and "15241.57" not in text  # the withheld covariance values
            assert msg["salts"]["quality"] in text  # a released field's salt is there


def test_reader_detects_tampering(tmp_path, database):
    import copy

    from openbmd.exchange.commitment import CommitmentError, field_commitment, new_salt
    from openbmd.exchange.signing import SignatureError

    with centre(tmp_path, database, release=_REDACT) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", _distinctive_track())
        good = c["russia"].read()["messages"][0]
        head = c["russia"].tree_head()
        c["russia"].verify_message(good, head)

        def tampered(change, error):
            m = copy.deepcopy(good)
            change(m["envelope"])
            with pytest.raises(error):
                c["russia"].verify_message(m, head)

        def forge_commitment(e):  # a consistent new value, salt and commitment: the signature breaks
            e["body"]["quality"], e["salts"]["quality"] = 0.5, new_salt()
            e["commitments"]["quality"] = field_commitment("quality", e["salts"]["quality"], 0.5)

        tampered(lambda e: e["body"].update(quality=0.5), CommitmentError)
        tampered(lambda e: e["body"]["r_ecef_m"].__setitem__(0, 1.0), CommitmentError)
        tampered(lambda e: e["salts"].update(quality=new_salt()), CommitmentError)
        tampered(lambda e: e["salts"].pop("quality"), CommitmentError)
        tampered(lambda e: e["body"].pop("quality"), CommitmentError)  # dropped without saying so
        tampered(forge_commitment, SignatureError)
        tampered(lambda e: e["commitments"].pop("covariance_si"), SignatureError)
        tampered(lambda e: e.update(sequence=e["sequence"] + 1), SignatureError)
        c["nato"].submit("track_report", _distinctive_track())
        other = c["russia"].read()["messages"][1]
        other["envelope"] = good["envelope"]  # a genuine message offered under another leaf's proof
        with pytest.raises(ProofError):
            c["russia"].verify_message(other, c["russia"].tree_head())


def test_centre_refuses_body_that_does_not_open_commitments(tmp_path, database):
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        k = _key(tmp_path / "centre", "nato")
        body = example_body("threat_assessment", T0)
        seq = iter(range(1, 100))

        def check(change, field):
            e = sign_envelope(k, "nato", next(seq), T0, "threat_assessment", body)
            change(e)
            r = _raw_post(tc, e)
            assert r.status_code == 401, r.text
            err = r.json()["error"]
            assert err["code"] == "bad_commitment" and err["details"] == {"field": field}
            assert repr(field) in err["message"], err

        check(lambda e: e["body"].update(confidence=0.1), "confidence")
        check(lambda e: e["salts"].update(confidence=e["salts"]["threat_level"]), "confidence")
        check(lambda e: e["salts"].pop("notes"), "notes")
        check(lambda e: e["body"].pop("notes"), "notes")  # committed but not opened
        check(lambda e: (e["body"].pop("notes"), e["salts"].pop("notes")), "notes")
        check(lambda e: e["body"].update(assets_at_risk=["ankara"]), "assets_at_risk")

        def extra(e):  # an opened field that was never committed
            del e["commitments"]["notes"]
            e["signature"] = sign(k, signing_payload(e))

        check(extra, "notes")
        assert c["nato"].tree_head().tree_size == 0


def test_a_proposal_naming_only_its_proposer_is_not_a_joint_decision(tmp_path, database):
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        with pytest.raises(ClientError) as e:
            _propose(c, clock, ("nato",))
        assert (e.value.status, e.value.code) == (422, "unilateral_proposal")
        with pytest.raises(ClientError) as e:
            _propose(c, clock, ("russia",))  # one party, even another one, is not joint either
        assert e.value.code == "unilateral_proposal"
        assert c["nato"].tree_head().tree_size == 0
    data = tmp_path / "centre"
    cfg = load_config(data).model_dump(mode="json")
    (data / CONFIG_FILE).write_text(CentreConfig.model_validate(dict(cfg, min_decision_parties=1)).model_dump_json())
    with centre(tmp_path, database, data=data) as (tc, c, clock, cfg):  # unless the config says otherwise
        leaf = _propose(c, clock, ("nato",))
        assert c["russia"].decision(leaf)["status"] == "approved"


@pytest.mark.parametrize("withheld", ["r_ecef_m", "v_ecef_mps", "time_unix_ms", "track_id", "covariance_si"])
def test_picture_leaves_out_reports_with_a_withheld_field(tmp_path, withheld):
    release = {"parity": False, "rules": [
        {"sender": "nato", "recipient": "russia", "kind": "track_report", "omit_fields": [withheld]}]}
    with centre(tmp_path, str(tmp_path / "w.sqlite3"), release=release) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", _track("n1", T0))
        c["russia"].submit("track_report", _track("r1", T0, 50.0))
        pic = c["russia"].get("/v1/picture")
        assert [t["members"] for t in pic["tracks"]] == [[["russia", "r1"]]]
        assert len(c["nato"].get("/v1/picture")["tracks"]) == 1  # the sender sees its own in full
        lines = cfg.degraded_views()
        assert len(lines) == 1 and withheld in lines[0] and "nato->russia" in lines[0]
