"""Demo data (`trainer demo`, `make run`): created once, never overwriting what people changed."""

from __future__ import annotations

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers import login
from trainer.auth.passwords import password_problem
from trainer.cli import main
from trainer.models import User


def _demo(app, *args):
    result = CliRunner().invoke(
        main, ["demo", "--staff", "3", *args], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    return result.output


def _logins(output: str) -> dict[str, str]:
    """username -> printed password, from the demo's sign-in table."""
    rows = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("admin", "compliance", "supervisor", "cashier"):
            rows[parts[1]] = parts[2]
    return rows


def _user(session, username: str) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def test_demo_never_resets_a_changed_password_or_reactivates_an_account(app, session):
    _demo(app)
    admin = _user(session, "admin")
    admin.set_password("a private passphrase of mine")
    admin.must_change_password = False
    session.commit()
    _user(session, "cashier01").active = False
    session.commit()

    output = _demo(app)

    admin = _user(session, "admin")
    assert admin.check_password("a private passphrase of mine")
    assert not _user(session, "cashier01").active
    # The listing says which printed sign-ins no longer work, instead of printing a wrong one.
    assert "admin" not in _logins(output)
    assert "cashier02" in _logins(output)


def test_demo_accounts_change_their_password_at_first_sign_in(app, session):
    logins = _logins(_demo(app))
    assert set(logins) >= {"admin", "compliance", "supervisor1", "cashier01"}
    assert all(_user(session, name).must_change_password for name in logins)
    client = app.test_client()
    response = login(client, "cashier01", logins["cashier01"])
    assert response.status_code == 302 and response.location.endswith("/password")


def test_keep_demo_passwords_flag_skips_the_forced_change(app, session):
    logins = _logins(_demo(app, "--keep-demo-passwords"))
    assert not any(_user(session, name).must_change_password for name in logins)
    response = login(app.test_client(), "cashier01", logins["cashier01"])
    assert response.status_code == 302 and not response.location.endswith("/password")


def test_demo_passwords_pass_the_sites_password_policy(app, session):
    logins = _logins(_demo(app))
    for username, password in logins.items():
        user = _user(session, username)
        assert password_problem(password, username, [user.name]) is None, (username, password)
