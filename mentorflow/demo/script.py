"""One demo cohort from launch to close: HR's steps in order, the simulated
people around them, and the state the live view shows.

HR imports the directory, launches the cohort and imports the applications;
managers and applicants answer from their mail; once every application has
settled HR closes applications, reviews the proposal, drops one pair and
approves; the matched pairs then live through their stories until the cohort
closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Coroutine
from typing import Any

import httpx
from rich.console import Console
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.applications.csv_import import ImportReport as ApplicationsReport
from mentorflow.cohorts.models import CohortResult, PairRef
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.demo.alumni import SimulatedAlumnus
from mentorflow.demo.applicants import SimulatedApplicant, SimulatedManager
from mentorflow.demo.display import ActivityLog, CohortView, PairStatus
from mentorflow.demo.hr import CohortError, HumanResources
from mentorflow.demo.mailroom import Mailroom
from mentorflow.demo.participants import PairScript, SimulatedParticipant
from mentorflow.demo.plan import DemoPair, DemoPerson, DemoPlan, PlanError
from mentorflow.demo.proposal_view import proposal_view, weakest_pair
from mentorflow.demo.records import ApplicationState, DemoRecords
from mentorflow.demo.stories import Colleague, cast
from mentorflow.devstack import Stack
from mentorflow.hris.models import SyncOutcome
from mentorflow.links import LinkSigner
from mentorflow.models import MentorshipResult, MentorshipSnapshot, Role, mentorship_workflow_id
from mentorflow.program import TimeoutPolicy

#: How long the demo waits for the next round to take shape (an alumnus to
#: accept, the next cohort's pool to fill) before it reports what is missing.
ROUND_PATIENCE = 60.0

#: Application outcomes worth a line in the log, with their reason.
NOTABLE = {
    ApplicationStatus.INELIGIBLE,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.WAITLISTED,
}


async def watch(status: PairStatus, client: Client) -> None:
    """Wait for the pair's result. The cohort starts its pairs in a sliding
    window, so the workflow may not exist yet; any other way of not getting
    a result is recorded, so the demo reports it instead of waiting."""
    handle = client.get_workflow_handle(status.workflow_id, result_type=MentorshipResult)
    while True:
        try:
            status.result = await handle.result()
            return
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                status.error = f"Temporal: {exc.message}"
                return
            await asyncio.sleep(1.0)
        except WorkflowFailureError as exc:
            status.error = str(exc.cause or exc)
            return
        except Exception as exc:  # e.g. the result does not decode: still a failed pair
            status.error = f"{type(exc).__name__}: {exc}"
            return


class CohortScript:
    def __init__(
        self,
        stack: Stack,
        plan: DemoPlan,
        cohort: str,
        records: DemoRecords,
        http: httpx.AsyncClient,
        log: ActivityLog,
        console: Console,
    ) -> None:
        self.stack = stack
        self.plan = plan
        self.cohort = cohort
        self.records = records
        self.http = http
        self.log = log
        self.console = console
        settings = stack.settings
        self.signer = LinkSigner(settings.resolved_secret_key, settings.link_max_age)
        self.hr = HumanResources(stack, records, plan, cohort, log)
        self.mailroom = Mailroom(
            settings.mail_dir, log, watched={plan.program.program_manager_email: "HR"}
        )
        self.view = CohortView()
        self.statuses: list[PairStatus] = []
        self.applications: dict[str, ApplicationState] = {}
        self.people: dict[str, Colleague] = {}
        self.result: CohortResult | None = None
        self.tasks: list[asyncio.Task[None]] = []
        #: People whose story has them leave, and the syncs that told the system.
        self.leavers: dict[str, DemoPerson] = {}
        self.syncs: list[SyncOutcome] = []
        #: Graduates whose story has them accept the invitation to mentor.
        self.alumni: list[SimulatedAlumnus] = []
        #: The cohort's invitations to mentor, by graduate, once it closed.
        self.invitations: dict[str, str] = {}
        #: The next cohort HR launches, and its pool as it opens.
        self.next_cohort = f"{cohort}-next"
        self.next_pool: dict[str, ApplicationState] = {}

    # ------------------------------------------------------------------ the script

    async def run(self) -> None:
        await self.hr.import_directory()
        self.people, managers = await asyncio.to_thread(self.records.colleagues)
        handle = await self.hr.launch()
        self._spawn(self.mailroom.run())
        program, report = await asyncio.to_thread(
            self.records.checked_applications, self.cohort, self.plan.applications
        )
        self._hire_application_people(report, managers)
        await self.hr.submit_applications(program, report)
        submitted = {employee_id for _line, employee_id, _message in report.submitted}
        await self.hr.applications_settled(submitted)
        await self.hr.close_applications()
        proposal = await self.hr.proposal()
        dropped = weakest_pair(proposal)
        self.console.print(proposal_view(proposal, self.people, dropped))
        pairs = [(p.mentor_id, p.mentee_id) for p in proposal.pairs if p is not dropped]
        goals = await asyncio.to_thread(self.records.mentee_goals, self.cohort)
        # People are in place before the pairs start: the introduction is their first mail.
        self._enter_pairs(cast(pairs, self.people, goals, self.plan))
        drop = (
            [PairRef(mentor_id=dropped.mentor_id, mentee_id=dropped.mentee_id)] if dropped else []
        )
        await self.hr.approve(drop)
        try:
            self.result = await handle.result()
        except WorkflowFailureError as exc:
            raise CohortError(f"the cohort's workflow failed: {exc.cause or exc}") from exc
        # The cohort closes once every pair has its result; the watchers follow.
        await asyncio.gather(*(t for t in self.tasks if t.get_name().startswith("watch:")))
        await self._next_round()
        # HR hears of the pairs that ended early in one digest, not mail by mail.
        await self.hr.send_digest()
        await self.mailroom.collect()

    async def _next_round(self) -> None:
        """The graduates hear about the next cohort; HR launches it, and the
        people held for it (an alumnus who accepted, a mentee whose mentor
        left) are in its pool, already approved."""
        expected = set(self.carried_over()) | {a.person.employee_id for a in self.alumni}
        if not expected:
            return
        for alumnus in self.alumni:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(alumnus.accepted.wait(), timeout=ROUND_PATIENCE)
        self.invitations = await asyncio.to_thread(self.records.invitations, self.cohort)
        self.log.info(
            f"{len(self.invitations)} people of {self.cohort} (graduated mentees and the "
            "mentors of graduated pairs) were invited to mentor in the next cohort",
            "bold",
        )
        next_hr = HumanResources(self.stack, self.records, self.plan, self.next_cohort, self.log)
        await next_hr.launch()
        waited = 0.0
        while waited < ROUND_PATIENCE:
            self.next_pool = await asyncio.to_thread(self.records.applications, self.next_cohort)
            approved = {
                e
                for e, state in self.next_pool.items()
                if state.status is ApplicationStatus.APPROVED
            }
            if expected <= approved:
                break
            await asyncio.sleep(1.0)
            waited += 1.0
        for employee_id in sorted(expected & set(self.next_pool)):
            state = self.next_pool[employee_id]
            who = self.people[employee_id].name if employee_id in self.people else employee_id
            self.log.info(
                f"{self.next_cohort}: {who} is {state.status.value}: {state.reason}", "green"
            )

    def carried_over(self) -> list[str]:
        """Mentees whose mentor left, carried over to the next cohort."""
        return sorted(
            {
                m.partner_id
                for sync in self.syncs
                for leaver in sync.leavers
                for m in leaver.mentorships
                if m.role is Role.MENTOR
            }
        )

    def _spawn(self, work: Coroutine[Any, Any, None], name: str = "") -> None:
        self.tasks.append(asyncio.create_task(work, name=name or None))

    def _hire_application_people(
        self, report: ApplicationsReport, managers: dict[str, str]
    ) -> None:
        """The managers of everyone applying, and the applicants who withdraw."""
        applying = {row.employee_id for row in report.rows}
        scripted = {
            "managers.decline": set(self.plan.managers.decline),
            "managers.silent": set(self.plan.managers.silent),
            "withdraw": set(self.plan.withdraw),
        }
        for where, ids in scripted.items():
            strangers = sorted(ids - applying)
            if strangers:
                raise PlanError(
                    f"{where}: {', '.join(strangers)} not among the valid applications "
                    f"of {self.plan.applications.name}"
                )
        reports: dict[str, dict[str, Colleague]] = {}
        for employee_id in sorted(applying):
            manager_id = managers.get(employee_id)
            if manager_id in self.people:
                reports.setdefault(manager_id, {})[employee_id] = self.people[employee_id]
        for manager_id, their_reports in reports.items():
            manager = SimulatedManager(
                self.people[manager_id],
                self.cohort,
                their_reports,
                declines=self.plan.managers.decline,
                silent=set(self.plan.managers.silent),
                http=self.http,
                signer=self.signer,
                log=self.log,
            )
            self._subscribe(manager.person.email, manager.inbox, manager.run())
        for employee_id, reason in self.plan.withdraw.items():
            applicant = SimulatedApplicant(
                self.people[employee_id],
                self.cohort,
                reason,
                http=self.http,
                signer=self.signer,
                log=self.log,
            )
            self._subscribe(applicant.person.email, applicant.inbox, applicant.run())

    def _enter_pairs(self, pairs: list[DemoPair]) -> None:
        for pair in pairs:
            workflow_id = mentorship_workflow_id(
                self.cohort, pair.mentor.employee_id, pair.mentee.employee_id
            )
            script = PairScript(pair, workflow_id, self.plan.checkins_planned)
            for person, role in ((pair.mentor, Role.MENTOR), (pair.mentee, Role.MENTEE)):
                participant = SimulatedParticipant(
                    person,
                    role,
                    script,
                    http=self.http,
                    signer=self.signer,
                    journal=self.plan.journal,
                    log=self.log,
                    leave=self._leave,
                )
                self._subscribe(person.email, participant.inbox, participant.run())
            if pair.mentee.behaviour.accepts_alumni_invitation:
                alumnus = SimulatedAlumnus(
                    self.people[pair.mentee.employee_id],
                    http=self.http,
                    signer=self.signer,
                    log=self.log,
                )
                self.alumni.append(alumnus)
                self._subscribe(pair.mentee.email, alumnus.inbox, alumnus.run())
            status = PairStatus(pair, workflow_id)
            self.statuses.append(status)
            self._spawn(watch(status, self.stack.client), name=f"watch:{workflow_id}")
        self.log.info(f"{len(pairs)} pairs cast into their stories", "bold")

    async def _leave(self, person: DemoPerson) -> None:
        self.log.info(
            f"{person.name} ({person.employee_id}) leaves Northwind Labs; "
            "the HR system's export no longer lists them",
            "magenta",
        )
        self.leavers[person.employee_id] = person
        self.syncs.append(await self.hr.sync_directory(set(self.leavers)))

    def _subscribe(
        self, email: str, inbox: asyncio.Queue[Any], work: Coroutine[Any, Any, None]
    ) -> None:
        self.mailroom.subscribe(email, inbox)
        self._spawn(work)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    # ------------------------------------------------------------------ what it looks like

    async def refresh(self, *, pairs: bool) -> None:
        """The view's state: the cohort's status query, the applications from
        the store (logging the notable moves), and the pairs' snapshots."""
        if self.hr.handle is None:
            return
        with contextlib.suppress(RPCError):  # a busy worker only delays the next refresh
            snapshot = await self.hr.status()
            self.view.status = snapshot.status
            self.view.pairs_planned = snapshot.pairs_planned
            self.view.pairs_started = snapshot.pairs_started
            self.view.pairs_done = snapshot.pairs_done
        states = await asyncio.to_thread(self.records.applications, self.cohort)
        for employee_id, state in states.items():
            before = self.applications.get(employee_id)
            if before is None or before.status != state.status:
                self._log_application(state)
        self.applications = states
        self.view.applications = Counter(state.status for state in states.values())
        if pairs:
            await asyncio.gather(*(self._snapshot(s) for s in self.statuses if not s.finished))

    def _log_application(self, state: ApplicationState) -> None:
        person = self.people.get(state.employee_id)
        who = f"{person.name} ({state.employee_id})" if person else state.employee_id
        silent = state.employee_id in self.plan.managers.silent
        if state.status in NOTABLE or (silent and state.status is ApplicationStatus.APPROVED):
            style = "yellow" if state.status is ApplicationStatus.WAITLISTED else "magenta"
            self.log.info(f"application of {who}: {state.status.value}: {state.reason}", style)

    async def _snapshot(self, status: PairStatus) -> None:
        with contextlib.suppress(Exception):  # not started yet, or a busy worker
            status.snapshot = await self.stack.client.get_workflow_handle(status.workflow_id).query(
                "snapshot", result_type=MentorshipSnapshot
            )

    # ------------------------------------------------------------------ verdict

    def unexpected_applications(self) -> list[str]:
        """The scripted applications that did not end as their script says."""
        after_silence = (
            {ApplicationStatus.MATCHED, ApplicationStatus.WAITLISTED}
            if self.plan.program.manager_approval.on_timeout is TimeoutPolicy.APPROVE
            else {ApplicationStatus.REJECTED}
        )
        expected: dict[str, set[ApplicationStatus]] = {
            **{e: {ApplicationStatus.REJECTED} for e in self.plan.managers.decline},
            **{e: after_silence for e in self.plan.managers.silent},
            **{e: {ApplicationStatus.WITHDRAWN} for e in self.plan.withdraw},
        }
        wrong: list[str] = []
        for employee_id, statuses in sorted(expected.items()):
            state = self.applications.get(employee_id)
            found = state.status.value if state else "not recorded"
            if state is None or state.status not in statuses:
                wanted = " or ".join(sorted(s.value for s in statuses))
                wrong.append(f"the application of {employee_id} is {found}, expected {wanted}")
        return wrong

    def unexpected_events(self) -> list[str]:
        """The HR events the stories script that did not happen."""
        wrong: list[str] = []
        stories = self.plan.stories
        if any(story.mentor.leaves_after_checkin for story in stories):
            if not any(sync.leaving for sync in self.syncs):
                wrong.append("no directory sync recorded the mentor who left")
            elif not self.carried_over():
                wrong.append("the mentee whose mentor left was not carried over")
        for employee_id in [*self.carried_over(), *(a.person.employee_id for a in self.alumni)]:
            state = self.next_pool.get(employee_id)
            if state is None or state.status is not ApplicationStatus.APPROVED:
                found = state.status.value if state else "not there"
                wrong.append(f"{employee_id} in {self.next_cohort} is {found}, expected approved")
        return wrong
