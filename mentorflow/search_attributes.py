"""The custom search attributes mentorflow's workflows carry, so an operator
can list a cohort's, a program's or a person's workflows in the Temporal UI
(``MentorflowCohort = "2027-spring"``). Ids only, never names or emails: a
search attribute is stored unencrypted in the visibility store.

The embedded dev server registers them at start; a cluster needs them
created once (``deploy/README.md`` shows the commands). No workflow sets
them yet: the cohort and pair workflows will, once pairs are started
without being held as the cohort's children."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

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
