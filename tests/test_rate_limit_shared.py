"""Rate limits hold across server workers without Redis: the counts live in the database.

Two app instances on one database stand for two gunicorn workers (each had its own
in-memory counts before: 16 of 30 wrong passwords were evaluated with a limit of 10).
"""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.helpers import csrf_from
from trainer import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_servers(app, people, tmp_path):
    """Two `trainer serve` processes (one worker each) on the test's database."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRAINER_")},
        "PYTHONPATH": str(ROOT),
        "TRAINER_DATABASE_URL": app.config["DATABASE_URL"],
        "TRAINER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRAINER_SECRET_KEY": "shared-secret",
        "TRAINER_LANGUAGE": "en",
    }
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "trainer.cli", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


class _Browser:
    """Cookies and the CSRF token of one server's sign-in page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(base + "/login") as page:
            self.token = csrf_from(page.read().decode())

    def wrong_password(self, i: int) -> int:
        data = urllib.parse.urlencode(
            {"csrf_token": self.token, "username": "cashier", "password": f"wrong-{i:04d}-x"}
        ).encode()
        try:
            with self.opener.open(self.base + "/login", data=data) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def test_wrong_passwords_are_counted_across_workers(two_servers):
    browsers = [_Browser(base) for base in two_servers]
    statuses = [browsers[i % 2].wrong_password(i) for i in range(30)]
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) == 10  # LOGIN_RATE_LIMIT: 10 per minute, whichever worker


def test_a_window_that_ended_counts_from_zero(app):
    """The storage itself: counts per key, expiry, clear."""
    from limits import RateLimitItemPerMinute
    from limits.strategies import FixedWindowRateLimiter

    from trainer.extensions import limiter

    with app.app_context():
        storage = limiter.storage
        assert type(storage).__name__ == "DatabaseStorage"
        storage.reset()
        assert storage.incr("k", 1) == 1 and storage.incr("k", 1) == 2
        assert storage.get("k") == 2 and storage.get("other") == 0
        storage.clear("k")
        assert storage.get("k") == 0
        long_key = "login-user:" + "x" * 5000  # keys come from form input: any length
        assert storage.incr(long_key, 60) == 1 and storage.get(long_key) == 1
        strategy = FixedWindowRateLimiter(storage)
        item = RateLimitItemPerMinute(2)
        assert strategy.hit(item, "a") and strategy.hit(item, "a") and not strategy.hit(item, "a")
