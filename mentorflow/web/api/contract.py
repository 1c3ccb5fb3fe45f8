"""The OpenAPI document as the API keeps it: every operation lists the error
responses any route can give (401, 403, 422 and 503 from the guard, the
validator and the identity provider; 404 where a path names something) as
``ApiErrorBody``, and the ways to authenticate are security schemes.

Added to whatever the routes declare, so a route written without them is
still described truthfully, and schemathesis holds every route to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from mentorflow.web.api.errors import DESCRIBED, ApiErrorBody

_ERROR_REF = {"$ref": "#/components/schemas/ApiErrorBody"}
_ALWAYS = (401, 403, 422, 503)

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "An OpenID Connect access token from the identity provider, or an API "
            "key (mfk_...) an administrator issued at /hr/api-keys."
        ),
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key (mfk_...), instead of 'Authorization: Bearer'.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "mentorflow_hr",
        "description": "The HR console's session cookie.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "With the session cookie, a state-changing request carries "
        "the session's CSRF token.",
    },
}
SECURITY = [{"bearer": []}, {"apiKey": []}, {"session": [], "csrf": []}]


def _error(status: int) -> dict[str, Any]:
    content = {"application/json": {"schema": _ERROR_REF}}
    return {"description": DESCRIBED[status], "content": content}


def _complete(operation: dict[str, Any], path: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    statuses = (*_ALWAYS, 404) if "{" in path else _ALWAYS
    for status in statuses:
        existing = responses.get(str(status))
        # FastAPI's own 422 (HTTPValidationError) is not what the API sends.
        if existing is None or "HTTPValidationError" in str(existing):
            responses[str(status)] = _error(status)
    operation.setdefault("security", SECURITY)


def install_contract(api: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        document = get_openapi(
            title=api.title,
            version=api.version,
            description=api.description,
            routes=api.routes,
            servers=[{"url": "/api/v1"}],
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        error_body = ApiErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.setdefault("ApiErrorBody", error_body)
        components["securitySchemes"] = SECURITY_SCHEMES
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    _complete(operation, path)
        api.openapi_schema = document
        return document

    api.openapi = openapi  # type: ignore[method-assign]
