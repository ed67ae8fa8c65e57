"""Flask extensions, created unbound here and bound to the app in create_app()."""

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


class RouteLimiter(Limiter):
    """Flask-Limiter for an app whose only limits are on the routes that declare one.

    Flask-Limiter checks every request in a before_request hook, for default and application
    limits, and each decorated route again in its decorator. With neither kind of limit that
    hook only ever finds nothing to do, at about 0.1 ms on every request (measured), so it is
    left out; the decorators check their routes as before.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        manager = self.limit_manager
        hooks = app.before_request_funcs.get(None, [])
        if not (manager.default_limits or manager.application_limits) and (
            self._check_request_limit in hooks
        ):
            hooks.remove(self._check_request_limit)


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: each limited route says its own (sign-in, certificate checks).
limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])
