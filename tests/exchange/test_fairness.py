"""One party's load never spends another party's share: per-party quotas and nonce budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from openbmd.exchange.auth import AuthError, NonceBook, sign_request
from openbmd.exchange.client import ClientError
from openbmd.exchange.config import CONFIG_FILE, CentreConfig, init_data_dir, load_config, party_key_path
from openbmd.exchange.messages import example_body
from openbmd.exchange.quota import PartyQuota

from .test_service import T0, centre


def _config(tmp_path: Path, **changes) -> Path:
    data = tmp_path / "centre"
    init_data_dir(data, ["nato", "russia"])
    cfg = load_config(data).model_dump(mode="json")
    for key, value in changes.items():
        if key in cfg["limits"]:
            cfg["limits"][key] = value
        else:
            cfg[key] = value
    (data / CONFIG_FILE).write_text(CentreConfig.model_validate(cfg).model_dump_json())
    return data


def _read(tc, data, party, t_ms):
    h = sign_request(party_key_path(data, party).read_bytes(), party, "GET", "/v1/me", t_ms)
    return tc.get("/v1/me", headers=h)


def test_a_party_that_spends_its_nonce_budget_is_refused_alone(tmp_path):
    data = _config(tmp_path, nonces_per_party=50, reads_per_s=1e6)
    with centre(tmp_path, str(tmp_path / "n.sqlite3"), data=data) as (tc, c, clock, cfg):
        codes = [_read(tc, data, "nato", clock()).status_code for _ in range(60)]
        assert codes[:50] == [200] * 50 and set(codes[50:]) == {429}
        assert all(_read(tc, data, "russia", clock()).status_code == 200 for _ in range(50))
        # Requests outside the skew window never reach the book: they spend no budget.
        clock.t += 400_000  # nato's nonces have all expired by now
        skewed = [_read(tc, data, "russia", clock() + 301_000) for _ in range(5)]
        assert {(r.status_code, r.json()["error"]["code"]) for r in skewed} == {(401, "clock_skew")}
        assert all(_read(tc, data, "nato", clock()).status_code == 200 for _ in range(50))


def test_a_party_over_its_read_quota_never_fails_another_partys_reads(tmp_path):
    data = _config(tmp_path, reads_per_s=5.0, burst_s=2.0)  # 10 at once, then 5 per second
    with centre(tmp_path, str(tmp_path / "q.sqlite3"), data=data) as (tc, c, clock, cfg):
        nato = [_read(tc, data, "nato", clock()) for _ in range(40)]
        refused = [r for r in nato if r.status_code == 429]
        assert len(refused) >= 25 and {r.json()["error"]["code"] for r in refused} == {"quota"}
        assert all(_read(tc, data, "russia", clock()).status_code == 200 for _ in range(10))


def test_a_party_over_its_write_quota_is_refused_alone(tmp_path):
    data = _config(tmp_path, writes_per_s=2.0, burst_s=2.0)  # 4 at once
    with centre(tmp_path, str(tmp_path / "w.sqlite3"), data=data) as (tc, c, clock, cfg):
        codes = []
        for _ in range(10):
            try:
                c["nato"].submit("track_report", example_body("track_report", T0))
                codes.append(201)
            except ClientError as e:
                codes.append((e.status, e.code))
        assert codes.count(201) <= 5 and (429, "quota") in codes
        for _ in range(4):
            c["russia"].submit("track_report", example_body("track_report", T0))


def test_nonces_are_kept_exactly_as_long_as_their_request_could_pass():
    book = NonceBook(per_party=2)
    skew = 300_000
    now = T0
    book.add("nato", "a" * 16, now + skew + skew, now)  # signed at the future edge of the window
    book.add("nato", "b" * 16, now - skew + skew, now)  # signed at the past edge
    with pytest.raises(AuthError) as e:
        book.add("nato", "c" * 16, now + skew, now)
    assert e.value.status == 429
    book.add("nato", "c" * 16, now + 2 * skew, now + 1)  # the past-edge one has expired
    with pytest.raises(AuthError, match="already used"):
        book.add("nato", "a" * 16, now + 2 * skew, now + 2)
    book.add("nato", "d" * 16, now + 3 * skew, now + 2 * skew + 1)  # 10 min on, the rest has gone too


def test_nonce_journal_survives_a_restart_and_drops_expired_lines(tmp_path):
    journal = tmp_path / "state" / "nonces.log"
    book = NonceBook(10, journal, T0)
    book.add("nato", "x" * 16, T0 + 1000, T0)
    book.add("nato", "y" * 16, T0 + 10, T0)
    book.close()
    with journal.open("a") as f:
        f.write("nato torn-li")  # a crash mid-line
    again = NonceBook(10, journal, T0 + 100)
    with pytest.raises(AuthError, match="already used"):
        again.add("nato", "x" * 16, T0 + 2000, T0 + 100)
    again.add("nato", "y" * 16, T0 + 2000, T0 + 100)  # expired before the restart: forgotten
    again.close()
    assert journal.stat().st_mode & 0o077 == 0


def test_token_bucket_refills_at_its_rate():
    t = [0.0]
    q = PartyQuota(rate=10.0, burst_s=1.0, clock_s=lambda: t[0])
    assert [q.take("a") for _ in range(10)] == [0.0] * 10
    assert q.take("a") == pytest.approx(0.1)
    assert q.take("b") == 0.0  # another party's bucket is full
    t[0] = 0.5
    assert sum(q.take("a") == 0.0 for _ in range(10)) == 5
