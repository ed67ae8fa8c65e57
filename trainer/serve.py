"""Production serving with gunicorn."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from trainer import create_app, jobs

        app = create_app()
        # Each worker loads the app (no preload): embedded jobs queued before a restart run now.
        jobs.resume_queued(app)
        return app


def serve(*, host: str, port: int, workers: int) -> None:
    """Run gunicorn with sync workers (fastest on small machines, see BASELINES.md)."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "accesslog": "-",
            "timeout": 120,  # a bulk PDF export runs as a job, but a manual PDF can take seconds
            "preload_app": False,
        }
    ).run()
