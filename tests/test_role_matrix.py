"""Every URL rule × every role (and anonymous): the declared policy and the real outcome.

A route added without an entry in EXPECTED fails here, and so does a route without a policy.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, PathConverter

from tests.helpers import login_as
from trainer.security import policy_of

ANON = "anonymous"
ROLES = ["cashier", "supervisor", "compliance", "admin"]
PUBLIC = "public"
API = "api token"
EVERYONE = set(ROLES)
ADMIN = {"admin"}
OVERSIGHT = {"supervisor", "compliance", "admin"}

#: endpoint -> who may use it: PUBLIC, or the set of roles.
EXPECTED: dict[str, object] = {
    "static": PUBLIC,
    "main.home": EVERYONE,
    "main.set_language": PUBLIC,
    "main.health": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": EVERYONE,
    "auth.change_password": EVERYONE,
    "auth.profile": EVERYONE,
    "admin.users": ADMIN,
    "admin.new_user": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.reset_user_password": ADMIN,
    "admin.toggle_active": ADMIN,
    "admin.stores": ADMIN,
    "admin.edit_store": ADMIN,
    "admin.roster": ADMIN,
    "admin.roster_import": ADMIN,
    "admin.roster_handout": ADMIN,
    "gift.upload": ADMIN,
    "gift.export": ADMIN,
    "quizbuilder.index": ADMIN,
    "quizbuilder.new": ADMIN,
    "quizbuilder.edit": ADMIN,
    "quizbuilder.bank": ADMIN,
    "quizbuilder.translate": ADMIN,
    "courses.catalogue": EVERYONE,
    "courses.course": EVERYONE,
    "courses.lesson": EVERYONE,
    "courses.mark_read": EVERYONE,
    "courses.acknowledge_course": EVERYONE,
    "courses.printable": EVERYONE,
    "courses.manual_pdf": EVERYONE,
    "courses.asset": EVERYONE,
    "courses.search_manuals": EVERYONE,
    "quizzes.index": EVERYONE,
    "quizzes.quiz": EVERYONE,
    "quizzes.start": EVERYONE,
    "quizzes.attempt": EVERYONE,
    "quizzes.save": EVERYONE,
    "quizzes.step": EVERYONE,
    "quizzes.submit": EVERYONE,
    "quizzes.result": EVERYONE,
    "quizzes.grading_queue": {"supervisor", "admin"},
    "quizzes.grade_item": {"supervisor", "admin"},
    "drills.index": EVERYONE,
    "drills.practice": EVERYONE,
    "drills.join_form": EVERYONE,
    "drills.join": EVERYONE,
    "drills.play": EVERYONE,
    "drills.state": EVERYONE,
    "drills.answer": EVERYONE,
    "simulator.index": EVERYONE,
    "simulator.start": EVERYONE,
    "simulator.run": EVERYONE,
    "simulator.key": EVERYONE,
    "simulator.quiz_key": EVERYONE,
    "simulator.drill_key": EVERYONE,
    "simulator.finish": EVERYONE,
    "simulator.debrief": EVERYONE,
    "simulator.replay": EVERYONE,
    "live_drills.live_index": {"supervisor", "admin"},
    "live_drills.live_new": {"supervisor", "admin"},
    "live_drills.board": {"supervisor", "admin"},
    "live_drills.board_json": {"supervisor", "admin"},
    "live_drills.live_start": {"supervisor", "admin"},
    "live_drills.live_next": {"supervisor", "admin"},
    "live_drills.live_end": {"supervisor", "admin"},
    "drill_log.index": {"supervisor", "compliance", "admin"},
    "drill_log.record": {"supervisor", "compliance", "admin"},
    "drill_log.log_csv": {"supervisor", "compliance", "admin"},
    "drill_log.log_pdf": {"supervisor", "compliance", "admin"},
    "certificates.mine": EVERYONE,
    "certificates.download": EVERYONE,
    "certificates.verify": PUBLIC,
    "certificates.verify_form": PUBLIC,
    "certificates.verify_json": PUBLIC,
    "certificates.manage": {"supervisor", "compliance", "admin"},
    "certificates.detail": {"supervisor", "compliance", "admin"},
    "certificates.revoke_certificate": {"compliance", "admin"},
    "certificates.reissue_certificate": {"compliance", "admin"},
    "exports.export": {"compliance", "admin"},
    "auditlog.index": {"compliance", "admin"},
    "auditlog.export_csv": {"compliance", "admin"},
    "exports.job": {"compliance", "admin"},
    "exports.job_status": {"compliance", "admin"},
    "exports.download": {"compliance", "admin"},
    "reports.weak_topics": OVERSIGHT,
    "reports.trends": OVERSIGHT,
    "reports.gaps_report": OVERSIGHT,
    "reports.gaps_export": OVERSIGHT,
    "reports.items_export": OVERSIGHT,
    "reports.items_index": OVERSIGHT,
    "reports.items": OVERSIGHT,
    "admin.api_clients": ADMIN,
    "admin.revoke_api_client": ADMIN,
    "tracking.team": {"supervisor", "compliance", "admin"},
    "tracking.export_team": {"supervisor", "compliance", "admin"},
    "tracking.export_attempts": {"supervisor", "compliance", "admin"},
    "tracking.person": EVERYONE,
    "tracking.drill_debrief": EVERYONE,
    "tracking.mine": EVERYONE,
    "tracking.assignments": {"supervisor", "compliance", "admin"},
    "tracking.edit_assignment": {"supervisor", "compliance", "admin"},
    "tracking.cancel_assignment": {"supervisor", "compliance", "admin"},
    "tracking.onboarding": ADMIN,
    "tracking.toggle_rule": ADMIN,
    "tracking.read_notices": EVERYONE,
    "api.certificates": API,
    "api.certificate": API,
    "api.certificate_pdf": API,
}


def _rules(app):
    yield from app.url_map.iter_rules()


def _url(app, rule) -> str:
    """The rule's URL with sample arguments: ids that don't exist, harmless strings."""
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        if isinstance(converter, IntegerConverter):
            values[arg] = 999999
        elif isinstance(converter, PathConverter):
            values[arg] = "nothing-here.css"
        else:
            values[arg] = "nothing-here"
    return app.url_map.bind("localhost").build(
        rule.endpoint, values, method=next(iter(rule.methods - {"HEAD", "OPTIONS"}))
    )


def test_every_route_declares_the_expected_policy(app):
    """Each endpoint has a policy, and it is the one this table expects."""
    endpoints = {rule.endpoint for rule in _rules(app)}
    assert endpoints - EXPECTED.keys() == set(), "routes missing from the role matrix"
    assert EXPECTED.keys() - endpoints == set(), "matrix names routes that do not exist"
    for endpoint in endpoints:
        policy = policy_of(app, endpoint)
        assert policy is not None, f"{endpoint} has no role policy"
        expected = EXPECTED[endpoint]
        if expected == API:
            assert policy.api and not policy.public, endpoint
        elif expected == PUBLIC:
            assert policy.public, endpoint
        else:
            assert not policy.public, endpoint
            assert {r.value for r in policy.roles} == expected, endpoint


@pytest.mark.parametrize("who", [ANON, *ROLES])
def test_every_route_answers_each_role_as_declared(app, people, who):
    """Request every route as ``who``; forbidden ones answer 403 (or send anonymous to sign in)."""
    client = app.test_client()
    if who != ANON:
        login_as(client, people[who])
    for rule in _rules(app):
        if rule.endpoint in ("auth.logout", "static"):
            continue  # signing out would end the session under test; static is just files
        method = "GET" if "GET" in rule.methods else "POST"
        url = _url(app, rule)
        # POSTs carry no CSRF token: allowed roles reach the CSRF check (400), others don't.
        response = client.open(url, method=method)
        expected = EXPECTED[rule.endpoint]
        if expected == API:
            # Sessions never open the API, whoever is signed in: only a bearer token does.
            assert response.status_code == 401, f"{method} {url} as {who}"
            continue
        allowed = expected == PUBLIC or who in expected
        where = f"{method} {url} as {who}: {response.status_code}"
        if allowed:
            assert response.status_code != 403, where
            assert "/login" not in (response.location or "") or rule.endpoint == "auth.login", where
        elif who == ANON:
            if url.startswith("/api/"):
                assert response.status_code == 401, where
            else:
                assert response.status_code == 302, where
                assert response.location.startswith("/login"), where
        else:
            assert response.status_code == 403, where


def test_a_route_without_policy_is_refused(app, people):
    """Fail closed: a view nobody declared a policy for answers 403 even to an admin."""
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    client = app.test_client()
    login_as(client, people["admin"])
    assert client.get("/undeclared").status_code == 403
