"""``openbmd exchange|keys|serve|client|log``: run a joint exchange centre and talk to it.

Quick start on one machine::

    openbmd exchange init DIR --parties nato,russia
    openbmd serve --data DIR [--port 8470]
    openbmd client example track_report > t.json
    openbmd client --data DIR --as nato submit t.json --json
    openbmd client --data DIR --as russia read --verify --json
    openbmd client --data DIR --as russia picture
    openbmd log --data DIR --as russia verify
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from openbmd.cli.render import console, print_json
from openbmd.cli.resolve import flags
from openbmd.errors import InputError

exchange_app = typer.Typer(help="Set up a joint exchange centre.", no_args_is_help=True)
keys_app = typer.Typer(help="Ed25519 key pairs for parties.", no_args_is_help=True)
client_app = typer.Typer(help="Sign and send messages to a centre, read what it releases to you.",
                         no_args_is_help=True)
log_app = typer.Typer(help="Audit the centre's RFC 9162 Merkle log: heads and proofs.", no_args_is_help=True)

_DEFAULT_URL = "http://127.0.0.1:8470"


# --- exchange init, keys new, serve ------------------------------------------------------------

@exchange_app.command("init")
def init(
    data: Path = typer.Argument(..., help="Data directory to create."),
    parties: str = typer.Option(..., "--parties", help="Comma-separated party names, e.g. nato,russia."),
    no_parity: bool = typer.Option(False, "--no-parity", help="Release by rule only, without parity."),
) -> None:
    """Write a config, a centre key and one key pair per party into DATA."""
    from openbmd.exchange.config import init_data_dir

    names = [p.strip() for p in parties.split(",") if p.strip()]
    with flags({"parties": "--parties", "data_dir": "DATA"}):
        cfg = init_data_dir(data, names, parity=not no_parity)
    console().print(f"centre in {data}: parties {', '.join(p.name for p in cfg.parties)}; "
                    f"start it with `openbmd serve --data {data}`")


@keys_app.command("new")
def keys_new(
    name: str = typer.Argument(..., help="Key name (a party name)."),
    out: Path = typer.Option(Path("."), "--out", help="Directory for NAME.key (0600) and NAME.pub."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Make an Ed25519 key pair: NAME.key (PEM PKCS#8) and NAME.pub (base64 raw key)."""
    from openbmd.exchange.config import write_private_key
    from openbmd.exchange.signing import encode_public_key, generate_keypair, key_id

    key_path = out / f"{name}.key"
    if key_path.exists():
        raise InputError(f"{key_path} already exists", "NAME")
    pem, pub = generate_keypair()
    write_private_key(key_path, pem)
    (out / f"{name}.pub").write_text(encode_public_key(pub) + "\n")
    info = {"name": name, "key_id": key_id(pub), "public_key": encode_public_key(pub),
            "private_key_file": str(key_path)}
    if as_json:
        print_json(info)
    else:
        console().print(f"{key_path}: key id {info['key_id']}, public key {info['public_key']}")


