"""Role policy: every route declares who may use it, and one hook enforces it.

A view without a declared policy is refused (fail closed), and tests/test_role_matrix.py
enumerates every URL rule so a new route without a policy fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from trainer.models import Role

F = TypeVar("F", bound=Callable)

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Policy:
    """Who may call a view: anonymous visitors too (public), or signed-in users with a role."""

    public: bool
    roles: frozenset[Role]
    # Views a user who must change their password may still reach (sign out, the change page).
    allow_before_password_change: bool = False
    # API views: no session, a per-client bearer token instead (see api_token).
    api: bool = False


def _attach(policy: Policy) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.policy = policy  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: F) -> F:
    """Anyone, signed in or not, may use this view."""
    return _attach(Policy(public=True, roles=ALL_ROLES, allow_before_password_change=True))(view)


def signed_in(view: F) -> F:
    """Any signed-in user may use this view."""
    return _attach(Policy(public=False, roles=ALL_ROLES))(view)


def roles(*allowed: Role, before_password_change: bool = False) -> Callable[[F], F]:
    """Only signed-in users with one of ``allowed`` roles may use this view."""
    return _attach(
        Policy(
            public=False,
            roles=frozenset(allowed),
            allow_before_password_change=before_password_change,
        )
    )


def api_token(view: F) -> F:
    """API clients with a valid bearer token (created by an admin) may use this view."""
    return _attach(Policy(public=False, roles=frozenset(), api=True))(view)


def policy_of(app: Flask, endpoint: str) -> Policy | None:
    """The policy declared on ``endpoint``'s view, or None when it has none."""
    view = app.view_functions.get(endpoint)
    return getattr(view, "policy", None)


def enforce_policy() -> object | None:
    """before_request hook: refuse requests the route's policy does not allow."""
    if request.endpoint is None:  # 404/405: let Flask answer
        return None
    policy = policy_of(current_app, request.endpoint)
    if policy is None:
        current_app.logger.error("route %s has no role policy; refused", request.endpoint)
        abort(403)
    if policy.public:
        return None
    if policy.api:
        from trainer.api.tokens import authenticate

        if authenticate(request.headers.get("Authorization", "")) is None:
            abort(401)
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and not policy.allow_before_password_change:
        return redirect(url_for("auth.change_password"))
    if current_user.role not in policy.roles:
        abort(403)
    return None


def safe_next(target: str | None, default: str) -> str:
    """A redirect target on this site only: a relative path, never another host or scheme."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:  # browsers treat /\evil.example as //evil.example
        return default
    return target


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def refuse_nul_bytes() -> None:
    """before_request hook: a NUL character is valid in no address, field or search.

    PostgreSQL refuses it in text, so a NUL in a name or a search was a 500 there; refused
    here, once, it is a 400 on every database before any query sees it.
    """
    if (
        "\x00" in request.path
        or _has_nul(request.args.values())
        or _has_nul(request.args.keys())
        or (request.method == "POST" and _has_nul(request.form.values()))
    ):
        abort(400, description="nul")


def init_app(app: Flask) -> None:
    """Install the policy hook and mark Flask's static route public."""
    app.before_request(refuse_nul_bytes)
    app.before_request(enforce_policy)
    if "static" in app.view_functions:
        public(app.view_functions["static"])
