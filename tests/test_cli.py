"""The `trainer` command line."""

from __future__ import annotations

import socket
import threading
import time

from click.testing import CliRunner
from sqlalchemy import func, select

from trainer.cli import main
from trainer.demo import demo_password
from trainer.models import Certificate, Role, User


def _run(app, *args, input=None):
    from flask.cli import ScriptInfo

    return CliRunner().invoke(
        main,
        list(args),
        obj=ScriptInfo(create_app=lambda: app),
        input=input,
        catch_exceptions=False,
    )


def test_help_lists_the_commands(app):
    result = _run(app, "--help")
    for command in ("db", "create-user", "demo", "serve", "content"):
        assert command in result.output


def test_create_user_with_password_from_stdin(app, session, stores):
    result = _run(
        app,
        "create-user",
        "--username",
        "wang.zhe",
        "--role",
        "supervisor",
        "--store",
        "S1",
        "--store",
        "S2",
        "--name",
        "王喆",
        "--password-stdin",
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "wang.zhe"))
    assert user.role is Role.SUPERVISOR and len(user.stores) == 2
    assert user.check_password("a long enough secret") and not user.must_change_password


def test_create_user_prints_a_one_time_password(app, session, stores):
    result = _run(app, "create-user", "--username", "newbie", "--role", "cashier", "--store", "S1")
    assert result.exit_code == 0 and "One-time password" in result.output
    assert session.scalar(select(User).where(User.username == "newbie")).must_change_password


def test_create_user_errors(app, stores):
    unknown = _run(app, "create-user", "--username", "x", "--role", "cashier", "--store", "S9")
    assert unknown.exit_code != 0 and "unknown store: S9" in unknown.output
    weak = _run(
        app,
        "create-user",
        "--username",
        "y",
        "--role",
        "admin",
        "--password-stdin",
        input="short\n",
    )
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    bad_role = _run(app, "create-user", "--username", "z", "--role", "chef")
    assert bad_role.exit_code != 0 and "Invalid value for '--role'" in bad_role.output


def test_demo_is_idempotent_and_prints_logins(app, session):
    first = _run(app, "demo", "--staff", "3")
    assert first.exit_code == 0, first.output
    assert "cashier03" in first.output and demo_password("admin") in first.output
    # The address printed is the site's configured one, not a hard-coded port.
    assert "Demo sign-ins (http://localhost):" in first.output
    second = _run(app, "demo", "--staff", "3")
    assert second.exit_code == 0
    assert session.scalar(select(func.count(User.id))) == 4 + 3
    roles = set(session.scalars(select(User.role)))
    assert roles == set(Role)


def test_demo_with_content_has_certificate_examples(app, session):
    _run(app, "content", "import")
    result = _run(app, "demo", "--staff", "4")
    assert "expired certificate" in result.output and "revoked certificate" in result.output
    assert session.scalar(select(func.count(Certificate.id))) == 4
    _run(app, "demo", "--staff", "4")
    assert session.scalar(select(func.count(Certificate.id))) == 4  # idempotent


