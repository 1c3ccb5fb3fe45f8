"""Who may do what in the HR console and the API.

An administrator (by email in ``MENTORFLOW_HR_ADMINS`` or by membership of
``MENTORFLOW_HR_ADMIN_GROUP``) sees every program; a program manager sees the
programs whose file names them; anyone else signed in has no access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from mentorflow.settings import Settings


class HrPerson(BaseModel):
    """Someone signed in through the identity provider."""

    email: str = Field(min_length=3, max_length=320)
    name: str = ""
    groups: list[str] = []

    @property
    def shown_as(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class HrRole(StrEnum):
    ADMINISTRATOR = "administrator"
    PROGRAM_MANAGER = "program_manager"


@dataclass(frozen=True)
class Access:
    person: HrPerson
    roles: frozenset[HrRole]
    #: The programs managed; an administrator may see every program besides.
    managed: frozenset[str]

    @property
    def administrator(self) -> bool:
        return HrRole.ADMINISTRATOR in self.roles

    @property
    def has_any(self) -> bool:
        return bool(self.roles)

    @property
    def programs(self) -> frozenset[str] | None:
        """The programs in scope; None means all of them."""
        return None if self.administrator else self.managed

    def may_see(self, program: str) -> bool:
        return self.administrator or program in self.managed


def access_for(person: HrPerson, settings: Settings, managers: Mapping[str, list[str]]) -> Access:
    """``managers`` maps each program to its managers' emails (lowercased)."""
    email = person.email.strip().lower()
    roles: set[HrRole] = set()
    if email in settings.hr_admins or (
        settings.hr_admin_group and settings.hr_admin_group in person.groups
    ):
        roles.add(HrRole.ADMINISTRATOR)
    managed = frozenset(program for program, emails in managers.items() if email in emails)
    if managed:
        roles.add(HrRole.PROGRAM_MANAGER)
    return Access(person=person, roles=frozenset(roles), managed=managed)
