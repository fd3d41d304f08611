"""The centre's HTTP API (FastAPI), documented in OpenAPI at ``/openapi.json`` and ``/docs``.

Writes are the signed messages themselves (``POST /v1/messages``): the envelope signature is the
authentication. A message is the signed envelope (with salted commitments to its body fields, see
:mod:`openbmd.exchange.commitment`) plus the opening, ``body`` and ``salts``; a reader gets the
signed envelope with the body values and salts of the released fields only. Reads: released messages (JSON, or a server-sent-event stream), signed tree heads,
inclusion and consistency proofs, joint engagement decisions, and the fused picture built only
from the track reports released to the reader (JSON or server-sent events). Reads are signed requests (see :mod:`openbmd.exchange.auth` for the headers and
why we chose them over mTLS). Every error has the body
``{"error": {"status", "code", "message", "details"?}}``.

Statuses of ``POST /v1/messages``: 201 accepted and durable; 400 not JSON; 401 unknown party or
key, bad signature, or a body that does not open its signed commitments (``bad_commitment``); 403 an approval by a party that is not required or cannot see the
proposal; 409 replayed or out-of-order sequence; 413 body over the limit (whatever its size);
422 schema error, stale or future timestamp, a proposal with too few required parties; 429 the
sender is over its quota; 503 storage or verifier failure, or shutting down. ``/v1/health`` is
liveness, ``/v1/ready`` readiness (503 whenever writes cannot succeed).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Header, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

from openbmd.exchange.config import load_centre_key, load_config
from openbmd.exchange.docs import add_offline_docs
from openbmd.exchange.handoff import LoopHandoff
from openbmd.exchange.messages import ENVELOPE_ADAPTER, MAX_SAFE_INT
from openbmd.exchange.service import Centre, ExchangeError, wall_clock_ms
from openbmd.exchange.storage import StorageError, open_storage
from openbmd.exchange.treehead import ConsistencyProof, InclusionProof, TreeHead
from openbmd.exchange.verifier_pool import VerifierPool

__all__ = ["ServiceConfig", "create_app"]


@dataclass(frozen=True)
class ServiceConfig:
    """How to run a centre: its data directory, an optional database URL and commit policy.

    ``database`` is ``None`` (SQLite in ``data_dir``), a SQLite path or ``postgresql://...``.
    ``group_commit=False`` commits each message alone (slower; the benchmark's baseline).
    ``verify_processes`` > 0 moves parsing and Ed25519 verification of submissions to that many
    worker processes, fed in batches, so that a second core works on the write path.
    """

    data_dir: Path
    database: str | None = None
    group_commit: bool = True
    max_batch: int = 1024
    clock_ms: Callable[[], int] = field(default=wall_clock_ms)
    verify_processes: int = 0


class _ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every refusal."""

    error: _ErrorBody


class ReceiptModel(BaseModel):
    """An accepted message: its leaf index and a signed tree head that includes it."""

    leaf_index: int
    tree_head: TreeHead


class ReleasedModel(BaseModel):
    """A message as released to the reader: ``envelope`` is the signed envelope with ``body`` and
    ``salts`` of the released fields; ``withheld_fields`` were removed from both. ``sender`` and
    ``kind`` are the centre's routing columns, ``received_ms`` the timestamp of the first head
    that covers the leaf: a reader checks all three against signed data."""

    leaf_index: int
    received_ms: int
    sender: str
    kind: str
    envelope: dict[str, Any]
    withheld_fields: list[str]


class MessagesModel(BaseModel):
    messages: list[ReleasedModel]
    tree_size: int


class ReadyModel(BaseModel):
    """Whether writes can succeed now, and the parts that decide it."""

    ready: bool
    storage: bool
    verifier: bool


class MeModel(BaseModel):
    party: str
    last_sequence: int


class DecisionModel(BaseModel):
    proposal_leaf_index: int
    proposal_id: str
    proposer: str
    status: str
    required_parties: list[str]
    approvals: dict[str, int]
    rejections: dict[str, int]
    pending: list[str]
    expires_unix_ms: int


class TreeHeadsModel(BaseModel):
    heads: list[TreeHead]


class PictureTrackModel(BaseModel):
    picture_id: int
    r_ecef_m: list[float]
    v_ecef_mps: list[float]
    covariance_si: list[list[float]]
    members: list[list[str]]


class PictureModel(BaseModel):
    """The fused picture (SI, ECEF) at ``time_unix_ms``, from what the reader may see."""

    time_unix_ms: int | None
    tree_size: int
    tracks: list[PictureTrackModel]


_ERRORS = {s: {"model": ErrorResponse} for s in (400, 401, 403, 404, 409, 413, 422, 503)}


def _json(data: Any) -> Response:
    """A JSON response rendered directly (the declared response models document it)."""
    return Response(json.dumps(data, separators=(",", ":")).encode(), media_type="application/json")


def _target(request: Request) -> str:
    path = request.scope.get("raw_path") or request.url.path.encode()
    qs = request.scope.get("query_string") or b""
    return path.decode("latin-1") + ("?" + qs.decode("latin-1") if qs else "")


def _envelope_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        env = ENVELOPE_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
        defs = env.pop("$defs", {})
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.update(defs)
        comps["SignedEnvelope"] = env
        post = schema["paths"]["/v1/messages"]["post"]
        post["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/SignedEnvelope"}}}}
        app.openapi_schema = schema
        return schema

    return openapi