def test_config_from_environment(tmp_path):
    import pytest

    from trainer.config import load_config

    cfg = load_config(
        tmp_path,
        {
            "TRAINER_DATABASE_URL": "postgresql://db/x",
            "TRAINER_SITE_NAME": "Acme",
            "TRAINER_LANGUAGE": "en",
            "TRAINER_REDIS_URL": "redis://r:6379/0",
        },
    )
    assert cfg["DATABASE_URL"] == "postgresql://db/x" and cfg["SITE_NAME"] == "Acme"
    assert cfg["BABEL_DEFAULT_LOCALE"] == "en"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"
    # One Redis, two instances: each its own rate-limit keys and job queue.
    assert cfg["RATELIMIT_KEY_PREFIX"] == "" and "JOBS_QUEUE" not in cfg
    training = load_config(tmp_path, {"TRAINER_REDIS_NAMESPACE": "training"})
    assert training["RATELIMIT_KEY_PREFIX"] == "training"
    assert training["JOBS_QUEUE"] == "trainer-training"
    # The secret key is generated once and kept.
    key = cfg["SECRET_KEY"]
    assert len(key) == 64 and (tmp_path / "secret_key").read_text() == key
    assert load_config(tmp_path, {})["SECRET_KEY"] == key
    assert load_config(tmp_path, {})["DATABASE_URL"].startswith("sqlite:///")
    with pytest.raises(ValueError, match="TRAINER_LANGUAGE='fr'"):
        load_config(tmp_path, {"TRAINER_LANGUAGE": "fr"})
    assert cfg["BABEL_DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    with pytest.raises(ValueError, match="TRAINER_TIMEZONE='Mars/Olympus'"):
        load_config(tmp_path, {"TRAINER_TIMEZONE": "Mars/Olympus"})
    assert cfg["EXPORT_RETENTION_DAYS"] == 30
    assert (
        load_config(tmp_path, {"TRAINER_EXPORT_RETENTION_DAYS": "7"})["EXPORT_RETENTION_DAYS"] == 7
    )
    for bad in ("0", "-3", "a week", "1.5"):
        with pytest.raises(ValueError, match=f"TRAINER_EXPORT_RETENTION_DAYS='{bad}'"):
            load_config(tmp_path, {"TRAINER_EXPORT_RETENTION_DAYS": bad})


def test_base_url_defaults_to_the_address_served(tmp_path):
    from trainer.config import load_config

    assert load_config(tmp_path, {})["BASE_URL"] == "http://127.0.0.1:5000"
    served = load_config(tmp_path, {"TRAINER_HOST": "127.0.0.1", "TRAINER_PORT": "5101"})
    assert served["BASE_URL"] == "http://127.0.0.1:5101"
    # Nobody can browse to the wildcard address: links name loopback instead.
    assert load_config(tmp_path, {"TRAINER_HOST": "0.0.0.0"})["BASE_URL"] == (
        "http://127.0.0.1:5000"
    )
    assert load_config(tmp_path, {"TRAINER_HOST": "::1", "TRAINER_PORT": "8080"})["BASE_URL"] == (
        "http://[::1]:8080"
    )
    explicit = {"TRAINER_PORT": "5101", "TRAINER_BASE_URL": "https://training.example.com"}
    assert load_config(tmp_path, explicit)["BASE_URL"] == "https://training.example.com"


def test_serve_names_the_address_it_binds_and_warns_when_phones_cannot_reach_it():
    from trainer.serve import public_url

    assert public_url("127.0.0.1", 5101, None) == ("http://127.0.0.1:5101", None)
    assert public_url("localhost", 5000, None) == ("http://localhost:5000", None)
    url, warning = public_url("0.0.0.0", 5000, None)
    assert url == "http://127.0.0.1:5000"
    assert "TRAINER_BASE_URL" in warning and "http://127.0.0.1:5000" in warning
    url, warning = public_url("192.0.2.7", 5000, "http://localhost:5000")
    assert url == "http://localhost:5000" and warning
    assert public_url("0.0.0.0", 5000, "https://training.example.com") == (
        "https://training.example.com",
        None,
    )


def _served_connection():
    """A TCP connection on 127.0.0.1: (the client's end, the server's accepted end)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        served, _ = listener.accept()
    client.settimeout(5)
    return client, served


def test_a_served_connection_closes_without_waiting_for_the_client():
    """A request read to its end: the worker is free at once, the client gets all and EOF."""
    from trainer.serve import close_connection

    client, served = _served_connection()
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    client.sendall(request)
    assert served.recv(len(request)) == request
    served.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    started = time.monotonic()
    close_connection(served)  # the client has not closed its side: gunicorn waited up to 2 s
    assert time.monotonic() - started < 0.5
    answer = b""
    while chunk := client.recv(100):
        answer += chunk
    assert answer.endswith(b"\r\n\r\nok")
    client.close()


def test_a_served_connection_with_unread_bytes_waits_for_the_client():
    """Bytes the app did not read: gunicorn's graceful close, so the answer is not reset."""
    from trainer.serve import close_connection

    client, served = _served_connection()
    client.sendall(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
    served.recv(5)  # the app answers without reading the rest
    time.sleep(0.05)  # the rest has arrived (loopback)
    served.sendall(b"HTTP/1.1 403 FORBIDDEN\r\nContent-Length: 0\r\n\r\n")
    closing = threading.Thread(target=close_connection, args=(served,))
    closing.start()
    closing.join(0.3)
    assert closing.is_alive()  # waiting for the client
    assert client.recv(100).startswith(b"HTTP/1.1 403")
    client.close()
    closing.join(5)
    assert not closing.is_alive()


def test_serve_workers_get_the_served_address(app, tmp_path):
    """Each gunicorn worker builds the app with the address `trainer serve` printed."""
    from trainer.serve import _Gunicorn

    settings = {**app.config, "BASE_URL": "http://127.0.0.1:5101"}
    worker_app = _Gunicorn({"bind": "127.0.0.1:5101"}, settings).load()
    try:
        assert worker_app.config["BASE_URL"] == "http://127.0.0.1:5101"
    finally:
        worker_app.extensions["engine"].dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app, backend):
    if backend != "sqlite":
        return
    with app.extensions["engine"].connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_content_import_decides_the_team_matrix_it_marked(app, session, people, content):
    """A content change marks everyone's cells stale; the import decides them itself, so the
    first supervisor's team page after it does not."""
    from datetime import timedelta

    from sqlalchemy import delete

    from trainer.models import MatrixCell, MatrixStale, User
    from trainer.tracking import kept
    from trainer.tracking.service import Item, assign, today

    cashier = session.get(User, people["cashier"].user.id)
    assign(
        session,
        None,
        Item("quiz", "basics-quiz", {}),
        today() + timedelta(days=7),
        people=[cashier],
    )
    kept.refresh(session)
    session.execute(delete(MatrixCell))  # gone: only deciding everyone brings the cell back
    session.commit()
    lesson = content / "courses/basics/01-void-or-refund.en.md"
    lesson.write_text(lesson.read_text().replace("Check the batch first", "Check the batch"))
    course = content / "courses/basics/course.yaml"
    course.write_text(course.read_text().replace('version: "1.2"', 'version: "1.3"'))

    changed = _run(app, "content", "import", str(content))
    assert changed.exit_code == 0, changed.output
    assert "Team and trends pages brought up to date" in changed.output
    assert session.scalars(select(MatrixStale.user_id)).all() == []
    assert session.scalars(select(MatrixCell.item).where(MatrixCell.user_id == cashier.id)).all()
    again = _run(app, "content", "import", str(content))  # nothing changed: nothing to decide
    assert again.exit_code == 0, again.output
    assert "brought up to date" not in again.output
