"""The exchange commands against a real server process, through the CLI's error handling."""

from __future__ import annotations

import json

import pytest
import typer

import openbmd.cli
from openbmd.cli.exchange import register

from .serverproc import ServerProcess


@pytest.fixture
def cli(monkeypatch):
    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    register(app)
    monkeypatch.setattr(openbmd.cli, "app", app)
    return openbmd.cli.main


def _json(capsys, main, argv):
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_quick_start(cli, capsys, tmp_path):
    data = tmp_path / "c"
    assert cli(["exchange", "init", str(data), "--parties", "nato,russia"]) == 0
    assert cli(["exchange", "init", str(data), "--parties", "nato,russia"]) == 2
    assert "already exists" in capsys.readouterr().err
    ex = _json(capsys, cli, ["client", "example", "track_report"])
    assert set(ex) == {"kind", "body"}  # unsigned: `submit` commits and signs
    (tmp_path / "t.json").write_text(json.dumps(ex))
    with ServerProcess(data) as srv:
        base = ["--data", str(data), "--url", srv.url]
        r = _json(capsys, cli, ["client", *base, "--as", "nato", "submit", str(tmp_path / "t.json"), "--json"])
        assert r["leaf_index"] == 0 and r["tree_head"]["tree_size"] == 1
        r = _json(capsys, cli, ["client", *base, "--as", "nato", "submit", str(tmp_path / "t.json"), "--json"])
        assert r["leaf_index"] == 1
        got = _json(capsys, cli, ["client", *base, "--as", "russia", "read", "--verify", "--json"])
        assert [m["leaf_index"] for m in got["messages"]] == [0, 1]
        assert got["messages"][0]["envelope"]["body"] == ex["body"]
        assert set(got["messages"][0]["envelope"]["commitments"]) == set(ex["body"])
        first = _json(capsys, cli, ["log", *base, "--as", "russia", "verify", "--json"])  # nothing held yet
        assert first["held"] is None and first["latest"]["tree_size"] == 2  # trust on first use
        assert _json(capsys, cli, ["log", *base, "--as", "russia", "verify", "--json"])["held"]["tree_size"] == 2
        head = _json(capsys, cli, ["log", *base, "--as", "russia", "head", "--json"])
        assert _json(capsys, cli, ["log", "head", *base, "--as", "russia", "--json"]) == head  # options after too
        assert set(head) >= {"tree_size", "root_hash", "timestamp", "signature"} and head["tree_size"] == 2
        p = _json(capsys, cli, ["log", *base, "--as", "russia", "prove", "--leaf", "0", "--size", "2", "--json"])
        assert set(p) == {"leaf_index", "tree_size", "leaf_hash", "proof", "root_hash"} and len(p["proof"]) == 1
        q = _json(capsys, cli, ["log", *base, "--as", "russia", "consistency", "--from", "1", "--to", "2", "--json"])
        assert set(q) == {"first", "second", "proof", "first_root", "second_root"}
        v = _json(capsys, cli, ["log", *base, "--as", "nato", "verify", "--json"])
        assert v["ok"] and v["held"]["tree_size"] == 2
        # A forged held head fails verification with a non-zero exit.
        forged = dict(head, root_hash="A" * 43 + "=")
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        assert cli(["log", *base, "--as", "russia", "verify", "--head", str(tmp_path / "forged.json")]) == 1
        assert "verification failed" in capsys.readouterr().err
        watched = []
        assert cli(["client", *base, "--as", "russia", "watch", "--count", "2", "--interval", "0.1"]) == 0
        watched = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert [m["leaf_index"] for m in watched] == [0, 1]
        pic = _json(capsys, cli, ["client", *base, "--as", "russia", "picture", "--json"])
        assert [m for t in pic["tracks"] for m in t["members"]] == [["nato", "t-0001"]]
        assert cli(["client", *base, "--as", "russia", "picture"]) == 0
        assert "fused picture" in capsys.readouterr().out
        # Bad input: one line, exit 2.
        assert cli(["client", *base, "--as", "mars", "read"]) == 2
        assert "unknown party" in capsys.readouterr().err
        assert cli(["client", "example", "nope"]) == 2
        assert cli(["log", *base, "--as", "russia", "prove", "--leaf", "9", "--json"]) == 1  # refused by centre
        assert "400" in capsys.readouterr().err


