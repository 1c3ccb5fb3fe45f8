"""Security headers on every response.

The pages load scripts and styles from this site only (no inline script, no
inline style), may not be framed, and HR's pages and API answers, which carry
personal data, are never stored by a browser or a proxy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: The development inbox shows HTML mail in a sandboxed srcdoc frame, which
#: inherits this policy; mail carries its styles inline (css-inline), so only
#: there inline styles are allowed. Scripts stay forbidden.
DEV_MAIL_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)

PRIVATE_PREFIXES = ("/hr", "/api/")


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    path = request.url.path
    policy = DEV_MAIL_POLICY if path.startswith("/dev/mail") else CONTENT_SECURITY_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if path == "/hr" or path.startswith(PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response
