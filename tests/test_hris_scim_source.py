"""The SCIM 2.0 source of the HRIS sync, against a real SCIM service
(scim2-server on loopback) that pages, requires a bearer token and, on demand,
misbehaves: rate limits, outages, garbage pages."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from mentorflow.hris.csv_source import HrisSourceError, read_directory_csv
from mentorflow.hris.diff import DirectoryRecord, diff_directory
from mentorflow.hris.scim_source import (
    DEFAULT_RETRY_AFTER,
    MAX_RETRY_AFTER,
    ScimConnection,
    ScimPage,
    ScimRateLimited,
    ScimRefused,
    ScimUnavailable,
    ScimUser,
    directory_from_scim,
    fetch_page,
    retry_after,
)
from mentorflow.settings import Settings
from tests.support.scim import (  # noqa: F401  (fixtures)
    CORE,
    ENTERPRISE,
    ScimTestServer,
    scim_connection_fixture,
    scim_server_fixture,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "directory.csv"


def example_people(count: int) -> dict[str, DirectoryRecord]:
    """The first ``count`` people of the example organisation."""
    return dict(list(read_directory_csv(EXAMPLE).items())[:count])


async def all_pages(connection: ScimConnection) -> list[ScimPage]:
    pages = [await fetch_page(connection, 1)]
    while pages[-1].next_start_index is not None:
        pages.append(await fetch_page(connection, pages[-1].next_start_index))
    return pages


def user_payload(employee_number: str | None, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "userName": f"user-{employee_number}",
        "displayName": f"Person {employee_number}",
        "emails": [{"value": f"{employee_number}@example.com".lower(), "type": "work"}],
        ENTERPRISE: {"employeeNumber": employee_number} if employee_number else {},
    }
    return payload | fields


# --------------------------------------------------------------------------- paging


async def test_pages_cover_the_whole_directory(scim_server: ScimTestServer) -> None:
    people = example_people(25)
    scim_ids = scim_server.seed(list(people.values()))

    pages = await all_pages(scim_server.connection(page_size=10))

    assert [(p.start_index, len(p.users), p.next_start_index) for p in pages] == [
        (1, 10, 11),
        (11, 10, 21),
        (21, 5, None),
    ]
    assert {p.total_results for p in pages} == {25}
    assert scim_server.faults.user_queries == [
        {"startIndex": str(i), "count": "10"} for i in (1, 11, 21)
    ]
    users = [user for page in pages for user in page.users]
    assert len({user.scim_id for user in users}) == 25
    # A manager outside the 25 seeded people cannot be resolved: no manager.
    expected = {
        employee_id: record.model_copy(
            update={"manager_id": record.manager_id if record.manager_id in people else None}
        )
        for employee_id, record in people.items()
    }
    assert directory_from_scim(users, held=people) == expected

    henrik = next(user for user in users if user.employee_id == "E002")
    assert henrik.manager_scim_id == scim_ids["E001"]
    assert henrik.department == "Platform"
    assert henrik.location == "Berlin"
    assert henrik.timezone == "Europe/Berlin"
    # SCIM has no level nor hire date: a joiner gets the defaults.
    joiner = directory_from_scim(users, held={})["E002"]
    assert (joiner.manager_id, joiner.level, joiner.hire_date) == ("E001", "", None)


async def test_an_empty_directory_is_one_empty_last_page(scim_connection: ScimConnection) -> None:
    page = await fetch_page(scim_connection, 1)
    assert (page.users, page.total_results, page.next_start_index) == ([], 0, None)


async def test_inactive_users_come_back_inactive(scim_server: ScimTestServer) -> None:
    people = example_people(3)
    leaver = people["E003"].model_copy(update={"active": False})
    scim_server.seed([people["E001"], people["E002"], leaver])

    (page,) = await all_pages(scim_server.connection())

    assert {user.employee_id: user.active for user in page.users} == {
        "E001": True,
        "E002": True,
        "E003": False,
    }
    directory = directory_from_scim(page.users, held=people)
    assert diff_directory(people, directory).leavers == ["E003"]


async def test_user_fields_fall_back_as_scim_services_vary(scim_server: ScimTestServer) -> None:
    manager = scim_server.create_user(user_payload("M1"))
    scim_server.create_user(
        {
            "schemas": [CORE, ENTERPRISE],
            "userName": "ada",
            "externalId": "X-77",  # no employeeNumber: the external id stands in
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [
                {"value": "ada@home.example", "type": "home"},
                {"value": "Ada.Lovelace@Example.com", "type": "work", "primary": True},
            ],
            "addresses": [
                {"type": "home", "locality": "Marylebone"},
                {"type": "work", "locality": "London", "primary": True},
            ],
            "title": "Analyst",
            ENTERPRISE: {"department": "Engines", "manager": {"value": manager}},
        }
    )
    scim_server.create_user(user_payload("N2", displayName=None, name={"formatted": "Grace H."}))

    (page,) = await all_pages(scim_server.connection())
    by_employee = {user.employee_id: user for user in page.users}
    ada, grace = by_employee["X-77"], by_employee["N2"]

    assert ada.model_dump(exclude={"scim_id"}) == ScimUser(
        scim_id="-",
        employee_id="X-77",
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        title="Analyst",
        department="Engines",
        manager_scim_id=manager,
        location="London",
    ).model_dump(exclude={"scim_id"})
    assert (grace.name, grace.timezone, grace.level, grace.hire_date) == (
        "Grace H.",
        None,
        None,
        None,
    )


# --------------------------------------------------------------------------- failures


async def test_a_wrong_token_is_refused(scim_server: ScimTestServer) -> None:
    scim_server.seed(list(example_people(2).values()))
    with pytest.raises(ScimRefused, match="401") as refused:
        await fetch_page(scim_server.connection(token="not-the-token"), 1)
    assert isinstance(refused.value, HrisSourceError)  # a configuration problem: no retry
    assert "not-the-token" not in str(refused.value)
    with pytest.raises(ScimRefused, match="401"):
        await fetch_page(scim_server.connection().model_copy(update={"token": None}), 1)


async def test_a_wrong_url_is_refused(scim_server: ScimTestServer) -> None:
    connection = scim_server.connection().model_copy(update={"url": scim_server.url + "/nope"})
    with pytest.raises(ScimRefused, match=r"404.*MENTORFLOW_HRIS_SCIM_URL"):
        await fetch_page(connection, 1)


async def test_rate_limit_says_how_long_to_wait(scim_server: ScimTestServer) -> None:
    scim_server.seed(list(example_people(12).values()))
    connection = scim_server.connection()
    first = await fetch_page(connection, 1)
    scim_server.faults.fail_request(1, 429, retry_after="7")

    with pytest.raises(ScimRateLimited, match="startIndex 11") as limited:
        await fetch_page(connection, 11)
    assert limited.value.retry_after == timedelta(seconds=7)

    second = await fetch_page(connection, 11)
    assert [len(first.users), len(second.users), second.next_start_index] == [10, 2, None]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_worth_retrying(scim_server: ScimTestServer, status: int) -> None:
    scim_server.seed(list(example_people(2).values()))
    scim_server.faults.fail_request(1, status)
    with pytest.raises(ScimUnavailable, match=str(status)):
        await fetch_page(scim_server.connection(), 1)
    assert len((await fetch_page(scim_server.connection(), 1)).users) == 2


async def test_nothing_listening_is_worth_retrying() -> None:
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{reserved.getsockname()[1]}/v2"
        with pytest.raises(ScimUnavailable, match="unreachable"):
            await fetch_page(ScimConnection(url=url, token="t", timeout_seconds=2), 1)


async def test_a_service_too_slow_to_answer_is_worth_retrying(
    scim_server: ScimTestServer,
) -> None:
    scim_server.faults.delay_request(1, 2.0)
    slow = scim_server.connection().model_copy(update={"timeout_seconds": 0.2})
    with pytest.raises(ScimUnavailable, match="unreachable"):
        await fetch_page(slow, 1)


def _drop(field: str, position: int = 1) -> Any:
    def rewrite(page: dict[str, Any]) -> dict[str, Any]:
        page["Resources"][position].pop(field)
        return page

    return rewrite


def _bad_email(page: dict[str, Any]) -> dict[str, Any]:
    page["Resources"][0]["emails"] = [{"value": "not an address", "primary": True}]
    return page


def _no_employee_number(page: dict[str, Any]) -> dict[str, Any]:
    page["Resources"][2].pop(ENTERPRISE)
    page["Resources"][2].pop("externalId")
    return page


@pytest.mark.parametrize(
    ("garbage", "complaint"),
    [
        (b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:List', "startIndex 11: not JSON"),
        ({"hello": "world"}, "startIndex 11: not a SCIM ListResponse"),
        ([1, 2, 3], "startIndex 11: not a SCIM ListResponse"),
        (_drop("id"), r"startIndex 11, user #12: no id"),
        (_drop("emails"), r"startIndex 11, user '.+': no email"),
        (_bad_email, r"startIndex 11, user '.+':.*email"),
        (_no_employee_number, r"startIndex 11, user '.+': no employee number"),
    ],
    ids=[
        "invalid-json",
        "not-a-list-response",
        "json-array",
        "no-id",
        "no-emails",
        "bad-email",
        "no-employee-number",
    ],
)
async def test_a_garbage_page_is_refused_naming_it(
    scim_server: ScimTestServer, garbage: Any, complaint: str
) -> None:
    scim_server.seed(list(example_people(25).values()))
    scim_server.faults.garbage_page(11, garbage)
    connection = scim_server.connection()

    assert len((await fetch_page(connection, 1)).users) == 10
    with pytest.raises(HrisSourceError, match=complaint) as refused:
        await fetch_page(connection, 11)
    assert not isinstance(refused.value, ScimRefused)


def test_retry_after_takes_seconds_or_a_date_and_is_capped() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert retry_after("7") == timedelta(seconds=7)
    assert retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == (
        timedelta(seconds=90)
    )
    assert retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == timedelta(0)
    assert retry_after("86400") == MAX_RETRY_AFTER
    assert retry_after(None) == retry_after("soon") == DEFAULT_RETRY_AFTER


# --------------------------------------------------------------------------- directory


async def test_held_values_fill_what_scim_does_not_say(scim_server: ScimTestServer) -> None:
    held = {
        "A1": DirectoryRecord(
            employee_id="A1",
            email="a1@example.com",
            name="Person A1",
            timezone="Asia/Tokyo",
            level="L5",
            hire_date=date(2019, 4, 1),
        )
    }
    scim_server.create_user(user_payload("A1"))  # no timezone, level nor hire date
    scim_server.create_user(user_payload("B2"))  # a joiner
    scim_server.create_user(user_payload("C3", timezone="America/Chicago"))

    (page,) = await all_pages(scim_server.connection())
    directory = directory_from_scim(page.users, held)

    assert directory["A1"] == held["A1"]
    assert diff_directory(held, directory).updates == []  # no fake change
    assert (directory["B2"].timezone, directory["B2"].level, directory["B2"].hire_date) == (
        "UTC",
        "",
        None,
    )
    assert directory["C3"].timezone == "America/Chicago"


async def test_two_users_with_one_employee_id_are_refused(scim_server: ScimTestServer) -> None:
    first = scim_server.create_user(user_payload("D1"))
    second = scim_server.create_user(user_payload("D1", userName="someone-else"))
    scim_server.create_user(user_payload("D2"))

    (page,) = await all_pages(scim_server.connection())

    with pytest.raises(HrisSourceError, match="'D1'") as refused:
        directory_from_scim(page.users, held={})
    assert first in str(refused.value) and second in str(refused.value)


def test_the_same_user_read_twice_is_one_person() -> None:
    """Offset paging over a directory that changed between pages may repeat a
    user; that is not a duplicate employee."""
    user = ScimUser(scim_id="s1", employee_id="E1", email="e1@example.com", name="E One")
    moved = user.model_copy(update={"department": "Data"})
    assert directory_from_scim([user, moved], held={})["E1"].department == "Data"


def test_connection_from_settings() -> None:
    settings = Settings(
        hris_scim_url="https://hr.example/scim/v2",
        hris_scim_token="secret",
        hris_scim_page_size=50,
        hris_scim_timeout_seconds=5,
    )
    assert ScimConnection.from_settings(settings) == ScimConnection(
        url="https://hr.example/scim/v2", token="secret", page_size=50, timeout_seconds=5
    )
    with pytest.raises(HrisSourceError):
        ScimConnection.from_settings(Settings(hris_scim_url=None))
