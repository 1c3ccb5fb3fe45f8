"""The company's identity provider, as Authlib's Starlette client sees it:
authorization code with PKCE (S256), state and nonce kept in the session
cookie until the callback; access tokens of API callers checked at the
provider's userinfo endpoint.
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from mentorflow.settings import Settings
from mentorflow.web.auth.roles import HrPerson

# Authlib talks to the provider through httpx2 when it is installed (it is,
# by scim2-client), else httpx: a provider that cannot be reached raises either.
try:
    import httpx2

    PROVIDER_UNREACHABLE: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError)
except ImportError:  # pragma: no cover - depends on what else is installed
    PROVIDER_UNREACHABLE = (httpx.HTTPError,)

PROVIDER_NAME = "hr"
#: How long the provider may take to answer a token or userinfo request.
PROVIDER_TIMEOUT = 10.0


class SignInUnavailable(RuntimeError):
    """No identity provider is configured (``MENTORFLOW_OIDC_ISSUER`` unset)."""


class IdentityProvider:
    """One registered OIDC client for the app's lifetime."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: StarletteOAuth2App | None = None
        if settings.oidc_issuer:
            oauth = OAuth()
            issuer = settings.oidc_issuer.rstrip("/")
            oauth.register(
                PROVIDER_NAME,
                server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                client_kwargs={
                    "scope": settings.oidc_scopes,
                    "code_challenge_method": "S256",
                    "timeout": PROVIDER_TIMEOUT,
                },
            )
            self.client = oauth.create_client(PROVIDER_NAME)

    def require(self) -> StarletteOAuth2App:
        if self.client is None:
            raise SignInUnavailable("HR sign-in is not configured (MENTORFLOW_OIDC_ISSUER)")
        return self.client

    def person_from(self, claims: dict[str, Any]) -> HrPerson | None:
        """The person the claims describe; None without an email to know them by."""
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            return None
        # Roles hang on the email: one the provider says it has not verified
        # could be anyone's. (Providers that never send the claim are trusted.)
        if claims.get("email_verified") is False:
            return None
        groups = claims.get(self.settings.oidc_groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        name = claims.get("name")
        return HrPerson(
            email=email.strip().lower(),
            name=name if isinstance(name, str) else "",
            groups=[str(g) for g in groups if isinstance(g, str | int)],
        )

    async def person_for_access_token(self, token: str) -> HrPerson | None:
        """Who an API caller's bearer token belongs to, as the provider's
        userinfo endpoint says; None when the provider does not accept it."""
        client = self.require()
        metadata = await client.load_server_metadata()
        endpoint = metadata.get("userinfo_endpoint")
        if not endpoint:
            raise SignInUnavailable("the identity provider has no userinfo endpoint")
        async with httpx.AsyncClient(timeout=PROVIDER_TIMEOUT) as http:
            response = await http.get(endpoint, headers={"Authorization": f"Bearer {token}"})
        if response.status_code in (400, 401, 403):
            return None
        response.raise_for_status()
        return self.person_from(response.json())