class _Admission:
    """Where the verifier's answer for one submission goes: straight on to the centre's checks, in
    the event loop's callback that reads the batch, so the request's task wakes once, for the
    durable receipt or the refusal, not also between verification and queueing. What a batch
    admits is queued for the writer in one hand-off (see :class:`_Admitted`)."""

    __slots__ = ("admitted", "waiter", "answer")

    def __init__(self, admitted: "_Admitted", waiter: Any, answer: asyncio.Future) -> None:
        self.admitted, self.waiter, self.answer = admitted, waiter, answer

    def done(self) -> bool:
        return self.answer.done()

    def set_result(self, checked: Any) -> None:
        try:
            self.admitted.add(self.admitted.centre.admit(checked), self)
        except Exception as exc:  # ExchangeError, StorageError: the request's task answers it
            self.answer.set_exception(exc)

    def set_exception(self, exception: BaseException) -> None:
        self.answer.set_exception(exception)


class _Admitted:
    """Messages admitted during one event-loop round, queued for the writer together at its end."""

    def __init__(self, centre: Centre, loop: asyncio.AbstractEventLoop) -> None:
        self.centre, self.loop = centre, loop
        self._items: list[tuple[Any, _Admission]] = []

    def add(self, checked: Any, admission: _Admission) -> None:
        if not self._items:
            self.loop.call_soon(self._flush)
        self._items.append((checked, admission))

    def _flush(self) -> None:
        items, self._items = self._items, []
        try:
            self.centre.enqueue([(checked, a.waiter) for checked, a in items])
        except Exception as exc:
            for _, a in items:
                if not a.answer.done():
                    a.answer.set_exception(exc)


