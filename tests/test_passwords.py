"""The password policy (NIST 800-63B): length, a common-password list, the user's own names."""

from __future__ import annotations

import pytest

from tests.helpers import login_as, post
from trainer.auth.passwords import common_passwords, password_problem


@pytest.mark.parametrize(
    "password",
    ["Password1!", "abcdefghij", "password123", "qwertyuiop", "1q2w3e4r5t", "iloveyou12"],
)
def test_common_passwords_are_refused(password):
    assert password_problem(password, "li.kun") == "This password is too easy to guess."


def test_the_shipped_list_is_a_real_one():
    words = common_passwords()
    assert len(words) >= 10_000
    assert {"password1!", "abcdefghij", "123456789a"} <= words


@pytest.mark.parametrize(
    "password,names",
    [
        ("LiKun-is-my-name", ["李堃 Li Kun"]),
        ("emma.clarke.2026", ["Supervisor Emma Clarke"]),
        ("zhangbenben88", ["张犇 Zhang Benben"]),
        ("tillcounter-li.kun", []),  # the username
    ],
)
def test_passwords_holding_the_users_own_names_are_refused(password, names):
    assert password_problem(password, "li.kun", names) is not None


def test_a_good_passphrase_passes():
    assert password_problem("river lantern 4417", "li.kun", ["李堃 Li Kun"]) is None
    # a one-letter name part is not a reason to refuse everything
    assert password_problem("river lantern 4417", "x", ["A B"]) is None


def test_the_change_page_checks_names(client, people):
    login_as(client, people["cashier"])  # named "Test cashier"
    response = post(
        client,
        "/password",
        {
            "current": people["cashier"].password,
            "new": "my-name-is-Test-1",
            "confirm": "my-name-is-Test-1",
        },
        token_from="/password",
    )
    assert response.status_code == 200
    assert "Do not use your name" in response.get_data(as_text=True)
