"""trainer: staff training and certification for the people who take card payments at a till."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, the role policy, blueprints, CLI."""
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("TRAINER_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=instance or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    from trainer.web import TemplateEnvironment

    app.jinja_environment = TemplateEnvironment  # before anything creates app.jinja_env
    configure_settings(app, test_config)
    configure_extensions(app)
    configure_blueprints(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, test_config: dict | None) -> None:
    """Defaults, then TRAINER_* environment variables, then test overrides."""
    from trainer.config import load_config

    app.config.update(load_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)


def configure_extensions(app: Flask) -> None:
    """Database, sign-in, CSRF, translations, rate limits, the role policy, templates."""
    from trainer import db, i18n, security, web
    from trainer.auth import login_setup
    from trainer.extensions import csrf, limiter

    db.init_app(app)
    # Registers the listener that keeps the item analysis sums in step with store changes.
    from trainer.reports import itemsums  # noqa: F401

    login_setup.init_app(app)
    # The role policy runs before the CSRF check, so a forbidden request is refused as such.
    security.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    if app.config.get("RATELIMIT_STORAGE_URI", "").startswith("trainer-db:"):
        from trainer import ratelimit  # registers the storage scheme

        app.config["RATELIMIT_STORAGE_URI"] = ratelimit.storage_uri(app.extensions["engine"])
    limiter.init_app(app)
    web.init_app(app)


def configure_blueprints(app: Flask) -> None:
    """One blueprint per area."""
    from trainer.admin.gift_views import bp as gift_bp
    from trainer.admin.quiz_views import bp as quizbuilder_bp
    from trainer.admin.views import bp as admin_bp
    from trainer.api.views import bp as api_bp
    from trainer.auditlog.views import bp as auditlog_bp
    from trainer.auth.views import bp as auth_bp
    from trainer.certificates.export_views import bp as exports_bp
    from trainer.certificates.views import bp as certificates_bp
    from trainer.courses.views import bp as courses_bp
    from trainer.drills.live_views import bp as live_drills_bp
    from trainer.drills.log_views import bp as drill_log_bp
    from trainer.drills.views import bp as drills_bp
    from trainer.errors import init_app as init_errors
    from trainer.main.views import bp as main_bp
    from trainer.quizzes.views import bp as quizzes_bp
    from trainer.reports.views import bp as reports_bp
    from trainer.simulator.views import bp as simulator_bp
    from trainer.tracking.views import bp as tracking_bp

    for blueprint in (
        main_bp,
        auth_bp,
        admin_bp,
        gift_bp,
        quizbuilder_bp,
        courses_bp,
        quizzes_bp,
        drills_bp,
        live_drills_bp,
        drill_log_bp,
        simulator_bp,
        certificates_bp,
        exports_bp,
        reports_bp,
        tracking_bp,
        api_bp,
        auditlog_bp,
    ):
        app.register_blueprint(blueprint)
    init_errors(app)


def configure_cli(app: Flask) -> None:
    """Register the `trainer` commands on the app's CLI group as well."""
    from trainer.cli import register

    register(app)
