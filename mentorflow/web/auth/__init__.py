"""HR sign-in: OpenID Connect through Authlib, a signed session cookie, roles
and scope, CSRF tokens. Participants never come here: signed links are their
identity."""
