"""Production serving with gunicorn."""

from __future__ import annotations

import ipaddress
import os

import click
from gunicorn.app.base import BaseApplication

from trainer.config import local_url


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, settings: dict):
        self.options = options
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from trainer import create_app, jobs

        app = create_app(self.settings)
        # Each worker loads the app (no preload): embedded jobs queued before a restart run now.
        jobs.resume_queued(app)
        return app


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name or an address) only answers on this machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int, configured: str | None) -> tuple[str, str | None]:
    """The site's address for links and QR codes, and a warning when staff phones cannot reach it.

    ``TRAINER_BASE_URL`` wins when set (a proxy in front knows the public name). Unset, the site
    names the address it really serves, so QR codes and printed links answer.
    """
    from urllib.parse import urlsplit

    base_url = configured or local_url(host, port)
    warning = None
    if not is_loopback(host) and is_loopback(urlsplit(base_url).hostname):
        warning = (
            f"Serving on {host}:{port} for other machines, but links and certificate QR codes "
            f"point to {base_url}, which only this machine can open. Set TRAINER_BASE_URL to the "
            "address staff phones reach, e.g. TRAINER_BASE_URL=http://192.0.2.10:5000."
        )
    return base_url, warning


def serve(*, host: str, port: int, workers: int) -> None:
    """Run gunicorn with sync workers (fastest on small machines, see BASELINES.md)."""
    base_url, warning = public_url(host, port, os.environ.get("TRAINER_BASE_URL"))
    if warning:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    click.echo(f"Serving on {base_url} — press Ctrl+C to stop.")
    _Gunicorn(
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "accesslog": "-",
            "timeout": 120,  # a bulk PDF export runs as a job, but a manual PDF can take seconds
            "preload_app": False,
        },
        {"BASE_URL": base_url},
    ).run()
