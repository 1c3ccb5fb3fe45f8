"""What HrisSyncWorkflow and its activities pass each other: one model per
argument, so that fields can be added without breaking running syncs."""

from __future__ import annotations

from pydantic import BaseModel

from mentorflow.cohorts.states import SyncStatus
from mentorflow.models import Participant, Role

#: The fixed workflow id of an on-demand sync (``mentorflow hris sync``); the
#: schedule's runs are ``hris-sync-<time>``. Two syncs never apply at once:
#: the apply step takes a lock (see ``store.hris``).
SCHEDULE_ID = "hris-sync"


class HrisSyncInput(BaseModel):
    #: A CSV export to read instead of the configured source.
    csv_path: str | None = None
    #: HR has checked that this many leavers are real (``--accept-leavers``):
    #: the mass-leaver guard lets a sync with up to this many through.
    accept_leavers: int = 0


class SyncStart(BaseModel):
    sync_id: str
    csv_path: str | None = None


class SyncSource(BaseModel):
    """Where this sync reads from, decided by the worker's settings."""

    source: str  # "csv" | "scim"
    csv_path: str | None = None


class ApplyRequest(BaseModel):
    sync_id: str
    source: SyncSource
    accept_leavers: int = 0


class SyncFailure(BaseModel):
    sync_id: str
    reason: str


class LeaverMentorship(BaseModel):
    mentorship_id: str
    cohort: str
    program_name: str
    #: The leaver's role in the pair.
    role: Role
    partner_id: str


class Leaver(BaseModel):
    employee_id: str
    name: str
    #: Workflow ids of applications still open (submitted … approved).
    open_applications: list[str] = []
    mentorships: list[LeaverMentorship] = []


class ContactChange(BaseModel):
    """New contact details of someone in a running mentorship."""

    participant: Participant
    mentorship_ids: list[str]


class ReportingLineAlert(BaseModel):
    """A running pair that a manager change put inside one reporting line."""

    mentorship_id: str
    cohort: str
    program_name: str
    program_manager_email: str
    mentor: Participant
    mentee: Participant
    #: Who now reports to whom, e.g. "E200 now reports to E100 (through E150)".
    detail: str


class EffectsDone(BaseModel):
    applications_withdrawn: int = 0
    mentorships_ended: int = 0
    mentees_waitlisted: int = 0
    contacts_updated: int = 0


class SyncOutcome(BaseModel):
    sync_id: str
    source: str
    status: SyncStatus
    reason: str = ""
    people: int = 0
    joiners: int = 0
    movers: int = 0
    updates: int = 0
    #: How many would leave (also when the guard refused the sync).
    leaving: int = 0
    leavers: list[Leaver] = []
    returners: int = 0
    contact_changes: list[ContactChange] = []
    reporting_line_alerts: list[ReportingLineAlert] = []
    #: Who hears about a refused or failed sync: every program manager of a
    #: cohort under way, plus ``MENTORFLOW_HRIS_ALERT_EMAIL``.
    alert_recipients: list[str] = []
    #: What reached the workflows once applied.
    effects: EffectsDone = EffectsDone()

    def changes(self) -> list[tuple[str, int]]:
        """What an applied sync did, one labelled count a line (the CLI's
        table and the console's)."""
        effects = self.effects
        return [
            ("people in the HRIS", self.people),
            ("joiners", self.joiners),
            ("movers (department, manager, email, time zone, level)", self.movers),
            ("other updates", self.updates - self.movers),
            ("leavers", self.leaving),
            ("returners", self.returners),
            ("applications withdrawn", effects.applications_withdrawn),
            ("mentorships ended (participant left)", effects.mentorships_ended),
            ("mentees carried over to the next round", effects.mentees_waitlisted),
            ("running pairs given new contact details", effects.contacts_updated),
            ("pairs now in one reporting line (HR alerted)", len(self.reporting_line_alerts)),
        ]


class EffectsRequest(BaseModel):
    outcome: SyncOutcome