@keys_app.command("rotate")
def keys_rotate(
    data: Path = typer.Option(..., "--data", help="Centre data directory (stop the centre first)."),
    party: Optional[str] = typer.Option(None, "--party", help="Replace this party's key (default: the centre's)."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Rotate the centre's key (announced in the log by the old key) or replace a party's key;
    what was logged keeps verifying against the key valid at the time."""
    from openbmd.exchange.rotation import rotate_centre_key, rotate_party_key

    with flags({"data_dir": "--data", "party": "--party"}):
        kid = (rotate_centre_key(data, time.time_ns() // 1_000_000) if party is None else
               rotate_party_key(data, party))
    info = {"key": party or "centre", "key_id": kid}
    if as_json:
        print_json(info)
    else:
        console().print(f"new {info['key']} key {kid}; start (or restart) the centre to use it")


def serve(
    data: Path = typer.Option(..., "--data", help="Centre data directory (from `exchange init`)."),
    port: int = typer.Option(8470, "--port", min=1, max=65535, help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    database: Optional[str] = typer.Option(None, "--database", help="postgresql://... (default: SQLite in DATA)."),
) -> None:
    """Start the exchange centre."""
    import os
    import sys

    _preflight(data, host, port, database)  # every failure one line, before the banner
    (data / "server.json").write_text(json.dumps({"url": f"http://{host}:{port}"}) + "\n")
    console().print(f"exchange centre on http://{host}:{port} (data {data}, "
                    f"{'PostgreSQL' if database and database.startswith('postgres') else 'SQLite'})")
    sys.stdout.flush()
    # Replace this process by the server module: its verifier processes start by "spawn", which
    # re-imports the main module, and only the server module is safe to import that way.
    argv = [sys.executable, "-m", "openbmd.exchange.server", "--data", str(data), "--host", host, "--port", str(port)]
    if database:
        argv += ["--database", database]
    os.execv(sys.executable, argv)


def _preflight(data: Path, host: str, port: int, database: Optional[str]) -> None:
    """Check what ``serve`` needs before it prints its banner: config, centre key, storage, the port."""
    import socket

    from openbmd.exchange.config import load_centre_key
    from openbmd.exchange.storage import StorageError, open_storage

    _load_config(data)
    with flags({"data_dir": "--data"}):
        load_centre_key(data)
    try:
        open_storage(database, data).close()  # takes and releases the centre's lock on its data
    except StorageError as exc:
        _runtime_failure(f"{exc}; stop it or use another --data", "--data")
    except Exception as exc:  # a database that cannot be opened: driver errors of many kinds
        _runtime_failure(f"cannot open the database: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                         "--database" if database else "--data")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InputError(f"cannot resolve {host!r}: {exc.strerror or exc}", "--host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as exc:
            _runtime_failure(f"cannot listen on {host}:{port}: {exc.strerror or exc}", "--port")


def _first_error(exc: Exception) -> str:
    """One line for an exception, the first fault of a pydantic ValidationError."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{loc + ': ' if loc else ''}{first['msg']}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _runtime_failure(message: str, argument: str) -> None:
    typer.echo(f"openbmd: error: {argument}: {message}", err=True)
    raise typer.Exit(1)


def _load_config(data: Path):
    from openbmd.exchange.config import load_config

    with flags({"data_dir": "--data"}):
        return load_config(data)


# --- client ------------------------------------------------------------------------------------

def _ctx(ctx: typer.Context) -> dict[str, Any]:
    obj = ctx.obj or {}
    if not obj.get("data") or not obj.get("party"):
        raise InputError("give --data DIR --as PARTY before the command", "--as")
    return obj


def _client(ctx: typer.Context):
    from openbmd.exchange.client import ExchangeClient
    from openbmd.exchange.config import party_key_path

    obj = _ctx(ctx)
    data, party = Path(obj["data"]), obj["party"]
    cfg = _load_config(data)
    if cfg.party(party) is None:
        raise InputError(f"unknown party {party!r}; known: {', '.join(p.name for p in cfg.parties)}", "--as")
    key = party_key_path(data, party)
    if not key.exists():
        raise InputError(f"no private key for {party} at {key}", "--as")
    url = obj.get("url")
    if not url:
        srv = data / "server.json"
        url = json.loads(srv.read_text())["url"] if srv.exists() else _DEFAULT_URL
    return ExchangeClient(url, party, key.read_bytes(), centre_public_key=cfg.centre_keys(),
                          party_keys=cfg.verification_keys())


def _call(fn, *args: Any, **kw: Any) -> Any:
    """Run a client call; connection and refusal errors become one line, exit 1."""
    import httpx

    from openbmd.exchange.client import ClientError

    try:
        return fn(*args, **kw)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot reach the centre: {exc}", "--url") from None
    except ClientError as exc:
        typer.echo(f"openbmd: refused: {exc}", err=True)
        raise typer.Exit(1) from None


def _held_path(ctx: typer.Context) -> Path:
    obj = _ctx(ctx)
    return Path(obj["data"]) / "clients" / f"{obj['party']}.head.json"


def _hold(ctx: typer.Context, head: dict[str, Any]) -> None:
    """Remember the largest tree head seen, for `log verify`; a head that goes back from it, or
    differs at its size, means the log was rewritten (exit 1)."""
    from openbmd.exchange.client import LogRewritten
    from openbmd.exchange.treehead import TreeHead

    path = _held_path(ctx)
    if path.exists():
        held = json.loads(path.read_text())
        if held["tree_size"] > head["tree_size"] or (held["tree_size"] == head["tree_size"]
                                                      and held["root_hash"] != head["root_hash"]):
            _fail(str(LogRewritten(TreeHead.model_validate(held), TreeHead.model_validate(head),
                                   "the centre signed a head that does not extend the one held")))
        if held["tree_size"] == head["tree_size"]:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(head) + "\n")


def _client_options(
    ctx: typer.Context,
    data: Optional[Path] = typer.Option(None, "--data", help="Centre data directory."),
    party: Optional[str] = typer.Option(None, "--as", help="The party you act as."),
    url: Optional[str] = typer.Option(None, "--url", help="Centre URL (default: from DATA/server.json)."),
) -> None:
    ctx.obj = {"data": data, "party": party, "url": url}


client_app.callback()(_client_options)
log_app.callback()(_client_options)

_GROUP_OPTIONS = ("--data", "--as", "--url")


def hoist_group_options(argv: list[str]) -> list[str]:
    """Let ``--data/--as/--url`` follow the subcommand too (``openbmd log head --data D --as P``):
    move them to just after ``client`` or ``log``, where the group reads them."""
    if len(argv) < 2 or argv[0] not in ("client", "log"):
        return argv
    head, rest, moved = argv[:1], [], []
    k = 1
    while k < len(argv):
        arg = argv[k]
        name = arg.split("=", 1)[0]
        if name in _GROUP_OPTIONS and "=" in arg:
            moved.append(arg)
        elif arg in _GROUP_OPTIONS and k + 1 < len(argv):
            moved += argv[k:k + 2]
            k += 1
        else:
            rest.append(arg)
        k += 1
    return head + moved + rest


@client_app.command("example")
def client_example(kind: str = typer.Argument(..., help="Message kind, e.g. track_report.")) -> None:
    """Print a valid unsigned example message {kind, body} of KIND, timed now (`submit` signs it)."""
    from openbmd.exchange.messages import MessageKind, example_body

    kinds = [k.value for k in MessageKind]
    if kind not in kinds:
        raise InputError(f"unknown kind {kind!r}; kinds: {', '.join(kinds)}", "KIND")
    print_json({"kind": kind, "body": example_body(kind, time.time_ns() // 1_000_000)})


@client_app.command("submit")
def client_submit(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help='JSON file {"kind": ..., "body": {...}} (see `client example`).'),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Commit to each body field of FILE, sign as the party and send it; print {leaf_index, tree_head}."""
    try:
        msg = json.loads(file.read_text())
        kind, body = msg["kind"], msg["body"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read a {{kind, body}} message: {exc}", "FILE") from None
    with _client(ctx) as c:
        receipt = _call(c.submit, kind, body)
    _hold(ctx, receipt["tree_head"])
    if as_json:
        print_json(receipt)
    else:
        console().print(f"accepted as leaf {receipt['leaf_index']}; tree size {receipt['tree_head']['tree_size']}")


def _print_messages(msgs: list[dict[str, Any]]) -> None:
    from rich.table import Table

    t = Table("leaf", "sender", "kind", "seq", "timestamp (ms)", "withheld")
    for m in msgs:
        e = m["envelope"]
        t.add_row(str(m["leaf_index"]), e["sender"], e["kind"], str(e["sequence"]), str(e["timestamp"]),
                  ", ".join(m["withheld_fields"]))
    console().print(t)


def _verify_messages(c: Any, msgs: list[dict[str, Any]]) -> None:
    """Verify released messages under the latest signed head; exit 1 at the first that fails."""
    head = _call(c.tree_head)
    for m in msgs:
        try:
            _call(c.verify_message, m, head)
        except ValueError as exc:  # SignatureError, CommitmentError, ProofError
            _fail(f"leaf {m['leaf_index']}: {exc}")


@client_app.command("read")
def client_read(
    ctx: typer.Context,
    after: int = typer.Option(-1, "--after", help="Last leaf index already seen."),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only this kind."),
    verify: bool = typer.Option(False, "--verify", help="Check each message (exit 1 if one fails): the "
                                "sender's signature, released fields against their commitments, inclusion."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Read the messages released to the party."""
    with _client(ctx) as c:
        got = _call(c.read, after, limit, kind)
        if verify:
            _verify_messages(c, got["messages"])
    if as_json:
        print_json(got)
    else:
        _print_messages(got["messages"])


@client_app.command("watch")
def client_watch(
    ctx: typer.Context,
    interval: float = typer.Option(1.0, "--interval", help="Seconds between polls."),
    count: int = typer.Option(0, "--count", help="Stop after this many messages (0: never)."),
) -> None:
    """Print newly released messages as JSON lines, polling every INTERVAL seconds."""
    seen, after = 0, -1
    with _client(ctx) as c:
        while True:
            for m in _call(c.read, after, 100)["messages"]:
                typer.echo(json.dumps(m))
                after = m["leaf_index"]
                seen += 1
                if count and seen >= count:
                    return
            time.sleep(interval)


@client_app.command("picture")
def client_picture(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine output.")) -> None:
    """The fused picture built from the track reports released to the party."""
    with _client(ctx) as c:
        pic = _call(c.get, "/v1/picture")
    if as_json:
        print_json(pic)
        return
    from rich.table import Table

    t = Table("track", "members", "x (km)", "y (km)", "z (km)", "speed (m/s)", "sigma pos (m)",
              title=f"fused picture at {pic['time_unix_ms']} ms")
    for tr in pic["tracks"]:
        r, v, p = tr["r_ecef_m"], tr["v_ecef_mps"], tr["covariance_si"]
        t.add_row(str(tr["picture_id"]), ", ".join(f"{a}:{b}" for a, b in tr["members"]),
                  *(f"{x / 1e3:,.1f}" for x in r), f"{sum(x * x for x in v) ** 0.5:,.0f}",
                  f"{(p[0][0] + p[1][1] + p[2][2]) ** 0.5:,.0f}")
    console().print(t)


# --- log ---------------------------------------------------------------------------------------

def _fail(message: str) -> None:
    typer.echo(f"openbmd: verification failed: {message}", err=True)
    raise typer.Exit(1)


def _print_verified(ctx: typer.Context, fetch: Any, check: Any, as_json: bool, describe: Any) -> None:
    """Fetch a proof, verify it here (exit 1 if it fails), then print it."""
    from openbmd.exchange.merkle import ProofError

    with _client(ctx) as c:
        proof = _call(fetch, c)
    try:
        check(proof)
    except ProofError as exc:
        _fail(str(exc))
    if as_json:
        print_json(proof.model_dump())
    else:
        console().print(describe(proof))


@log_app.command("head")
def log_head(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine output.")) -> None:
    """The centre's latest signed tree head, checked against its public key."""
    with _client(ctx) as c:
        head = _call(c.tree_head).model_dump()
    _hold(ctx, head)
    if as_json:
        print_json(head)
    else:
        console().print(f"tree size {head['tree_size']}, root {head['root_hash']}, at {head['timestamp']} ms")


@log_app.command("prove")
def log_prove(
    ctx: typer.Context,
    leaf: int = typer.Option(..., "--leaf", min=0, help="Leaf index."),
    size: Optional[int] = typer.Option(None, "--size", min=1, help="Tree size (default: latest)."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Inclusion proof of a leaf; verified here before it is printed."""
    from openbmd.exchange.treehead import check_inclusion

    _print_verified(ctx, lambda c: c.inclusion(leaf, size), check_inclusion, as_json,
                    lambda p: f"leaf {p.leaf_index} is in the tree of {p.tree_size} (root {p.root_hash}): "
                              f"{len(p.proof)} hashes, verified")


@log_app.command("consistency")
def log_consistency(
    ctx: typer.Context,
    first: int = typer.Option(..., "--from", min=1, help="Older tree size."),
    second: Optional[int] = typer.Option(None, "--to", min=1, help="Newer tree size (default: latest)."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Consistency proof between two tree sizes; verified here before it is printed."""
    from openbmd.exchange.treehead import check_consistency

    _print_verified(ctx, lambda c: c.consistency(first, second), check_consistency, as_json,
                    lambda p: f"tree {p.first} is a prefix of tree {p.second}: {len(p.proof)} hashes, verified")


@log_app.command("verify")
def log_verify(
    ctx: typer.Context,
    head_file: Optional[Path] = typer.Option(None, "--head", help="Tree head JSON you hold "
                                             "(default: the last one this party saw)."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """Check a held tree head against the centre's latest, and every stored head and released
    message's routing columns against what was signed; exit 1 if the log was rewritten."""
    from openbmd.exchange.merkle import ProofError
    from openbmd.exchange.signing import SignatureError
    from openbmd.exchange.treehead import TreeHead

    path = head_file or _held_path(ctx)
    if head_file is None and not path.exists():  # trust on first use: hold the centre's signed head
        with _client(ctx) as c:
            latest = _call(c.tree_head)
        _hold(ctx, latest.model_dump())
        if as_json:
            print_json({"ok": True, "held": None, "latest": latest.model_dump()})
        else:
            console().print(f"no tree head held yet: now holding the centre's signed head of size "
                            f"{latest.tree_size}; later runs check the log against it")
        return
    try:
        held = TreeHead.model_validate_json(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read a tree head from {path}: {_first_error(exc)}", "--head") from None
    with _client(ctx) as c:
        try:
            latest = _call(c.verify_head, held)
            counts = _call(c.audit, latest)
        except (ProofError, SignatureError) as exc:
            _fail(str(exc))
    _hold(ctx, latest.model_dump())
    result = {"ok": True, "held": held.model_dump(), "latest": latest.model_dump(), "audited": counts}
    if as_json:
        print_json(result)
    else:
        console().print(f"held head of size {held.tree_size} is consistent with the latest, size {latest.tree_size}; "
                        f"{counts['heads']} stored heads and {counts['messages']} released messages check out")


@log_app.command("witness")
def log_witness(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine output.")) -> None:
    """Co-sign the centre's latest head as the party, after checking it is consistent with the head
    this witness co-signed last (kept in DATA/witness/PARTY.json); exit 1 if the log was rewritten."""
    from openbmd.exchange.merkle import ProofError
    from openbmd.exchange.signing import SignatureError
    from openbmd.exchange.treehead import TreeHead

    obj = _ctx(ctx)
    path = Path(obj["data"]) / "witness" / f"{obj['party']}.json"
    previous = TreeHead.model_validate(json.loads(path.read_text())["tree_head"]) if path.exists() else None
    with _client(ctx) as c:
        try:
            head, cosignature = _call(c.witness, previous)
        except (ProofError, SignatureError) as exc:
            _fail(str(exc))
    record = {"witness": obj["party"], "tree_head": head.model_dump(), "cosignature": cosignature}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record) + "\n")
    if as_json:
        print_json(record)
    else:
        console().print(f"{obj['party']} co-signs the head of size {head.tree_size}"
                        + (f", consistent with size {previous.tree_size}" if previous else " (first)"))


def register(app: typer.Typer) -> None:
    """Add the exchange command groups to the ``openbmd`` app."""
    app.add_typer(exchange_app, name="exchange")
    app.add_typer(keys_app, name="keys")
    app.command("serve", help="Start the exchange centre (FastAPI on uvicorn).")(serve)
    app.add_typer(client_app, name="client")
    app.add_typer(log_app, name="log")