class _SubmitFastPath:
    """Serves ``POST /v1/messages`` straight from ASGI, ahead of FastAPI's middleware and routing.

    The write path is the hot one; FastAPI's route for it stays registered, so it is documented
    in OpenAPI, and behaves the same. The body is read up to the size limit, then handed to the
    centre; the 201 is sent only when the write is durable.
    """

    def __init__(self, centre: Centre, limit: int, verifier: VerifierPool | None = None) -> None:
        self.centre, self.limit, self.verifier = centre, limit, verifier
        self._handoff: LoopHandoff | None = None
        self._admitted: _Admitted | None = None

    def _waiter(self) -> tuple[Any, asyncio.Future]:
        loop = asyncio.get_running_loop()
        if self._handoff is None or self._handoff.loop is not loop:
            self._handoff = LoopHandoff(loop)
            self._admitted = _Admitted(self.centre, loop)
        return self._handoff.waiter()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        try:
            for k, v in scope["headers"]:
                if k == b"content-length" and v.isdigit():
                    self.centre.check_size(int(v))
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            if msg.get("more_body", False):
                buf = bytearray(body)
                more = True
                while more:
                    if len(buf) > self.limit:
                        break
                    msg = await receive()
                    if msg["type"] == "http.disconnect":
                        return
                    buf += msg.get("body", b"")
                    more = msg.get("more_body", False)
                body = bytes(buf)
            if len(body) > self.limit:
                raise ExchangeError(413, "too_large", f"message body is over the {self.limit}-byte limit")
            waiter, answer = self._waiter()
            if self.verifier is not None:
                if not self.verifier.started:
                    await self.verifier.start()
                self.verifier.submit(body, _Admission(self._admitted, waiter, answer))
            else:
                self.centre.submit(body, waiter)
            receipt = await answer
            status, payload = 201, receipt.json_bytes()
        except ExchangeError as exc:
            status, payload = exc.status, json.dumps(exc.to_json()).encode()
        except StorageError as exc:
            status, payload = 503, json.dumps(ExchangeError(503, "storage", str(exc)).to_json()).encode()
        # A body refused before its end (413) is not read further: uvicorn discards the rest of
        # it on a kept-alive connection, so the client can finish sending and read the answer.
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


