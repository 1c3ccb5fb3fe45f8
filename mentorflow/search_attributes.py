"""The custom search attributes mentorflow's workflows carry, so an operator
can list a cohort's, a program's or a person's workflows in the Temporal UI
(``MentorflowCohort = "2027-spring"``). Ids only, never names or emails: a
search attribute is stored unencrypted in the visibility store.

The embedded dev server registers them at start, the time-skipping test
server through ``register``; a cluster needs them created once
(``deploy/README.md`` shows the commands). A cohort carries its cohort and
program, an application its person too, a pair both people and its phase
(upserted as it moves on)."""

from __future__ import annotations

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

COHORT = SearchAttributeKey.for_keyword("MentorflowCohort")
PROGRAM = SearchAttributeKey.for_keyword("MentorflowProgram")
#: The employee ids of the people a workflow is about (a pair's two).
PERSON = SearchAttributeKey.for_keyword_list("MentorflowPerson")
#: Where the lifecycle is (introduction, goals, checkins, ...).
PHASE = SearchAttributeKey.for_keyword("MentorflowPhase")

ALL = (COHORT, PROGRAM, PERSON, PHASE)

#: The type names ``temporal`` commands take for each kind of key.
_TYPE_NAMES = {"KEYWORD": "Keyword", "KEYWORD_LIST": "KeywordList"}


def type_name(key: SearchAttributeKey) -> str:  # type: ignore[type-arg]
    return _TYPE_NAMES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]


def dev_server_arguments() -> list[str]:
    """``temporal server start-dev`` arguments registering every attribute."""
    return [
        argument
        for key in ALL
        for argument in ("--search-attribute", f"{key.name}={type_name(key)}")
    ]


def for_cohort(cohort: str, program: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [SearchAttributePair(COHORT, cohort), SearchAttributePair(PROGRAM, program)]
    )


def for_application(cohort: str, program: str, employee_id: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [*for_cohort(cohort, program), SearchAttributePair(PERSON, [employee_id])]
    )


def for_pair(
    cohort: str, program: str, mentor_id: str, mentee_id: str, phase: str
) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            *for_cohort(cohort, program),
            SearchAttributePair(PERSON, [mentor_id, mentee_id]),
            SearchAttributePair(PHASE, phase),
        ]
    )


async def register(client: Client) -> None:
    """Registers every attribute on a server that has an operator service
    (the time-skipping test server; a cluster, given the rights)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={key.name: key.indexed_value_type for key in ALL},  # type: ignore[misc]
        )
    )
