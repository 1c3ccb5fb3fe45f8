"""The embedded identity provider of ``mentorflow dev`` and ``mentorflow
demo``: oidc-provider-mock on loopback, so that a laptop signs HR in through
the same OpenID Connect code as production. Its login form takes whatever
email is typed: that person is then signed in, with whatever role the
settings and program files give that email. The example program's managers
and the configured administrators are offered as one-click buttons on it.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import werkzeug.serving
from oidc_provider_mock import User
from oidc_provider_mock import app as provider_app

from mentorflow.settings import Settings

HOST = "127.0.0.1"
DEV_CLIENT_ID = "mentorflow-dev"


@dataclass(frozen=True)
class EmbeddedProvider:
    issuer: str
    port: int

    def configure(self, settings: Settings) -> Settings:
        """``settings`` pointed at this provider."""
        return settings.model_copy(
            update={
                "oidc_issuer": self.issuer,
                "oidc_client_id": DEV_CLIENT_ID,
                # The mock accepts any secret; a fresh one keeps the code path real.
                "oidc_client_secret": secrets.token_urlsafe(24),
            }
        )


@contextlib.contextmanager
def embedded_provider(port: int, one_click: Sequence[str] = ()) -> Iterator[EmbeddedProvider]:
    """oidc-provider-mock on 127.0.0.1:``port`` (0 = any free port) in a thread,
    requiring a nonce as a strict provider would, until the block exits. The
    emails of ``one_click`` are buttons on its login form."""
    from mentorflow.devstack import bind_socket

    # Fail with the setting's name when the port is taken, like the other parts.
    bind_socket(HOST, port, "OIDC provider", "MENTORFLOW_OIDC_DEV_PORT").close()
    server = werkzeug.serving.make_server(
        HOST,
        port,
        provider_app(
            require_nonce=True,
            user_claims=[User(sub=email, claims={"email": email}) for email in one_click],
        ),
        threaded=True,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield EmbeddedProvider(
            issuer=f"http://{HOST}:{server.server_port}", port=server.server_port
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def example_managers() -> list[str]:
    """The managers named by examples/program.yaml, the first the program's own."""
    from mentorflow.program import load_program
    from mentorflow.settings import PROJECT_ROOT
    from mentorflow.yaml_source import SourceError

    try:
        program = load_program(PROJECT_ROOT / "examples" / "program.yaml")
    except (OSError, SourceError):
        return []
    return list(dict.fromkeys([program.program_manager_email, *program.managers]))


def example_manager() -> str | None:
    """The example program's manager, to suggest on the login form."""
    return next(iter(example_managers()), None)


def one_click_people(settings: Settings) -> list[str]:
    """Who the embedded login form offers as buttons: the example program's
    managers, then the administrators the settings name."""
    return list(dict.fromkeys([*example_managers(), *settings.hr_admins]))


def sign_in_hint(issuer: str) -> str:
    """What ``mentorflow dev`` prints under the console's address."""
    manager = example_manager()
    who = f"click {manager} (the example program's manager)" if manager else "type your email"
    return f"sign in at the provider {issuer}: {who} on its form"
