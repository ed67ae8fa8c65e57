"""Production serving with gunicorn."""

from __future__ import annotations

import ipaddress
import os
import socket

import click
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.sync import SyncWorker

from trainer.config import local_url

_close_graceful = util.close_graceful


def close_connection(sock: socket.socket) -> None:
    """Close a served connection at once when nothing is left to read on it.

    gunicorn closes every connection "gracefully" (``util.close_graceful``, RFC 9112 9.6): it
    sends its FIN, then reads until the client closes too, for up to 2 s, so that request bytes
    the app did not read cannot turn the close into a reset that truncates the response. A sync
    worker serves nobody while it waits: one client round trip after every response. Measured
    at 500 quiz requests per second (benchmarks/CAPACITY.md), each worker spent 12 % of its time
    in that wait, some waits 1.3 s, while 500-700 connections queued in the listen backlog.

    With nothing unread (the app read the whole request, as every form post does), a plain
    close sends the same FIN and cannot reset, so it is used; otherwise gunicorn's own close.
    Only bytes still on their way when the answer is sent (a large body refused unread) can
    still meet a reset, as with any server that closes after its answer.
    """
    try:
        sock.setblocking(False)
        # b"": the client has closed already; any byte: the app left some of the request.
        nothing_unread = sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:  # nothing has arrived and nothing waits: the usual case
        nothing_unread = True
    except (OSError, ValueError):  # reset, or a TLS socket (no peeking): gunicorn's way
        nothing_unread = False
    if nothing_unread:
        util.close(sock)
    else:
        sock.setblocking(True)
        _close_graceful(sock)


class NoLingerSyncWorker(SyncWorker):
    """gunicorn's sync worker, closing each connection with :func:`close_connection`."""

    def init_process(self) -> None:
        # gunicorn's sync worker calls util.close_graceful by name; this worker runs in a
        # process of its own (forked by the arbiter), so the swap stays inside it.
        util.close_graceful = lambda sock, *_args, **_kwargs: close_connection(sock)
        super().init_process()


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
            "worker_class": NoLingerSyncWorker,
            "accesslog": "-",
            "timeout": 120,  # a bulk PDF export runs as a job, but a manual PDF can take seconds
            "preload_app": False,
        },
        {"BASE_URL": base_url},
    ).run()