def test_keys_new(cli, capsys, tmp_path):
    info = _json(capsys, cli, ["keys", "new", "estonia", "--out", str(tmp_path), "--json"])
    assert len(info["key_id"]) == 16
    assert (tmp_path / "estonia.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "estonia.pub").read_text().strip() == info["public_key"]
    assert cli(["keys", "new", "estonia", "--out", str(tmp_path)]) == 2


def test_server_sent_events(tmp_path):
    from openbmd.exchange.auth import sign_request
    from openbmd.exchange.client import ExchangeClient
    from openbmd.exchange.config import init_data_dir, party_key_path
    from openbmd.exchange.messages import example_body
    from openbmd.exchange.service import wall_clock_ms

    import httpx

    data = tmp_path / "c"
    init_data_dir(data, ["nato", "russia"])
    with ServerProcess(data) as srv:
        nato = ExchangeClient(srv.url, "nato", party_key_path(data, "nato").read_bytes())
        nato.submit("track_report", example_body("track_report", wall_clock_ms()))
        target = "/v1/messages/stream?after=-1"
        headers = sign_request(party_key_path(data, "russia").read_bytes(), "russia", "GET", target, wall_clock_ms())
        got = []
        with httpx.stream("GET", srv.url + target, headers=headers, timeout=10.0) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("data: "):
                    got.append(json.loads(line[6:]))
                    if len(got) == 1:
                        nato.submit("track_report", example_body("track_report", wall_clock_ms()))
                    if len(got) == 2:
                        break
        nato.close()
    assert [m["leaf_index"] for m in got] == [0, 1]


def test_group_options_may_follow_the_subcommand():
    from openbmd.cli.exchange import hoist_group_options

    assert hoist_group_options(["log", "prove", "--leaf", "3", "--data", "D", "--as=russia", "--json"]) == [
        "log", "--data", "D", "--as=russia", "prove", "--leaf", "3", "--json"]
    assert hoist_group_options(["client", "--data", "D", "--as", "nato", "submit", "t.json"]) == [
        "client", "--data", "D", "--as", "nato", "submit", "t.json"]
    assert hoist_group_options(["trajectory", "--data", "x"]) == ["trajectory", "--data", "x"]  # other commands


def test_key_rotation_keeps_what_was_logged_verifiable(cli, capsys, tmp_path):
    from openbmd.exchange.canonical import canonical_json
    from openbmd.exchange.config import party_key_path
    from openbmd.exchange.messages import example_body, sign_envelope
    from openbmd.exchange.service import wall_clock_ms

    import httpx

    data = tmp_path / "c"
    assert cli(["exchange", "init", str(data), "--parties", "nato,russia"]) == 0
    capsys.readouterr()
    ex = _json(capsys, cli, ["client", "example", "track_report"])
    (tmp_path / "t.json").write_text(json.dumps(ex))
    old_nato = party_key_path(data, "nato").read_bytes()

    def session(check):
        with ServerProcess(data) as srv:
            base = ["--data", str(data), "--url", srv.url]
            return check(srv, base)

    def before(srv, base):
        for _ in range(2):
            _json(capsys, cli, ["client", *base, "--as", "nato", "submit", str(tmp_path / "t.json"), "--json"])
        return _json(capsys, cli, ["log", *base, "--as", "russia", "verify", "--json"])["latest"]

    held = session(before)
    kid = _json(capsys, cli, ["keys", "rotate", "--data", str(data), "--json"])["key_id"]
    assert kid != held["key_id"]

    def after_centre(srv, base):
        got = _json(capsys, cli, ["client", *base, "--as", "russia", "read", "--verify", "--json"])["messages"]
        ann = got[-1]
        assert (ann["sender"], ann["kind"], ann["envelope"]["key_id"]) == ("centre", "centre_key", held["key_id"])
        assert ann["envelope"]["body"]["new_key_id"] == kid  # the old key vouches for the new one, in the log
        v = _json(capsys, cli, ["log", *base, "--as", "russia", "verify", "--json"])  # held head: the old key
        assert v["held"] == held and v["latest"]["key_id"] == kid and v["audited"]["messages"] == 3
        r = _json(capsys, cli, ["client", *base, "--as", "nato", "submit", str(tmp_path / "t.json"), "--json"])
        assert r["tree_head"]["key_id"] == kid

    session(after_centre)
    assert cli(["keys", "rotate", "--data", str(data), "--party", "nato"]) == 0
    capsys.readouterr()

    def after_party(srv, base):
        got = _json(capsys, cli, ["client", *base, "--as", "russia", "read", "--verify", "--json"])["messages"]
        assert [m["sender"] for m in got] == ["nato", "nato", "centre", "nato"]  # old-key messages verify
        _json(capsys, cli, ["client", *base, "--as", "nato", "submit", str(tmp_path / "t.json"), "--json"])
        env = sign_envelope(old_nato, "nato", 99, wall_clock_ms(), "track_report", example_body("track_report"))
        r = httpx.post(srv.url + "/v1/messages", content=canonical_json(env))
        assert r.status_code == 401 and r.json()["error"]["code"] == "unknown_key"  # the old key signs no more
        assert _json(capsys, cli, ["client", *base, "--as", "russia", "read", "--verify", "--json"])["messages"][-1][
            "envelope"]["key_id"] != got[0]["envelope"]["key_id"]

    session(after_party)


def test_a_centre_key_swapped_without_announcement_is_refused(tmp_path):
    from openbmd.exchange.config import CENTRE_KEY_FILE, CONFIG_FILE, init_data_dir, write_private_key
    from openbmd.exchange.signing import encode_public_key, generate_keypair

    from .serverproc import start_fails

    data = tmp_path / "c"
    init_data_dir(data, ["nato", "russia"])
    with ServerProcess(data):
        pass
    pem, pub = generate_keypair()
    cfg = json.loads((data / CONFIG_FILE).read_text())
    cfg["retired_centre_keys"] = [cfg["centre_public_key"]]
    cfg["centre_public_key"] = encode_public_key(pub)
    (data / CONFIG_FILE).write_text(json.dumps(cfg))
    write_private_key(data / CENTRE_KEY_FILE, pem)
    code, err = start_fails(data)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "no valid announcement" in err, err


def test_held_head_that_goes_back_is_reported(cli, capsys, tmp_path):
    data = tmp_path / "c"
    assert cli(["exchange", "init", str(data), "--parties", "nato,russia"]) == 0
    capsys.readouterr()
    (tmp_path / "t.json").write_text(json.dumps(_json(capsys, cli, ["client", "example", "track_report"])))
    with ServerProcess(data) as srv:
        base = ["--data", str(data), "--url", srv.url, "--as", "nato"]
        _json(capsys, cli, ["client", *base, "submit", str(tmp_path / "t.json"), "--json"])
        held = _json(capsys, cli, ["log", *base, "head", "--json"])
        (data / "clients" / "nato.head.json").write_text(json.dumps(dict(held, tree_size=5)))  # held: a longer log
        assert cli(["log", *base, "head"]) == 1
        assert "log rewritten" in capsys.readouterr().err


def test_witness_cosigns_consistent_heads_and_reports_a_split_view(cli, capsys, tmp_path):
    import shutil

    from openbmd.exchange.config import load_config
    from openbmd.exchange.signing import load_public_key
    from openbmd.exchange.treehead import TreeHead, verify_cosignature

    data = tmp_path / "c"
    assert cli(["exchange", "init", str(data), "--parties", "nato,russia"]) == 0
    capsys.readouterr()
    (tmp_path / "t.json").write_text(json.dumps(_json(capsys, cli, ["client", "example", "track_report"])))
    with ServerProcess(data) as srv:
        base = ["--data", str(data), "--url", srv.url]
        _json(capsys, cli, ["client", *base, "--as", "nato", "submit", str(tmp_path / "t.json"), "--json"])
        first = _json(capsys, cli, ["log", *base, "--as", "russia", "witness", "--json"])
    fork = tmp_path / "fork"  # the same centre, keys and log, from here on two different histories
    shutil.copytree(data, fork)
    with ServerProcess(data) as a, ServerProcess(fork) as b:
        for srv, where in ((a, data), (b, fork), (b, fork)):
            _json(capsys, cli, ["client", "--data", str(where), "--url", srv.url, "--as", "nato", "submit",
                                str(tmp_path / "t.json"), "--json"])
        second = _json(capsys, cli, ["log", "--data", str(data), "--url", a.url, "--as", "russia", "witness", "--json"])
        assert (first["tree_head"]["tree_size"], second["tree_head"]["tree_size"]) == (1, 2)
        party_key = load_config(data).party("russia").public_keys[0]
        verify_cosignature(load_public_key(party_key), "russia", TreeHead(**second["tree_head"]), second["cosignature"])
        assert cli(["log", "--data", str(data), "--url", b.url, "--as", "russia", "witness"]) == 1
        err = capsys.readouterr().err
        assert "log rewritten" in err and "size 2" in err and "size 3" in err, err
