"""MentorshipWorkflow: one mentor–mentee pair from introduction to graduation.

introduction (both confirm, one reminder, timeout) → goals (the mentee proposes,
the mentor agrees or asks for changes, reminders, deadline) → check-ins every
cadence at 09:00 in each participant's time zone (window, one reminder, a streak
of missed ones alerts HR), with a mid-point survey → final survey → graduation.
At any time: pause / resume (leave pushes every later date back), end early,
or a participant leaving the organisation.

People act through validated updates, so an answer for a closed window or from
someone outside the pair is rejected before it enters history. An answer the
web app kept while no worker ran is judged by when it was received: it counts
if that was inside the person's window, a deadline nobody seemed to meet
first waits for such answers, and a check-in that closed without one is
re-evaluated when it arrives. Every step is recorded in the store and every
email is sent through activities.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from activities.store import StoreActivities
    from mentorflow import schedule, search_attributes
    from mentorflow.late_answers import received_in_window
    from mentorflow.models import (
        ActionReceipt,
        CheckInAnswer,
        CheckInAnswerRecord,
        CheckInClosed,
        CheckInOpened,
        CheckInOutcome,
        CheckInView,
        EmailReceipt,
        EmailRequest,
        EndRequest,
        Goal,
        GoalProposal,
        GoalReview,
        GoalsRecord,
        IntroductionAnswer,
        LinkSpec,
        MentorshipEvent,
        MentorshipInput,
        MentorshipRecord,
        MentorshipResult,
        MentorshipSnapshot,
        MentorshipState,
        Outcome,
        PairClosed,
        Participant,
        ParticipantLeft,
        PauseRequest,
        Phase,
        QuestionKind,
        ResumeRequest,
        Role,
        StatusRecord,
        SurveyAnswer,
        SurveyAnswerRecord,
        SurveyKind,
        SurveyView,
        WouldMentor,
    )
    from mentorflow.notices.models import HrNoticeRecord, NoticeKind
    from workflows.late_answers import await_kept_answers

HR = "hr"
#: Response windows open when their email is accepted by the SMTP server (the
#: email activity's receipt), no longer when the workflow asked for the email.
WINDOWS_FOLLOW_MAIL = "windows-open-when-mail-is-accepted"
#: Emails that end the pair: they carry the check-in invitation's cancellation.
CANCELS_CALENDAR = frozenset({"mentorship_ended"})
STORE_TIMEOUT = timedelta(seconds=30)
#: Check-in answers delivered late are judged by when the web app received them.
RECEIVED_AT_PATCH = "checkin-answer-received-at"
#: Every other answer too (introduction, goals, surveys); and a deadline that
#: nobody seemed to meet first waits for answers the web app kept before it.
ANSWERS_RECEIVED_AT_PATCH = "answers-received-at"
#: A check-in answer delivered after its check-in closed re-evaluates it.
CHECKIN_REEVALUATED_PATCH = "late-checkin-answer-reevaluates"
#: A new pair's row already says "introduction" (no second write for it), and
#: both introductions go out at once: one workflow task fewer a pair, and one
#: store write fewer, which a 5,000-pair launch measures
#: (``benchmarks/cohort_launch.py``).
INTRODUCTION_BATCHED_PATCH = "introduction-batched"
EMAIL_TIMEOUT = timedelta(minutes=2)
# Store and mail outages delay the lifecycle; they never lose a step or a mail.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PermanentMailError"],
)


@workflow.defn
class MentorshipWorkflow:
    @workflow.init
    def __init__(self, input: MentorshipInput) -> None:
        self._input = input
        self._program = input.program
        self._id = workflow.info().workflow_id
        self._state: MentorshipState = input.state or MentorshipState()
        self._paused = False
        self._pause_started: datetime | None = None
        self._outcome: Outcome | None = None
        self._outcome_reason = ""
        self._ended_by: str | None = None
        self._wants_new_mentor = False
        self._declines: dict[str, str] = {}
        self._proposal: list[Goal] | None = None
        #: The proposal the mentor sent back, to prefill the mentee's next one.
        self._returned: list[Goal] = []
        self._proposal_round = 0
        self._feedback = ""
        self._checkins: dict[int, CheckInView] = {}
        self._open: dict[int, set[str]] = {}
        self._sent: dict[int, set[str]] = {}
        #: Whether a late-delivered answer is judged by its ``received_at``.
        self._judge_by_received_at = False
        self._judge_all_by_received_at = False
        self._reevaluate_late_checkins = False
        #: The missed streak and at-risk flag this run began with: a late
        #: answer's re-evaluation replays this run's check-ins from here.
        self._streak_base = self._state.missed_streak
        self._at_risk_base = self._state.at_risk
        #: When each check-in's close was recorded (wall clock), once it was.
        self._closed_at: dict[int, datetime] = {}
        #: Re-evaluations write the check-in row one at a time, in order.
        self._checkin_rewrites = asyncio.Lock()
        #: When each person's email for a step went out (wall clock) and when
        #: the step's window closes (on the timeline), to judge kept answers.
        self._intro_sent: dict[str, datetime] = {}
        self._intro_deadline: datetime | None = None
        self._goals_sent: dict[str, datetime] = {}
        self._goals_deadline: datetime | None = None
        self._survey_sent: dict[SurveyKind, dict[str, datetime]] = {}
        self._survey_closes: dict[SurveyKind, datetime] = {}
        #: When each survey closed, on the wall clock (a later pause moves no
        #: closed window).
        self._survey_closed: dict[SurveyKind, datetime] = {}
        self._answers: dict[int, dict[str, CheckInAnswer]] = {}
        self._surveys: dict[SurveyKind, SurveyView] = {}
        self._survey_answers: dict[SurveyKind, dict[str, SurveyAnswer]] = {}
        self._deadlines: list[datetime] = []
        self._in_flight = 0
        # Updates can arrive in the very first workflow task, before run() has
        # recorded the mentorship; their store writes wait for that row.
        self._recorded = input.state is not None

    # ------------------------------------------------------------------ run

    @workflow.run
    async def run(self, input: MentorshipInput) -> MentorshipResult:
        # Validators may not call patched(): decided once per run, here.
        self._judge_by_received_at = workflow.patched(RECEIVED_AT_PATCH)
        self._judge_all_by_received_at = workflow.patched(ANSWERS_RECEIVED_AT_PATCH)
        self._reevaluate_late_checkins = workflow.patched(CHECKIN_REEVALUATED_PATCH)
        if input.state is None:
            await self._store(
                StoreActivities.record_mentorship_started,
                MentorshipRecord(
                    mentorship_id=self._id,
                    cohort=input.cohort,
                    program=self._program,
                    mentor=input.mentor,
                    mentee=input.mentee,
                    started_at=workflow.now(),
                ),
            )
            self._recorded = True
        if self._state.phase == Phase.INTRODUCTION:
            await self._introduction()
        if self._state.phase == Phase.GOALS and not self._outcome:
            await self._goals()
        if self._state.phase == Phase.CHECKINS and not self._outcome:
            await self._checkin_phase()
        if self._state.phase == Phase.FINAL_SURVEY and not self._outcome:
            # The last check-in's window may run past the term: the survey's
            # window starts when it really goes out, so nobody gets less time.
            await self._survey(SurveyKind.FINAL, max(self._term_end(), self._timeline_now()))
        result = await self._close()
        await self._report_closed(result)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    def _enter(self, phase: Phase) -> None:
        self._state.phase = phase
        # Only pairs started with search attributes (by their cohort's
        # activity, since PAIRS_REPORT_BACK) keep them up to date: an older
        # child pair has none, and its history has no upsert to replay.
        if workflow.info().typed_search_attributes.get(search_attributes.PHASE) is not None:
            workflow.upsert_search_attributes([search_attributes.PHASE.value_set(phase.value)])

    async def _report_closed(self, result: MentorshipResult) -> None:
        """Wakes the cohort (or round) that started this pair, which counts
        the closed pairs in the store: the close is recorded there already."""
        if self._input.reports_to is None:
            return
        try:
            await workflow.get_external_workflow_handle(self._input.reports_to).signal(
                "pair_closed", PairClosed(mentorship_id=self._id, outcome=result.outcome)
            )
        except FailureError as err:
            # The cohort is gone (terminated by an operator): nobody to tell.
            workflow.logger.warning("could not report %s closed: %s", self._id, err)

    # ------------------------------------------------------------------ phases

    async def _introduction(self) -> None:
        start = self._timeline_now()
        timeout = self._program.introduction_timeout
        follow_mail = workflow.patched(WINDOWS_FOLLOW_MAIL)
        batched = self._input.state is None and workflow.patched(INTRODUCTION_BATCHED_PATCH)
        if not batched:
            await self._record_phase(Phase.INTRODUCTION)

        def introduce(person: Participant) -> Awaitable[datetime]:
            return self._send_introduction(
                "introduction", person, start + timeout, timeout if follow_mail else None
            )

        if batched:
            sent = list(await asyncio.gather(*(introduce(p) for p in self._people())))
        else:
            sent = [await introduce(person) for person in self._people()]
        self._intro_sent = {p.employee_id: t for p, t in zip(self._people(), sent, strict=True)}
        if follow_mail:
            # Both must confirm: the window opens when the second one is out.
            start = max(start, *(self._on_timeline(t) for t in sent))
        deadline = start + timeout
        self._intro_deadline = deadline

        def settled() -> bool:
            return bool(self._declines) or len(self._state.confirmed) == 2

        if not await self._wait_until(start + self._program.introduction_timeout / 2, settled):
            for person in self._people():
                if person.employee_id not in self._state.confirmed and not self._outcome:
                    await self._send_introduction("introduction_reminder", person, deadline)
            await self._wait_until(deadline, settled)
        if self._judge_all_by_received_at and not settled() and not self._outcome:
            await await_kept_answers(self._shown(deadline), settled)
        if self._outcome:
            return
        if self._declines:
            by, reason = next(iter(self._declines.items()))
            self._end(Outcome.DECLINED, reason, by)
        elif len(self._state.confirmed) < 2:
            self._end(Outcome.NOT_STARTED, "The introduction was not confirmed in time.", None)
        else:
            self._enter(Phase.GOALS)

    async def _send_introduction(
        self,
        template: str,
        person: Participant,
        deadline: datetime,
        opens_window: timedelta | None = None,
    ) -> datetime:
        """``opens_window``: the window this email opens, counted from its send."""
        return await self._email(
            template,
            person,
            f"{template}:{person.employee_id}",
            {
                "mentor": self._dump(self._input.mentor),
                "mentee": self._dump(self._input.mentee),
                "respond_by": self._shown(deadline).isoformat(),
                # Who the other is and why they were paired (None: older input).
                **(
                    {"introduction": self._input.introduction.model_dump(mode="json")}
                    if self._input.introduction
                    else {}
                ),
            },
            links=[self._link("respond", "introduction", person, "", deadline, opens_window)],
            deadlines={"respond_by": opens_window} if opens_window else None,
        )

    async def _goals(self) -> None:
        start = self._timeline_now()
        timeout = self._program.goals_timeout
        deadline = start + timeout
        halfway = start + timeout / 2
        follow_mail = workflow.patched(WINDOWS_FOLLOW_MAIL)
        mentor, mentee = self._input.mentor, self._input.mentee
        await self._record_phase(Phase.GOALS)
        reminded = False
        # The round the last email was about (none yet). Handlers may move the
        # round on while an email is being sent, so the loop compares with this
        # rather than with a fresh read after the send.
        emailed_round = -1
        while self._state.goals_agreed_at is None and not self._outcome:
            if self._proposal_round != emailed_round:
                # The ball is in a new court: tell whoever must act now.
                opens = timeout if follow_mail and emailed_round == -1 else None
                emailed_round = self._proposal_round
                if self._proposal is not None:
                    sent = await self._send_goals_review(deadline, opens)
                    self._goals_sent.setdefault(mentor.employee_id, sent)
                else:
                    sent = await self._send_goals_request(deadline, opens)
                    self._goals_sent.setdefault(mentee.employee_id, sent)
                if opens:
                    # The pair's goals window opens with its first email.
                    start = max(start, self._on_timeline(sent))
                    deadline, halfway = start + timeout, start + timeout / 2
                self._goals_deadline = deadline
                continue

            def moved(seen: int = emailed_round) -> bool:
                return self._state.goals_agreed_at is not None or self._proposal_round != seen

            if await self._wait_until(deadline if reminded else halfway, moved):
                continue
            if self._outcome:
                return
            if not reminded:
                reminded = True
                waiting_for = "review" if self._proposal is not None else "propose"
                person = mentor if waiting_for == "review" else mentee
                purpose = "review" if waiting_for == "review" else "goals"
                await self._email(
                    "goals_reminder",
                    person,
                    f"goals:{self._proposal_round}:reminder",
                    {"deadline": self._shown(deadline).isoformat(), "waiting_for": waiting_for},
                    links=[self._link(purpose, purpose, person, "", deadline)],
                )
                continue
            break  # deadline passed
        if self._judge_all_by_received_at and self._state.goals_agreed_at is None:
            seen = self._proposal_round

            def answered() -> bool:
                return self._state.goals_agreed_at is not None or self._proposal_round != seen

            # A proposal kept in time and delivered now stands as if the mentor
            # had let the deadline pass (below), as it would have.
            await await_kept_answers(self._shown(deadline), answered)
        if self._outcome:
            return
        if self._state.goals_agreed_at is None:
            if self._proposal is not None:
                # The mentor let the deadline pass without objecting: the mentee's
                # last proposal stands, so the pair is not held back.
                await self._agree_goals(self._proposal, by=None)
            else:
                for person in self._people():
                    await self._email(
                        "goals_missing", person, f"goals:missing:{person.employee_id}"
                    )
                await self._event("goals_missing")
        self._state.checkins_start = self._timeline_now()
        self._enter(Phase.CHECKINS)
        if self._state.goals:
            planned = schedule.planned_checkins(self._program)
            self._state.calendar_sequence = 0
            for person in self._people():
                # Each person's own first check-in: 09:00 in their zone, the
                # moment the check-in email really goes out.
                calendar = self._checkin_calendar(person)
                assert calendar is not None
                await self._email(
                    "goals_agreed",
                    person,
                    f"goals:agreed:{person.employee_id}",
                    {
                        "goals": self._dump_goals(),
                        "first_checkin_at": calendar["first_at"],
                        "cadence": schedule.cadence_text(self._program),
                        "checkins_planned": planned,
                        "calendar": calendar,
                    },
                )

    async def _checkin_phase(self) -> None:
        assert self._state.checkins_start is not None
        planned = schedule.planned_checkins(self._program)
        await self._record_phase(Phase.CHECKINS)
        midpoint: asyncio.Task[None] | None = None
        if not self._state.midpoint_done:
            midpoint = asyncio.create_task(
                self._survey(SurveyKind.MIDPOINT, self._term_start() + self._program.duration / 2)
            )
        held_this_run = 0
        while self._state.next_checkin <= planned and not self._outcome:
            await self._checkin(self._state.next_checkin)
            self._state.next_checkin += 1
            held_this_run += 1
            history_full = (
                workflow.info().is_continue_as_new_suggested()
                or held_this_run >= self._program.max_checkins_per_run
            )
            if (
                history_full
                and self._state.next_checkin <= planned
                and not self._outcome
                and not self._paused
                and (midpoint is None or midpoint.done())
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._input.model_copy(update={"state": self._state}))
        if midpoint is not None:
            await midpoint
        if not self._outcome:
            self._enter(Phase.FINAL_SURVEY)
            await self._record_phase(Phase.FINAL_SURVEY)

    async def _checkin(self, number: int) -> None:
        assert self._state.checkins_start is not None
        window = self._program.checkin_window
        # Before this patch a pause moved a check-in by the pause's exact
        # length (09:00 + 2 h 13 min after such a pause); now each check-in
        # opens at 09:00 local on its shifted day, as its invitation says.
        realign = workflow.patched("checkins-at-local-time-after-pause")
        follow_mail = workflow.patched(WINDOWS_FOLLOW_MAIL)
        opens = {
            p.employee_id: self._checkin_opens(number, p.timezone, realign)
            for p in (self._input.mentor, self._input.mentee)
        }
        view = CheckInView(
            number=number,
            opens={pid: self._shown(t) for pid, t in opens.items()},
            closes={pid: self._shown(t + window) for pid, t in opens.items()},
        )
        self._checkins[number] = view
        self._open[number] = set()
        self._sent[number] = set()
        self._answers[number] = {}
        await self._store(
            StoreActivities.record_checkin_opened,
            CheckInOpened(
                mentorship_id=self._id,
                number=number,
                due_date=self._shown(
                    schedule.checkin_due(self._program, self._state.checkins_start, number)
                ).date(),
                opens=view.opens,
                closes=view.closes,
            ),
        )
        await asyncio.gather(
            *(
                self._checkin_for(number, p, opens[p.employee_id], realign, follow_mail)
                for p in self._people()
            )
        )
        if not self._sent[number] and self._outcome:
            return  # ended before this check-in went out
        outcome = schedule.checkin_outcome([a.met for a in self._answers[number].values()])
        view.outcome = outcome
        await self._close_checkin(number, outcome)

    async def _checkin_for(
        self,
        number: int,
        person: Participant,
        opens: datetime,
        realign: bool = False,
        follow_mail: bool = False,
    ) -> None:
        window = self._program.checkin_window
        if realign:
            opens = await self._wait_for_checkin(number, person)
        else:
            await self._wait_until(opens)
        if self._outcome:
            return
        view = self._checkins[number]
        view.opens[person.employee_id] = workflow.now()
        view.closes[person.employee_id] = workflow.now() + window
        self._open[number].add(person.employee_id)
        self._sent[number].add(person.employee_id)
        context = self._checkin_context(number, opens + window)
        links = [
            self._link(
                "checkin",
                "checkin",
                person,
                str(number),
                opens + 2 * window,
                2 * window if follow_mail else None,
            ),
            self._link("manage", "end", person, "", self._term_end() + self._program.survey_window),
        ]
        key = f"checkin:{number}:{person.employee_id}"
        sent = await self._email(
            "checkin",
            person,
            key,
            context,
            links=links,
            deadlines={"closes_at": window} if follow_mail else None,
        )
        if follow_mail:
            # The person's window runs from when their email went out.
            opens = max(opens, self._on_timeline(sent))
            view.opens[person.employee_id] = self._shown(opens)
            view.closes[person.employee_id] = self._shown(opens + window)
            context = self._checkin_context(number, opens + window)
            links[0] = self._link("checkin", "checkin", person, str(number), opens + 2 * window)

        def answered() -> bool:
            return person.employee_id in self._answers[number]

        if not await self._wait_until(opens + window / 2, answered) and not self._outcome:
            await self._email("checkin_reminder", person, f"{key}:reminder", context, links=links)
            await self._wait_until(opens + window, answered)
        # The window stays open to the end even after an answer, so that the
        # validator can tell "already answered" from "closed".
        if answered() and not self._outcome:
            await self._wait_until(opens + window)
        self._open[number].discard(person.employee_id)

    async def _close_checkin(self, number: int, outcome: CheckInOutcome) -> None:
        state = self._state
        if outcome == CheckInOutcome.HELD:
            state.checkins_held += 1
        elif outcome in (CheckInOutcome.MISSED, CheckInOutcome.NOT_MET):
            state.checkins_missed += 1
        state.missed_streak = schedule.next_streak(state.missed_streak, outcome)
        closed_at = workflow.now()
        await self._store(
            StoreActivities.record_checkin_closed,
            CheckInClosed(
                mentorship_id=self._id, number=number, outcome=outcome, closed_at=closed_at
            ),
        )
        self._closed_at[number] = closed_at
        if state.missed_streak == 0:
            state.at_risk = False
        if state.missed_streak >= self._program.at_risk_streak and not state.at_risk:
            state.at_risk = True
            recent = [
                {"number": v.number, "outcome": v.outcome.value}
                for v in sorted(self._checkins.values(), key=lambda v: v.number)[-5:]
                if v.outcome is not None
            ]
            await self._email(
                "at_risk",
                self._program_manager(),
                f"at_risk:{number}",
                {
                    "mentor": self._dump(self._input.mentor),
                    "mentee": self._dump(self._input.mentee),
                    "streak": state.missed_streak,
                    "recent": recent,
                    "cohort": self._input.cohort,
                },
                role="hr",
            )
            await self._event("at_risk", detail={"streak": state.missed_streak, "number": number})

    async def _survey(self, kind: SurveyKind, at: datetime) -> None:
        await self._wait_until(at)
        if self._outcome:
            return
        window = self._program.survey_window
        view = SurveyView(kind=kind, closes=self._shown(at + window))
        self._surveys[kind] = view
        self._survey_answers[kind] = {}

        def everyone_answered() -> bool:
            return len(self._survey_answers[kind]) == 2

        follow_mail = workflow.patched(WINDOWS_FOLLOW_MAIL)

        async def send(template: str, person: Participant, suffix: str, opens: bool) -> datetime:
            return await self._email(
                template,
                person,
                f"survey:{kind.value}:{person.employee_id}{suffix}",
                {"kind": kind.value, "closes_at": self._shown(at + window).isoformat()},
                links=[
                    self._link(
                        "survey",
                        "survey",
                        person,
                        kind.value,
                        at + 2 * window,
                        2 * window if opens else None,
                    )
                ],
                deadlines={"closes_at": window} if opens else None,
            )

        sent = [await send("survey", person, "", follow_mail) for person in self._people()]
        self._survey_sent[kind] = {
            p.employee_id: t for p, t in zip(self._people(), sent, strict=True)
        }
        if follow_mail:
            # One survey window for the pair, from when the second email went out.
            at = max(at, *(self._on_timeline(t) for t in sent))
            view.closes = self._shown(at + window)
        self._survey_closes[kind] = at + window
        if not await self._wait_until(at + window / 2, everyone_answered) and not self._outcome:
            for person in self._people():
                if person.employee_id not in self._survey_answers[kind]:
                    await send("survey_reminder", person, ":reminder", False)
            await self._wait_until(at + window, everyone_answered)
        if (
            self._judge_all_by_received_at
            and kind == SurveyKind.FINAL
            and not everyone_answered()
            and not self._outcome
        ):
            # The pair graduates next: a late midpoint answer still counts
            # afterwards, a final one only while the workflow runs.
            await await_kept_answers(self._shown(at + window), everyone_answered)
        view.done = True
        self._survey_closed[kind] = self._shown(at + window)
        if kind == SurveyKind.MIDPOINT:
            self._state.midpoint_done = True

    async def _close(self) -> MentorshipResult:
        outcome = self._outcome or Outcome.GRADUATED
        done, total = schedule.milestone_counts(self._state.goals)
        ratings = self._state.value_ratings
        result = MentorshipResult(
            mentorship_id=self._id,
            outcome=outcome,
            reason=self._outcome_reason,
            checkins_held=self._state.checkins_held,
            checkins_missed=self._state.checkins_missed,
            goals=len(self._state.goals),
            milestones_done=done,
            milestones_total=total,
            mean_value=round(sum(ratings) / len(ratings), 2) if ratings else None,
            wants_new_mentor=self._wants_new_mentor,
        )
        self._enter(Phase.CLOSED)
        if outcome == Outcome.GRADUATED:
            final = self._survey_answers.get(SurveyKind.FINAL, {})
            for person in self._people():
                partner = self._partner(person.employee_id)
                assert partner is not None
                partner_answer = final.get(partner.employee_id)
                own_answer = final.get(person.employee_id)
                await self._email(
                    "graduation",
                    person,
                    f"graduation:{person.employee_id}",
                    {
                        "goals": self._dump_goals(),
                        "checkins_held": result.checkins_held,
                        "checkins_planned": schedule.planned_checkins(self._program),
                        "milestones_done": done,
                        "milestones_total": total,
                        "mean_value": result.mean_value,
                        "gained": partner_answer.gained if partner_answer else "",
                        "invited_to_mentor": self._invited_to_mentor(
                            person, own_answer.would_mentor if own_answer else None, result
                        ),
                    },
                )
        else:
            await self._farewell(outcome)
        await self._store(
            StoreActivities.record_status,
            StatusRecord(
                mentorship_id=self._id,
                phase=Phase.CLOSED,
                outcome=outcome,
                reason=self._outcome_reason,
                at=workflow.now(),
                result=result,
            ),
        )
        return result

    def _invited_to_mentor(
        self, person: Participant, would_mentor: WouldMentor | None, result: MentorshipResult
    ) -> bool:
        """Whether the closing cohort will invite ``person`` to mentor in the
        next one (``alumni_candidates`` decides it then by the same rules; a
        leaver or someone who already applied is not asked again)."""
        promise = self._input.alumni
        role = Role.MENTOR if person.employee_id == self._input.mentor.employee_id else Role.MENTEE
        return promise is not None and promise.invites(role, would_mentor, result.mean_value)

    async def _farewell(self, outcome: Outcome) -> None:
        """Tell the people who remain, kindly, and HR, plainly (in the day's digest)."""
        by = self._person(self._ended_by) if self._ended_by not in (None, HR) else None
        by_name = by.name if by else ("the program team" if self._ended_by == HR else "")
        for person in self._people():
            if outcome == Outcome.PARTICIPANT_LEFT and person.employee_id == self._ended_by:
                continue
            # The partner of someone who declined or left hears a kind note, not
            # the raw reason; a no-fault early end shares the reason given.
            share_reason = outcome in (Outcome.ENDED_EARLY, Outcome.NOT_STARTED)
            await self._email(
                "mentorship_ended",
                person,
                f"ended:{person.employee_id}",
                {
                    "outcome": outcome.value,
                    "by_name": by_name,
                    "by_id": self._ended_by or "",
                    "reason": self._outcome_reason if share_reason else "",
                },
            )
        subject = f"Mentorship {outcome.value.replace('_', ' ')}"
        if workflow.patched("hr-notice-digest"):
            # HR reads these in one digest a day (a cohort's 24 timed-out
            # introductions are one email, not 24); at-risk alerts stay immediate.
            await self._store(
                StoreActivities.record_hr_notice,
                HrNoticeRecord(
                    key=f"{self._id}:ended",
                    kind=NoticeKind(outcome.value),
                    program_name=self._program.program_name,
                    manager_email=self._program.program_manager_email,
                    cohort=self._input.cohort,
                    mentorship_id=self._id,
                    mentor_id=self._input.mentor.employee_id,
                    mentee_id=self._input.mentee.employee_id,
                    subject=subject,
                    detail={"reason": self._outcome_reason, "ended_by": self._ended_by},
                    happened_at=workflow.now(),
                ),
            )
            return
        await self._email(
            "hr_notice",
            self._program_manager(),
            "ended:hr",
            {
                "subject": subject,
                "mentor": self._dump(self._input.mentor),
                "mentee": self._dump(self._input.mentee),
                "outcome": outcome.value,
                "reason": self._outcome_reason,
                "cohort": self._input.cohort,
            },
            role="hr",
        )

    # ------------------------------------------------------------------ updates

    @workflow.update
    async def confirm_introduction(self, answer: IntroductionAnswer) -> ActionReceipt:
        if answer.accept:
            self._state.confirmed.append(answer.by)
            kind, message = "introduction_confirmed", "Thank you, your introduction is confirmed."
        else:
            self._declines[answer.by] = answer.reason or "declined the introduction"
            kind, message = "introduction_declined", "Thank you for letting us know."
        await self._event(kind, actor=answer.by, detail={"reason": answer.reason})
        return ActionReceipt(message=message)

    @confirm_introduction.validator
    def _validate_introduction(self, answer: IntroductionAnswer) -> None:
        self._require_member(answer.by)
        self._require_phase(Phase.INTRODUCTION)
        if self._closed_for(answer.by, answer.received_at, self._intro_sent, self._intro_deadline):
            raise ValueError("The introduction is closed: its deadline has passed.")
        if answer.by in self._state.confirmed or answer.by in self._declines:
            raise ValueError("You have already answered this introduction.")
        if not answer.accept and not answer.reason.strip():
            raise ValueError("Please give a short reason for declining.")

    @workflow.update
    async def propose_goals(self, proposal: GoalProposal) -> ActionReceipt:
        self._proposal = proposal.goals
        self._proposal_round += 1
        self._feedback = ""
        await self._store(
            StoreActivities.record_goals,
            GoalsRecord(
                mentorship_id=self._id,
                goals=proposal.goals,
                agreed_at=None,
                proposed_by=proposal.by,
            ),
        )
        return ActionReceipt(message="Your goals are on their way to your mentor for review.")

    @propose_goals.validator
    def _validate_proposal(self, proposal: GoalProposal) -> None:
        self._require_member(proposal.by)
        self._require_phase(Phase.GOALS)
        if proposal.by != self._input.mentee.employee_id:
            raise ValueError("Only the mentee proposes the goals.")
        if self._closed_for(
            proposal.by, proposal.received_at, self._goals_sent, self._goals_deadline
        ):
            raise ValueError("The deadline for the goals has passed.")
        if self._proposal is not None:
            raise ValueError("Your goals are already with your mentor for review.")

    @workflow.update
    async def review_goals(self, review: GoalReview) -> ActionReceipt:
        assert self._proposal is not None
        if review.agree:
            await self._agree_goals(self._proposal, by=review.by)
            return ActionReceipt(message="The goals are agreed. Check-ins start soon.")
        self._feedback = review.comment
        self._returned, self._proposal = self._proposal, None
        self._proposal_round += 1
        await self._event(
            "goals_changes_requested", actor=review.by, detail={"comment": review.comment}
        )
        return ActionReceipt(message="Thanks, your mentee will revise the goals.")

    @review_goals.validator
    def _validate_review(self, review: GoalReview) -> None:
        self._require_member(review.by)
        self._require_phase(Phase.GOALS)
        if review.by != self._input.mentor.employee_id:
            raise ValueError("Only the mentor reviews the goals.")
        if self._closed_for(review.by, review.received_at, self._goals_sent, self._goals_deadline):
            raise ValueError("The deadline for the goals has passed.")
        if self._proposal is None:
            raise ValueError("There is no proposal waiting for review.")
        if not review.agree and not review.comment.strip():
            raise ValueError("Please say what should change.")

    @workflow.update
    async def answer_checkin(self, answer: CheckInAnswer) -> ActionReceipt:
        self._answers[answer.number][answer.by] = answer
        self._checkins[answer.number].answered_by.append(answer.by)
        if answer.value is not None:
            self._state.value_ratings.append(answer.value)
        for key, status in answer.milestone_progress.items():
            goal_index, milestone_index = (int(part) for part in key.split("."))
            self._state.goals[goal_index].milestones[milestone_index].status = status
        await self._store(
            StoreActivities.record_checkin_answer,
            CheckInAnswerRecord(mentorship_id=self._id, answer=answer, submitted_at=workflow.now()),
        )
        if self._reevaluate_late_checkins and self._checkins[answer.number].outcome is not None:
            # Kept while the worker was down, delivered after the check-in
            # closed without it: the check-in becomes what it would have been.
            await self._reevaluate_checkin(answer.number)
        return ActionReceipt(message="Thank you, your check-in is recorded.")

    async def _reevaluate_checkin(self, number: int) -> None:
        view, state = self._checkins[number], self._state
        was = view.outcome
        assert was is not None
        now = schedule.checkin_outcome([a.met for a in self._answers[number].values()])
        if now == was:
            return
        missed = (CheckInOutcome.MISSED, CheckInOutcome.NOT_MET)
        state.checkins_held += (now == CheckInOutcome.HELD) - (was == CheckInOutcome.HELD)
        state.checkins_missed += (now in missed) - (was in missed)
        view.outcome = now
        streak_was, at_risk_was = state.missed_streak, state.at_risk
        streak, at_risk = self._replayed_streak()
        state.missed_streak = streak
        # A late answer only shortens streaks, so it never makes a pair newly
        # at risk; one that clears the state leaves the alert sent as sent.
        state.at_risk = at_risk and at_risk_was
        async with self._checkin_rewrites:
            # After the close's own record, so the store ends with this outcome.
            await workflow.wait_condition(lambda: number in self._closed_at)
            await self._store(
                StoreActivities.record_checkin_closed,
                CheckInClosed(
                    mentorship_id=self._id,
                    number=number,
                    outcome=view.outcome,
                    closed_at=self._closed_at[number],
                ),
            )
        await self._event(
            "checkin_reevaluated",
            detail={
                "number": number,
                "was": was.value,
                "now": now.value,
                "missed_streak_was": streak_was,
                "missed_streak": state.missed_streak,
                "at_risk_was": at_risk_was,
                "at_risk": state.at_risk,
            },
        )

    def _replayed_streak(self) -> tuple[int, bool]:
        """The missed streak and at-risk flag as this run's closed check-ins,
        in order, make them (the fold ``_close_checkin`` does one by one)."""
        streak, at_risk = self._streak_base, self._at_risk_base
        for number in sorted(self._checkins):
            outcome = self._checkins[number].outcome
            if outcome is None:
                continue
            streak = schedule.next_streak(streak, outcome)
            if streak == 0:
                at_risk = False
            if streak >= self._program.at_risk_streak:
                at_risk = True
        return streak, at_risk

    @answer_checkin.validator
    def _validate_checkin(self, answer: CheckInAnswer) -> None:
        self._require_member(answer.by)
        if not self._checkin_open_for(answer):
            raise ValueError("This check-in is not open for answers.")
        if answer.by in self._answers[answer.number]:
            raise ValueError("You have already answered this check-in.")
        for key in answer.milestone_progress:
            try:
                goal_index, milestone_index = (int(part) for part in key.split("."))
                self._state.goals[goal_index].milestones[milestone_index]
            except (ValueError, IndexError) as exc:
                raise ValueError(f"Unknown milestone {key!r}.") from exc

    def _closed_for(
        self,
        by: str,
        received: datetime | None,
        sent: dict[str, datetime],
        deadline: datetime | None,
    ) -> bool:
        """Whether a step whose window ends at ``deadline`` (timeline) is closed
        to ``by``'s answer: past the deadline by the clock (a worker back from
        an outage meets answers before the timer that closes the step), unless
        it is a kept answer received in time."""
        if not self._judge_all_by_received_at or deadline is None or self._paused:
            return False
        closes, now = self._shown(deadline), workflow.now()
        if now <= closes:
            return False
        return not received_in_window(received, sent.get(by), closes, now)

    def _survey_closed_for(self, answer: SurveyAnswer) -> bool:
        view = self._surveys[answer.kind]
        if not self._judge_all_by_received_at:
            return view.done
        closes = self._survey_closed.get(answer.kind)
        if closes is None:
            timeline = self._survey_closes.get(answer.kind)
            if timeline is None or self._paused:
                return view.done
            closes = self._shown(timeline)
        now = workflow.now()
        if not view.done and now <= closes:
            return False
        opened = self._survey_sent.get(answer.kind, {}).get(answer.by)
        return not received_in_window(answer.received_at, opened, closes, now)

    def _checkin_open_for(self, answer: CheckInAnswer) -> bool:
        """Open now, or (an answer the web app kept while the worker was down)
        open when it was received: after this person's check-in went out,
        before their window closed, and not in the future."""
        if answer.by in self._open.get(answer.number, set()):
            return True
        view = self._checkins.get(answer.number)
        received = answer.received_at
        if not self._judge_by_received_at or received is None or view is None:
            return False
        opens, closes = view.opens.get(answer.by), view.closes.get(answer.by)
        return (
            answer.by in self._sent.get(answer.number, set())
            and opens is not None
            and closes is not None
            and opens <= received <= min(closes, workflow.now())
        )

    @workflow.update
    async def answer_survey(self, answer: SurveyAnswer) -> ActionReceipt:
        self._survey_answers[answer.kind][answer.by] = answer
        self._surveys[answer.kind].answered_by.append(answer.by)
        role = Role.MENTOR if answer.by == self._input.mentor.employee_id else Role.MENTEE
        await self._store(
            StoreActivities.record_survey_answer,
            SurveyAnswerRecord(
                mentorship_id=self._id, role=role, answer=answer, submitted_at=workflow.now()
            ),
        )
        return ActionReceipt(message="Thank you for your feedback.")

    @answer_survey.validator
    def _validate_survey(self, answer: SurveyAnswer) -> None:
        self._require_member(answer.by)
        view = self._surveys.get(answer.kind)
        if view is None or self._survey_closed_for(answer):
            raise ValueError("This survey is not open.")
        if answer.by in self._survey_answers[answer.kind]:
            raise ValueError("You have already answered this survey.")
        if answer.would_mentor is not None and answer.by != self._input.mentee.employee_id:
            raise ValueError("Only the mentee is asked whether they would mentor others.")
        asked = {q.id: q for q in self._program.survey_questions.of(answer.kind)}
        for question_id, value in answer.extra.items():
            question = asked.get(question_id)
            if question is None:
                raise ValueError(f"The survey has no question {question_id!r}.")
            if question.kind == QuestionKind.RATING and not (
                isinstance(value, int) and 1 <= value <= 5
            ):
                raise ValueError(f"{question.text}: please answer from 1 to 5.")

    @workflow.update
    async def end_early(self, request: EndRequest) -> ActionReceipt:
        if self._outcome is None:
            self._wants_new_mentor = request.wants_new_mentor
        self._end(Outcome.ENDED_EARLY, request.reason, request.by)
        detail: dict[str, object] = {"reason": request.reason}
        if request.wants_new_mentor:
            detail["wants_new_mentor"] = True
        await self._event("ended_early", actor=request.by, detail=detail)
        if request.wants_new_mentor:
            return ActionReceipt(
                message="The mentorship has ended. Thank you for your time together. "
                "We will look for a new mentor for you in the program's next matching round."
            )
        return ActionReceipt(message="The mentorship has ended. Thank you for your time together.")

    @end_early.validator
    def _validate_end(self, request: EndRequest) -> None:
        self._require_member(request.by, hr_allowed=True)
        self._require_open()
        if request.wants_new_mentor and request.by not in (self._input.mentee.employee_id, HR):
            raise ValueError("Only the mentee (or HR for them) can ask for a new mentor.")

    @workflow.update
    async def pause(self, request: PauseRequest) -> ActionReceipt:
        self._paused = True
        self._pause_started = workflow.now()
        await self._event("paused", actor=request.by, detail={"reason": request.reason})
        await self._store(
            StoreActivities.record_status,
            StatusRecord(
                mentorship_id=self._id, phase=self._state.phase, paused=True, at=workflow.now()
            ),
        )
        await self._notify_pause("mentorship_paused", request.by, request.reason)
        return ActionReceipt(message="The mentorship is paused. Resume it whenever you are ready.")

    @pause.validator
    def _validate_pause(self, request: PauseRequest) -> None:
        self._require_member(request.by, hr_allowed=True)
        self._require_open()
        if self._paused:
            raise ValueError("The mentorship is already paused.")

    @workflow.update
    async def resume(self, request: ResumeRequest) -> ActionReceipt:
        assert self._pause_started is not None
        self._state.paused_total += workflow.now() - self._pause_started
        self._paused = False
        self._pause_started = None
        await self._event("resumed", actor=request.by)
        await self._store(
            StoreActivities.record_status,
            StatusRecord(mentorship_id=self._id, phase=self._state.phase, at=workflow.now()),
        )
        if self._state.calendar_sequence is not None:
            # Every later check-in moved: the invitations follow (same UID).
            self._state.calendar_sequence += 1
        await self._notify_pause("mentorship_resumed", request.by, "", calendar=True)
        return ActionReceipt(message="Welcome back: the mentorship has resumed.")

    @resume.validator
    def _validate_resume(self, request: ResumeRequest) -> None:
        self._require_member(request.by, hr_allowed=True)
        self._require_open()
        if not self._paused:
            raise ValueError("The mentorship is not paused.")

    @workflow.signal
    async def participant_left(self, left: ParticipantLeft) -> None:
        if self._outcome or left.employee_id not in self._member_ids():
            return
        self._end(Outcome.PARTICIPANT_LEFT, left.reason, left.employee_id)
        await self._event(
            "participant_left", actor=left.employee_id, detail={"reason": left.reason}
        )

    @workflow.signal
    def contact_changed(self, contact: Participant) -> None:
        """New email, name or time zone from the HR directory: used for every
        mail from now on, and the time zone for the next check-in's 09:00."""
        if contact.employee_id == self._input.mentor.employee_id:
            self._input = self._input.model_copy(update={"mentor": contact})
        elif contact.employee_id == self._input.mentee.employee_id:
            self._input = self._input.model_copy(update={"mentee": contact})

    @workflow.query
    def snapshot(self) -> MentorshipSnapshot:
        shown = [d + self._state.paused_total for d in self._deadlines]
        return MentorshipSnapshot(
            mentorship_id=self._id,
            cohort=self._input.cohort,
            phase=self._state.phase,
            paused=self._paused,
            mentor=self._input.mentor,
            mentee=self._input.mentee,
            introduction=self._input.introduction,
            confirmed=list(self._state.confirmed),
            goals=self._state.goals or self._proposal or self._returned,
            goals_proposed=self._proposal is not None or bool(self._state.goals),
            goals_feedback=self._feedback,
            checkins=[
                self._checkins[n].model_copy(update={"open_for": sorted(self._open[n])})
                for n in sorted(self._checkins)
            ],
            checkins_held=self._state.checkins_held,
            checkins_missed=self._state.checkins_missed,
            missed_streak=self._state.missed_streak,
            at_risk=self._state.at_risk,
            surveys=list(self._surveys.values()),
            next_event_at=None if self._paused or not shown else min(shown),
            steps_in_flight=self._in_flight,
            outcome=self._outcome
            or (Outcome.GRADUATED if self._state.phase == Phase.CLOSED else None),
            outcome_reason=self._outcome_reason,
            survey_questions=self._program.survey_questions,
            rematch=self._input.rematch,
        )

    # ------------------------------------------------------------------ helpers

    async def _wait_until(self, deadline: datetime, done: Callable[[], bool] | None = None) -> bool:
        """Wait until ``done()`` or the deadline, whichever comes first, and
        return whether ``done()`` holds. ``deadline`` is on the mentorship's own
        timeline: time on leave does not count, so a pause pushes it back. An
        end (early, declined, participant left) cuts every wait short."""

        def satisfied() -> bool:
            return done is not None and done()

        self._deadlines.append(deadline)
        try:
            while not satisfied() and not self._outcome:
                if self._paused:
                    await workflow.wait_condition(
                        lambda: not self._paused or self._outcome is not None or satisfied()
                    )
                    continue
                remaining = deadline + self._state.paused_total - workflow.now()
                if remaining <= timedelta(0):
                    break
                try:
                    await workflow.wait_condition(
                        lambda: satisfied() or self._paused or self._outcome is not None,
                        timeout=remaining,
                    )
                except TimeoutError:
                    break
            return satisfied()
        finally:
            self._deadlines.remove(deadline)

    def _checkin_opens(self, number: int, timezone: str, realign: bool = True) -> datetime:
        """When check-in ``number`` opens for someone in ``timezone``, on the
        timeline: 09:00 local on its due day as that day is now (after any
        pause so far), for day-scale cadences."""
        due = schedule.checkin_due(self._program, self._term_start(), number)
        if not realign:
            return schedule.local_send_time(self._program, due, timezone)
        wall = schedule.local_send_time(self._program, self._shown(due), timezone)
        return wall - self._state.paused_total

    async def _wait_for_checkin(self, number: int, person: Participant) -> datetime:
        """Wait until the check-in opens for ``person``; a pause on the way
        moves the opening to 09:00 local of the new day. Returns the opening."""
        while True:
            opens = self._checkin_opens(number, person.timezone)
            if not await self._wait_until(opens, lambda: self._paused):
                return opens
            await workflow.wait_condition(lambda: not self._paused or self._outcome is not None)
            if self._outcome:
                return opens

    def _checkin_calendar(self, person: Participant, method: str = "REQUEST") -> dict | None:
        """The invitation to the check-ins still ahead of ``person`` (a
        template's ``calendar`` context), or None when none are left. Each
        date is 09:00 in the person's zone as the check-in will really open."""
        if self._state.checkins_start is None or self._state.calendar_sequence is None:
            return None
        first = self._state.next_checkin
        if person.employee_id in self._sent.get(first, ()):
            first += 1
        planned = schedule.planned_checkins(self._program)
        if first > planned:
            return None
        at = self._shown(self._checkin_opens(first, person.timezone))
        mentor, mentee = self._input.mentor, self._input.mentee
        sequence = self._state.calendar_sequence + (1 if method == "CANCEL" else 0)
        return {
            "first_at": at.isoformat(),
            "period_seconds": int(self._program.cadence_period.total_seconds()),
            "count": planned - first + 1,
            "summary": f"Mentoring check-in: {mentor.name} & {mentee.name}",
            "sequence": sequence,
            "method": method,
        }

    def _timeline_now(self) -> datetime:
        """Now, on the mentorship's own timeline (wall clock less time on leave)."""
        return workflow.now() - self._state.paused_total

    def _on_timeline(self, wall_clock: datetime) -> datetime:
        """A wall-clock moment (an email's acceptance) on the mentorship's timeline."""
        return wall_clock - self._state.paused_total

    def _shown(self, timeline: datetime) -> datetime:
        """A timeline moment as wall-clock time, for emails and pages."""
        return timeline + self._state.paused_total

    def _term_start(self) -> datetime:
        assert self._state.checkins_start is not None
        return self._state.checkins_start

    def _term_end(self) -> datetime:
        return self._term_start() + self._program.duration

    def _end(self, outcome: Outcome, reason: str, by: str | None) -> None:
        if self._outcome is None:
            self._outcome, self._outcome_reason, self._ended_by = outcome, reason, by

    async def _agree_goals(self, goals: list[Goal], by: str | None) -> None:
        self._state.goals = [g.model_copy(deep=True) for g in goals]
        self._state.goals_agreed_at = workflow.now()
        await self._store(
            StoreActivities.record_goals,
            GoalsRecord(
                mentorship_id=self._id,
                goals=goals,
                agreed_at=workflow.now(),
                proposed_by=self._input.mentee.employee_id,
            ),
        )
        await self._event("goals_agreed", actor=by, detail={"by_default": by is None})

    async def _send_goals_request(
        self, deadline: datetime, opens_window: timedelta | None = None
    ) -> datetime:
        mentee = self._input.mentee
        return await self._email(
            "goals_request",
            mentee,
            f"goals:{self._proposal_round}:request",
            {
                "deadline": self._shown(deadline).isoformat(),
                "feedback": self._feedback,
                "goals": [g.model_dump(mode="json") for g in self._returned],
            },
            links=[self._link("goals", "goals", mentee, "", deadline, opens_window)],
            deadlines={"deadline": opens_window} if opens_window else None,
        )

    async def _send_goals_review(
        self, deadline: datetime, opens_window: timedelta | None = None
    ) -> datetime:
        mentor = self._input.mentor
        assert self._proposal is not None
        return await self._email(
            "goals_review",
            mentor,
            f"goals:{self._proposal_round}:review",
            {
                "goals": [g.model_dump(mode="json") for g in self._proposal],
                "deadline": self._shown(deadline).isoformat(),
            },
            links=[self._link("review", "review", mentor, "", deadline, opens_window)],
            deadlines={"deadline": opens_window} if opens_window else None,
        )

    def _checkin_context(self, number: int, closes: datetime) -> dict[str, object]:
        horizon = self._program.cadence_period * 2
        return {
            "number": number,
            "goals": self._dump_goals(),
            "milestones_due": schedule.milestones_due(
                self._state.goals, workflow.now().date(), horizon
            ),
            "closes_at": self._shown(closes).isoformat(),
        }

    async def _notify_pause(
        self, template: str, by: str, reason: str, calendar: bool = False
    ) -> None:
        by_person = self._person(by)
        by_name = by_person.name if by_person else "the program team"
        stamp = workflow.now().isoformat()
        for person in self._people():
            invitation = self._checkin_calendar(person) if calendar else None
            await self._email(
                template,
                person,
                f"{template}:{stamp}:{person.employee_id}",
                {
                    "by_name": by_name,
                    "reason": reason,
                    **({"calendar": invitation} if invitation else {}),
                },
                links=[
                    self._link("manage", "end", person, "", workflow.now() + self._program.duration)
                ],
            )

    async def _record_phase(self, phase: Phase) -> None:
        await self._store(
            StoreActivities.record_status,
            StatusRecord(mentorship_id=self._id, phase=phase, at=workflow.now()),
        )

    async def _event(self, kind: str, actor: str | None = None, detail: dict | None = None) -> None:
        await self._store(
            StoreActivities.record_event,
            MentorshipEvent(
                mentorship_id=self._id,
                kind=kind,
                at=workflow.now(),
                actor=actor,
                detail=detail or {},
            ),
        )

    async def _store(self, method: Callable, arg: object) -> None:
        if method is not StoreActivities.record_mentorship_started:
            await workflow.wait_condition(lambda: self._recorded)
        self._in_flight += 1
        try:
            await workflow.execute_activity_method(
                method, arg, start_to_close_timeout=STORE_TIMEOUT, retry_policy=RETRY
            )
        finally:
            self._in_flight -= 1

    async def _email(
        self,
        template: str,
        to: Participant,
        key: str,
        context: dict | None = None,
        links: list[LinkSpec] | None = None,
        role: str | None = None,
        deadlines: dict[str, timedelta] | None = None,
    ) -> datetime:
        """Send one email; return when the SMTP server accepted it (now, for
        an email that could not be sent, or from a worker that does not say).
        ``deadlines``: context keys the activity counts from the send."""
        # The contact details as they are now (an HRIS sync may have changed
        # them since this step began).
        to = self._person(to.employee_id) or to
        partner = self._partner(to.employee_id)
        if template in CANCELS_CALENDAR and (cancel := self._checkin_calendar(to, "CANCEL")):
            # The pair's end withdraws the check-ins from the person's calendar.
            context = {**(context or {}), "calendar": cancel}
        full_context = {
            "program_name": self._program.program_name,
            "recipient": self._dump(to),
            "role": role or (Role.MENTOR if to == self._input.mentor else Role.MENTEE).value,
            "mentorship_id": self._id,
            **({"partner": self._dump(partner)} if partner else {}),
            **(context or {}),
        }
        request = EmailRequest(
            idempotency_key=f"{self._id}:{key}",
            template=template,
            to=to,
            mentorship_id=self._id,
            context=full_context,
            links=links or [],
            deadlines=deadlines or {},
        )
        self._in_flight += 1
        try:
            receipt = await workflow.execute_activity_method(
                EmailActivities.send_email,
                request,
                start_to_close_timeout=EMAIL_TIMEOUT,
                retry_policy=RETRY,
            )
            # A receipt from a worker without ``sent_at``: the window opens now.
            if isinstance(receipt, EmailReceipt) and receipt.sent_at is not None:
                return receipt.sent_at
        except ActivityError as err:
            # A permanently refused address must not stop the pair's lifecycle;
            # the outbox row says "failed" and HR sees it in the event log.
            workflow.logger.warning("email %s to %s failed: %s", template, to.email, err.cause)
            await self._event("email_failed", detail={"template": template, "to": to.email})
        finally:
            self._in_flight -= 1
        return workflow.now()

    def _link(
        self,
        name: str,
        purpose: str,
        person: Participant,
        ref: str,
        expires: datetime,
        expires_in: timedelta | None = None,
    ) -> LinkSpec:
        """``expires_in``: the link expires this long after its email goes out."""
        return LinkSpec(
            name=name,
            purpose=purpose,  # type: ignore[arg-type]
            participant_id=person.employee_id,
            ref=ref,
            expires_at=self._shown(expires),
            expires_in=expires_in,
        )

    def _people(self) -> tuple[Participant, Participant]:
        return self._input.mentor, self._input.mentee

    def _member_ids(self) -> tuple[str, str]:
        return self._input.mentor.employee_id, self._input.mentee.employee_id

    def _person(self, employee_id: str | None) -> Participant | None:
        for person in self._people():
            if person.employee_id == employee_id:
                return person
        return None

    def _partner(self, employee_id: str) -> Participant | None:
        mentor, mentee = self._input.mentor, self._input.mentee
        if employee_id == mentor.employee_id:
            return mentee
        if employee_id == mentee.employee_id:
            return mentor
        return None

    def _program_manager(self) -> Participant:
        return Participant(
            employee_id=HR, email=self._program.program_manager_email, name="Program manager"
        )

    def _require_member(self, employee_id: str, hr_allowed: bool = False) -> None:
        if employee_id not in self._member_ids() and not (hr_allowed and employee_id == HR):
            raise ValueError("Only the mentor and mentee of this pair can do this.")

    def _require_phase(self, phase: Phase) -> None:
        self._require_open()
        if self._state.phase != phase:
            raise ValueError(f"This step is closed (the mentorship is at {self._state.phase}).")

    def _require_open(self) -> None:
        if self._outcome or self._state.phase == Phase.CLOSED:
            raise ValueError("This mentorship has ended.")

    @staticmethod
    def _dump(person: Participant) -> dict[str, str]:
        return person.model_dump(mode="json")

    def _dump_goals(self) -> list[dict]:
        return [g.model_dump(mode="json") for g in self._state.goals]