class _CentreApp(FastAPI):
    """FastAPI, with ``POST /v1/messages`` taken by :class:`_SubmitFastPath` before the stack."""

    fast_path: _SubmitFastPath | None = None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if (self.fast_path is not None and scope["type"] == "http" and scope["path"] == "/v1/messages"
                and scope["method"] == "POST"):
            await self.fast_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(config: ServiceConfig) -> FastAPI:
    """Build the API over a centre opened from ``config`` (storage opens now, closes at shutdown)."""
    cfg = load_config(config.data_dir)
    storage = open_storage(config.database, config.data_dir)
    try:
        centre = Centre(cfg, storage, load_centre_key(config.data_dir), clock_ms=config.clock_ms,
                        group_commit=config.group_commit, max_batch=config.max_batch, data_dir=config.data_dir)
    except BaseException:
        storage.close()
        raise

    verifier = VerifierPool(centre, config.verify_processes) if config.verify_processes > 0 else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if verifier is not None:
            await verifier.start()
        yield
        if verifier is not None:
            verifier.close()
        centre.close()

    app = _CentreApp(title="openbmd exchange centre", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Signed messages between parties, an RFC 9162 Merkle log with signed tree "
                              "heads, and per-party release. Reads need signed request headers.")
    app.state.centre = centre
    limit = cfg.limits.max_body_bytes

    @app.exception_handler(ExchangeError)
    async def _exchange_error(_: Request, exc: ExchangeError) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=exc.status)

    @app.exception_handler(StorageError)
    async def _storage_error(_: Request, exc: StorageError) -> JSONResponse:
        return JSONResponse(ExchangeError(503, "storage", str(exc)).to_json(), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": [str(x) for x in e.get("loc", ())], "msg": e.get("msg"), "type": e.get("type")}
                   for e in exc.errors()[:20]]
        err = ExchangeError(422, "schema", "request parameters do not match the schema", details)
        return JSONResponse(err.to_json(), status_code=422)

    def reader(
        request: Request,
        party: str | None = Header(None, alias="X-OpenBMD-Party", description="The reading party."),
        key_id: str | None = Header(None, alias="X-OpenBMD-Key-Id", description="Its key id."),
        timestamp: str | None = Header(None, alias="X-OpenBMD-Timestamp", description="Unix ms."),
        nonce: str | None = Header(None, alias="X-OpenBMD-Nonce", description="16-64 of [A-Za-z0-9_-]."),
        signature: str | None = Header(None, alias="X-OpenBMD-Signature",
                                       description="Ed25519 over RFC 8785 JSON of {method, target, party, "
                                                   "key_id, timestamp, nonce}, base64."),
    ) -> str:
        headers = {"x-openbmd-party": party, "x-openbmd-key-id": key_id, "x-openbmd-timestamp": timestamp,
                   "x-openbmd-nonce": nonce, "x-openbmd-signature": signature}
        return centre.authenticate(request.method, _target(request), headers)

    @app.post("/v1/messages", status_code=201, responses={201: {"model": ReceiptModel}, **_ERRORS},
              summary="Submit one signed message", tags=["messages"])
    async def post_message(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit():
            centre.check_size(int(declared))
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ExchangeError(413, "too_large", f"message body is over the {limit}-byte limit")
            chunks.append(chunk)
        future = centre.submit(b"".join(chunks))
        receipt = await asyncio.wrap_future(future)
        return Response(receipt.json_bytes(), status_code=201, media_type="application/json")

    @app.get("/v1/messages", response_model=MessagesModel, responses=_ERRORS, tags=["messages"],
             summary="Messages released to the reader, in log order")
    def get_messages(party: str = Depends(reader),
                     after: int = Query(-1, ge=-1, le=MAX_SAFE_INT, description="Last leaf index already seen."),
                     limit: int = Query(100, ge=1, le=cfg.limits.max_read_limit),
                     kind: str | None = Query(None, description="Only this kind.")) -> Response:
        size = centre.tree_head().tree_size
        return _json({"messages": centre.read(party, after, limit, kind), "tree_size": size})

    @app.get("/v1/messages/stream", responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
             tags=["messages"], summary="Server-sent events: each newly released message as it is logged")
    async def stream_messages(request: Request, party: str = Depends(reader),
                              after: int = Query(-1, ge=-1, le=MAX_SAFE_INT, description="Last leaf index seen."),
                              poll_s: float = Query(0.25, ge=0.05, le=10.0, description="Poll interval, s."),
                              max_s: float = Query(300.0, gt=0.0, le=3600.0,
                                                   description="The stream ends after this many seconds; "
                                                               "reconnect with the last event id as `after`.")
                              ) -> StreamingResponse:
        from starlette.concurrency import run_in_threadpool

        async def events() -> AsyncIterator[bytes]:
            last = after
            end = asyncio.get_running_loop().time() + max_s
            yield b": openbmd exchange stream\n\n"
            while asyncio.get_running_loop().time() < end and not await request.is_disconnected():
                msgs = await run_in_threadpool(centre.read, party, last, 100)
                for m in msgs:
                    last = m["leaf_index"]
                    yield f"id: {last}\nevent: message\ndata: {json.dumps(m)}\n\n".encode()
                if not msgs:
                    await asyncio.sleep(poll_s)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})

    @app.get("/v1/messages/{leaf_index}", response_model=ReleasedModel, responses=_ERRORS, tags=["messages"],
             summary="One message released to the reader")
    def get_message(leaf_index: int = PathParam(..., ge=0, le=MAX_SAFE_INT), party: str = Depends(reader)) -> Response:
        return _json(centre.read_one(party, leaf_index))

    @app.get("/v1/me", response_model=MeModel, responses=_ERRORS, tags=["messages"],
             summary="The authenticated party and its last accepted sequence number")
    def me(party: str = Depends(reader)) -> dict[str, Any]:
        return {"party": party, "last_sequence": centre.last_sequence(party)}

    @app.get("/v1/tree-head", response_model=TreeHead, responses=_ERRORS, tags=["log"],
             summary="The latest signed tree head, or the stored head of a given size")
    def tree_head(party: str = Depends(reader),
                  tree_size: int | None = Query(None, ge=0, le=MAX_SAFE_INT)) -> Response:
        return _json(centre.tree_head(tree_size).model_dump())

    @app.get("/v1/tree-heads", response_model=TreeHeadsModel, responses=_ERRORS, tags=["log"],
             summary="Every stored signed head above a tree size, by size (for audits)")
    def tree_heads(party: str = Depends(reader), after: int = Query(-1, ge=-1, le=MAX_SAFE_INT),
                   limit: int = Query(1000, ge=1, le=cfg.limits.max_read_limit)) -> Response:
        return _json({"heads": [h.model_dump() for h in centre.heads(after, limit)]})

    @app.get("/v1/proofs/inclusion", response_model=InclusionProof, responses=_ERRORS, tags=["log"],
             summary="RFC 9162 inclusion proof of a leaf released to the reader")
    def inclusion(party: str = Depends(reader), leaf_index: int = Query(..., ge=0, le=MAX_SAFE_INT),
                  tree_size: int | None = Query(None, ge=0, le=MAX_SAFE_INT)) -> Response:
        return _json(centre.inclusion(party, leaf_index, tree_size).model_dump())

    @app.get("/v1/proofs/consistency", response_model=ConsistencyProof, responses=_ERRORS, tags=["log"],
             summary="RFC 9162 consistency proof between two tree sizes")
    def consistency(party: str = Depends(reader), first: int = Query(..., ge=1, le=MAX_SAFE_INT),
                    second: int | None = Query(None, ge=1, le=MAX_SAFE_INT)) -> Response:
        return _json(centre.consistency(first, second).model_dump())

    @app.get("/v1/decisions/{proposal_leaf_index}", response_model=DecisionModel, responses=_ERRORS,
             tags=["engagement"], summary="Where the joint decision on an engagement proposal stands")
    def decision(proposal_leaf_index: int = PathParam(..., ge=0, le=MAX_SAFE_INT), party: str = Depends(reader)) -> Response:
        return _json(centre.decision(party, proposal_leaf_index).to_json())

    @app.get("/v1/picture", response_model=PictureModel, responses=_ERRORS, tags=["picture"],
             summary="The fused picture from the track reports released to the reader")
    def picture(party: str = Depends(reader),
                at_unix_ms: int | None = Query(None, ge=0, le=MAX_SAFE_INT,
                                               description="Picture time (default: newest report).")) -> Response:
        return _json(centre.picture(party, at_unix_ms))

    @app.get("/v1/picture/stream", responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
             tags=["picture"], summary="Server-sent events: the fused picture each time the log grows")
    async def stream_picture(request: Request, party: str = Depends(reader),
                             poll_s: float = Query(1.0, ge=0.1, le=60.0, description="Poll interval, s."),
                             max_s: float = Query(300.0, gt=0.0, le=3600.0, description="Stream length, s.")
                             ) -> StreamingResponse:
        from starlette.concurrency import run_in_threadpool

        async def events() -> AsyncIterator[bytes]:
            seen = -1
            end = asyncio.get_running_loop().time() + max_s
            yield b": openbmd fused picture\n\n"
            while asyncio.get_running_loop().time() < end and not await request.is_disconnected():
                size = centre.tree_head().tree_size
                if size != seen:
                    seen = size
                    pic = await run_in_threadpool(centre.picture, party)
                    yield f"id: {size}\nevent: picture\ndata: {json.dumps(pic)}\n\n".encode()
                await asyncio.sleep(poll_s)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})

    @app.get("/v1/health", tags=["service"], summary="Liveness (no authentication)")
    def health() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/v1/ready", tags=["service"], responses={503: {"model": ReadyModel}},
             summary="Readiness: 200 while writes can succeed, else 503 (no authentication)")
    def ready() -> Response:
        checks = {"storage": centre.ready(), "verifier": verifier is None or verifier.healthy()}
        ok = all(checks.values())
        return Response(json.dumps({"ready": ok, **checks}), status_code=200 if ok else 503,
                        media_type="application/json")

    app.openapi = _envelope_openapi(app)  # type: ignore[method-assign]
    add_offline_docs(app)
    app.fast_path = _SubmitFastPath(centre, limit, verifier)
    return app
