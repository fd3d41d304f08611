"""The write path's parts outside HTTP: the verifier processes and the hand-off to the event loop."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest

from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.config import init_data_dir, load_centre_key, load_config, party_key_path
from openbmd.exchange.handoff import LoopHandoff
from openbmd.exchange.messages import example_body, sign_envelope
from openbmd.exchange.service import Centre, Checked, ExchangeError, wall_clock_ms
from openbmd.exchange.storage import open_storage
from openbmd.exchange.verifier_pool import VerifierPool


@pytest.fixture
def centre(tmp_path):
    data = tmp_path / "c"
    init_data_dir(data, ["p0", "p1"])
    c = Centre(load_config(data), open_storage(None, data), load_centre_key(data), data_dir=data)
    yield c, data
    c.close()


def _bodies(data, party: str, n: int) -> list[bytes]:
    key = party_key_path(data, party).read_bytes()
    now = wall_clock_ms()
    return [canonical_json(sign_envelope(key, party, i, now, "track_report", example_body("track_report", now)))
            for i in range(1, n + 1)]


def test_verifier_checks_batches_and_survives_a_killed_worker(centre):
    c, data = centre
    good = _bodies(data, "p0", 300)
    forged = bytearray(_bodies(data, "p1", 1)[0])
    forged[forged.index(b'"sequence":1') + 11] = ord("2")  # signed as 1, sent as 2

    async def run() -> tuple[list, list, int]:
        pool = VerifierPool(c, 1)
        await pool.start()
        try:
            first = await asyncio.gather(*(pool.check(b) for b in good[:100] + [bytes(forged)]))
            pid = pool._workers[0].proc.pid
            pending = [asyncio.ensure_future(pool.check(b)) for b in good[100:]]
            while pool._workers[0].batch is None:  # until the first batch is on its way to the worker
                await asyncio.sleep(0)
            os.kill(pid, signal.SIGKILL)
            second = await asyncio.gather(*pending)
            assert pool.healthy() and pool._workers[0].proc.pid != pid
            return first, second, pool.replaced
        finally:
            pool.close()

    first, second, replaced = asyncio.run(run())
    assert [x.sequence for x in first[:100]] == list(range(1, 101))
    assert all(isinstance(x, Checked) for x in first[:100] + second)
    assert first[100][:2] == (401, "bad_signature")
    assert [x.sequence for x in second] == list(range(101, 301))  # none lost, none answered twice
    assert replaced == 1


def test_verifier_answers_503_after_close(centre):
    c, data = centre

    async def run() -> None:
        pool = VerifierPool(c, 1)
        await pool.start()
        pool.close()
        with pytest.raises(ExchangeError) as err:
            await pool.check(_bodies(data, "p0", 1)[0])
        assert err.value.status == 503

    asyncio.run(run())


def test_handoff_wakes_the_loop_once_for_a_whole_batch():
    async def run() -> tuple[list, int]:
        loop = asyncio.get_running_loop()
        hub = LoopHandoff(loop)
        drains = 0
        drain = hub._drain

        def counted() -> None:
            nonlocal drains
            drains += 1
            drain()

        hub._drain = counted  # type: ignore[method-assign]
        pairs = [hub.waiter() for _ in range(500)]
        gate = threading.Event()

        def writer() -> None:  # the writer thread answers a batch while the loop is busy
            for i, (w, _) in enumerate(pairs):
                w.set_exception(ExchangeError(409, "replayed_sequence", "x")) if i == 7 else w.set_result(i)
            gate.set()

        threading.Thread(target=writer).start()
        gate.wait(10)  # the loop is blocked here, so every answer queues behind one wake-up
        assert all(w.done() for w, _ in pairs)
        out = await asyncio.gather(*(f for _, f in pairs), return_exceptions=True)
        return out, drains

    out, drains = asyncio.run(run())
    assert drains == 1
    assert isinstance(out[7], ExchangeError) and out[7].status == 409
    assert [x for i, x in enumerate(out) if i != 7] == [i for i in range(500) if i != 7]



def _enqueue_all(c, data, n: int) -> list:
    from concurrent.futures import Future

    futures = [Future() for _ in range(n)]
    c.enqueue([(c.validate(b), f) for b, f in zip(_bodies(data, "p0", n), futures)])
    return [f.result(30) for f in futures]


def test_one_hand_off_shares_one_commit(centre):
    c, data = centre
    receipts = _enqueue_all(c, data, 20)
    assert [r.leaf_index for r in receipts] == list(range(20))
    assert {r.tree_head.tree_size for r in receipts} == {20}  # one signed head covers them all
    assert [h.tree_size for h in c.heads()] == [0, 20]


def test_one_hand_off_without_group_commit_commits_each_alone(tmp_path):
    data = tmp_path / "c"
    init_data_dir(data, ["p0", "p1"])
    c = Centre(load_config(data), open_storage(None, data), load_centre_key(data), data_dir=data, group_commit=False)
    try:
        receipts = _enqueue_all(c, data, 5)
        assert [r.tree_head.tree_size for r in receipts] == [1, 2, 3, 4, 5]
        assert [h.tree_size for h in c.heads()] == [0, 1, 2, 3, 4, 5]
    finally:
        c.close()
