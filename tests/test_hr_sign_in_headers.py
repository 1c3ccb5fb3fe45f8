"""Security headers and cookie flags, and what roles and program files say
about who may see what: the parts of HR sign-in that need no browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mentorflow.devstack_identity import embedded_provider
from mentorflow.program import ProgramConfig
from mentorflow.settings import Settings
from mentorflow.web import create_app
from mentorflow.web.auth.roles import HrPerson, HrRole, access_for
from mentorflow.web.auth.session import safe_destination


def app_settings(tmp_path: Path, db_url: str, **changes: object) -> Settings:
    return Settings(var_dir=tmp_path, database_url=db_url, secret_key="test", **changes)


def test_every_response_carries_the_security_headers(tmp_path: Path, sqlite_url: str) -> None:
    client = TestClient(create_app(app_settings(tmp_path, sqlite_url)))
    for path in ("/", "/hr", "/api/v1/cohorts", "/l/checkin/not-a-token"):
        response = client.get(path, follow_redirects=False)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert client.get("/hr", follow_redirects=False).headers["cache-control"] == "no-store"
    assert client.get("/api/v1/openapi.json").headers["cache-control"] == "no-store"
    # Participants' pages set no cookie: only HR signs in.
    assert "set-cookie" not in client.get("/").headers


def test_no_page_template_has_inline_script() -> None:
    templates = Path(__file__).resolve().parent.parent / "templates" / "web"
    for page in templates.rglob("*.html"):
        text = page.read_text().lower()
        assert "<script" not in text and " on" + "click=" not in text, page
        assert "style=" not in text and "<style" not in text, page


def test_api_documents_its_routes_and_errors(tmp_path: Path, sqlite_url: str) -> None:
    client = TestClient(create_app(app_settings(tmp_path, sqlite_url)))
    document = client.get("/api/v1/openapi.json").json()
    # At least these: the other parts of the console add theirs.
    assert set(document["paths"]) >= {
        "/cohorts",
        "/programs/{name}/cohorts",
        "/api-keys",
        "/api-keys/{key_id}/revoke",
    }
    listing = document["paths"]["/cohorts"]["get"]["responses"]
    assert set(listing) >= {"200", "401", "403"}
    assert "ApiErrorBody" in document["components"]["schemas"]


@pytest.mark.parametrize(
    ("base_url", "secure"), [("https://hr.example", True), ("http://x", False)]
)
def test_session_cookie_flags(tmp_path: Path, sqlite_url: str, base_url: str, secure: bool) -> None:
    with embedded_provider(0) as provider:
        settings = provider.configure(app_settings(tmp_path, sqlite_url, base_url=base_url))
        client = TestClient(create_app(settings), base_url=base_url)
        response = client.get("/hr/sign-in", follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{provider.issuer}/oauth2/authorize?")
    for part in ("code_challenge_method=S256", "code_challenge=", "state=", "nonce="):
        assert part in location
    assert f"redirect_uri={base_url.replace(':', '%3A').replace('/', '%2F')}" in location
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("secure" in cookie.split("; ")) is secure


def test_sign_in_without_a_provider_says_so(tmp_path: Path, sqlite_url: str) -> None:
    client = TestClient(create_app(app_settings(tmp_path, sqlite_url)))
    response = client.get("/hr/sign-in")
    assert response.status_code == 503
    assert "MENTORFLOW_OIDC_ISSUER" in response.text


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/hr/programs/A", "/hr/programs/A"),
        ("https://evil.example/hr", "/hr"),
        ("//evil.example/hr", "/hr"),
        ("/hr/..//evil.example", "/hr"),
        ("/l/checkin/x", "/hr"),
        (None, "/hr"),
    ],
)
def test_sign_in_comes_back_only_to_the_console(given: object, kept: str) -> None:
    assert safe_destination(given) == kept


def test_roles_from_settings_and_program_files() -> None:
    settings = Settings(hr_admins="Ada@Corp.example, root@corp.example", hr_admin_group="admins")
    managers = {"A": ["anna@corp.example"], "B": ["ben@corp.example", "anna@corp.example"]}

    ada = access_for(HrPerson(email="ada@corp.example"), settings, managers)
    assert ada.roles == {HrRole.ADMINISTRATOR} and ada.programs is None and ada.may_see("Z")

    grouped = access_for(HrPerson(email="g@corp.example", groups=["admins"]), settings, {})
    assert grouped.administrator

    anna = access_for(HrPerson(email="Anna@corp.example"), settings, managers)
    assert anna.roles == {HrRole.PROGRAM_MANAGER}
    assert anna.programs == {"A", "B"}

    ben = access_for(HrPerson(email="ben@corp.example", groups=["staff"]), settings, managers)
    assert ben.programs == {"B"} and not ben.may_see("A")

    nobody = access_for(HrPerson(email="x@corp.example"), settings, managers)
    assert not nobody.has_any and nobody.programs == frozenset()


def test_a_program_file_names_several_managers() -> None:
    program = ProgramConfig.model_validate(
        {
            "name": "P",
            "program_manager_email": "Lead@corp.example",
            "managers": ["second@corp.example", "lead@corp.example"],
        }
    )
    assert program.manager_emails == ["lead@corp.example", "second@corp.example"]
    with pytest.raises(ValueError, match="not an email address"):
        ProgramConfig.model_validate(
            {"name": "P", "program_manager_email": "a@corp.example", "managers": ["nope"]}
        )


def test_an_unreachable_provider_is_a_clear_503(tmp_path: Path, sqlite_url: str) -> None:
    from tests.conftest import free_port

    issuer = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = TestClient(create_app(app_settings(tmp_path, sqlite_url, oidc_issuer=issuer)))
    page = client.get("/hr/sign-in")
    assert page.status_code == 503
    assert "cannot be reached" in page.text
    api = client.get("/api/v1/cohorts", headers={"Authorization": "Bearer some-token"})
    assert api.status_code == 503
    assert api.json()["code"] == "provider_unavailable"
