"""The signed-link pages against the real MentorshipWorkflow (time-skipping
server, real activities: mail to aiosmtpd, store on SQLite), over HTTP through
the ASGI app."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.links import LinkSigner, link_id
from mentorflow.models import (
    Introduction,
    LinkSpec,
    MentorshipInput,
    MentorshipSnapshot,
    Participant,
    PartnerFacts,
    ProgramSettings,
    SurveyQuestion,
    SurveyQuestions,
)
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Mentorship, SurveyResponse, UsedLink
from mentorflow.web import create_app
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.participant.answer_delivery import deliver_due
from tests.conftest import SmtpServer
from tests.support.form_limits import plain_limits
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    SIX_MONTHS_BIWEEKLY,
    agree_goals,
    eventually,
    introduce,
    settings_for,
    snapshot,
    start_pair,
    worker_for,
)
from workflows.mentorship import MentorshipWorkflow

OUTSIDER = Participant(employee_id="E999", email="someone.else@example.com", name="Sam Else")

#: Short enough that the mid-point survey opens after two days of skipped time.
FOUR_DAYS_DAILY = ProgramSettings(
    program_name="Sprint mentoring",
    program_manager_email="programs@example.com",
    cadence="P1D",
    duration=timedelta(days=4),
    introduction_timeout=timedelta(days=2),
    goals_timeout=timedelta(days=2),
    checkin_window=timedelta(hours=12),
    survey_window=timedelta(days=1),
)


@dataclass
class Site:
    """One running pair, the web app in front of it, and a way to mint links."""

    env: WorkflowEnvironment
    settings: Settings
    http: httpx.AsyncClient
    smtp: SmtpServer
    task_queue: str

    async def start(
        self, program: ProgramSettings = SIX_MONTHS_BIWEEKLY, rematch: bool = False
    ) -> WorkflowHandle:
        cohort = f"c-{uuid.uuid4().hex[:8]}"
        handle = await start_pair(
            self.env.client, self.task_queue, program, cohort=cohort, rematch=rematch
        )
        # The introductions go out once the pair is recorded in the store; acting
        # earlier would race the workflow's own first step.
        for person in (MENTOR, MENTEE):
            await self.smtp.recorder.wait_for(lambda m, p=person: p.email in str(m["To"]))
        await eventually(handle, lambda s: s.next_event_at is not None)  # settled, waiting
        return handle

    def link(
        self,
        handle: WorkflowHandle,
        purpose: str,
        person: Participant,
        ref: str = "",
        expires_in: timedelta = timedelta(days=7),
    ) -> str:
        spec = LinkSpec(
            name="test",
            purpose=purpose,  # type: ignore[arg-type]
            participant_id=person.employee_id,
            ref=ref,
            expires_at=datetime.now(UTC) + expires_in,
        )
        signer = LinkSigner(self.settings.resolved_secret_key, self.settings.link_max_age)
        jti = link_id(f"{handle.id}:{uuid.uuid4()}", spec.name)
        return f"/l/{purpose}/{signer.sign(spec, handle.id, jti)}"

    def used_links(self) -> list[tuple[str, str, str]]:
        engine = make_engine(self.settings.resolved_database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(UsedLink.purpose, UsedLink.participant_id, UsedLink.state)
                ).all()
                return [tuple(r) for r in rows]
        finally:
            engine.dispose()


@pytest.fixture
async def site(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Site]:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    app = create_app(settings, client=time_skipping_env.client)
    transport = httpx.ASGITransport(app=app)
    async with (
        worker_for(time_skipping_env.client, settings, task_queue),
        httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http,
    ):
        yield Site(time_skipping_env, settings, http, smtp_server, task_queue)


def text_of(response: httpx.Response) -> str:
    """The page's visible text, whitespace collapsed, for assertions."""
    body = re.sub(r"<[^>]+>", " ", response.text)
    return re.sub(r"\s+", " ", unescape(body))


async def update_count(handle: WorkflowHandle) -> int:
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    return len([e async for e in handle.fetch_history_events() if e.event_type == accepted])


def tamper(path: str) -> str:
    """Change one character in the middle of the signed payload."""
    head, token = path.rsplit("/", 1)
    i = len(token) // 3
    return f"{head}/{token[:i]}{'A' if token[i] != 'A' else 'B'}{token[i + 1 :]}"


# --------------------------------------------------------------------------- the happy path


async def test_link_in_the_introduction_email_opens_the_page(site: Site) -> None:
    await site.start()
    mail = await site.smtp.recorder.wait_for(lambda m: MENTEE.email in str(m["To"]))
    body = mail.get_body(("plain",)).get_content()
    url = re.search(r"http://mentorflow\.test(/l/introduction/\S+)", body)
    assert url, body
    page = await site.http.get(url.group(1))
    assert page.status_code == 200
    assert f"Meet your mentor, {MENTOR.name}" in text_of(page)


async def test_the_introduction_page_says_who_the_partner_is_and_why(site: Site) -> None:
    about_mentor = PartnerFacts(
        title="Staff Engineer", department="Platform", expertise="Kubernetes and hiring"
    )
    about_mentee = PartnerFacts(
        title="Software Engineer", department="Payments", goals="Run Kubernetes in production"
    )
    why = "You were paired because Maria's expertise in Kubernetes matches Eli's goals."
    pair = MentorshipInput(
        cohort=f"c-{uuid.uuid4().hex[:8]}",
        program=SIX_MONTHS_BIWEEKLY,
        mentor=MENTOR,
        mentee=MENTEE,
        introduction=Introduction(mentor=about_mentor, mentee=about_mentee, why=why),
    )
    handle = await site.env.client.start_workflow(
        MentorshipWorkflow.run, pair, id=pair.workflow_id, task_queue=site.task_queue
    )
    await eventually(handle, lambda s: s.next_event_at is not None)
    to_mentee = text_of(await site.http.get(site.link(handle, "introduction", MENTEE)))
    assert "Staff Engineer, Platform" in to_mentee and "Kubernetes and hiring" in to_mentee
    assert why in to_mentee
    to_mentor = text_of(await site.http.get(site.link(handle, "introduction", MENTOR)))
    assert "Software Engineer, Payments" in to_mentor
    assert "Run Kubernetes in production" in to_mentor and why in to_mentor


async def test_get_renders_the_form_and_changes_nothing(site: Site) -> None:
    handle = await site.start()
    before = await snapshot(handle)
    link = site.link(handle, "introduction", MENTOR)

    for _ in range(2):  # a mail scanner's pre-fetch, then the person
        page = await site.http.get(link)
        assert page.status_code == 200
        assert 'name="decision" value="accept"' in page.text
        assert MENTEE.name in text_of(page)
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"

    assert await snapshot(handle) == before
    assert site.used_links() == []
    assert await update_count(handle) == 0


async def test_post_confirms_the_introduction(site: Site) -> None:
    handle = await site.start()
    page = await site.http.post(
        site.link(handle, "introduction", MENTOR), data={"decision": "accept"}
    )
    assert page.status_code == 200, page.text
    assert "your introduction is confirmed" in text_of(page)
    snap = await snapshot(handle)
    assert snap.confirmed == [MENTOR.employee_id]
    assert site.used_links() == [("introduction", MENTOR.employee_id, "used")]


# --------------------------------------------------------------------------- links that do not work


async def test_tampered_token_gets_a_friendly_400_and_changes_nothing(site: Site) -> None:
    handle = await site.start()
    before = await snapshot(handle)
    bad = tamper(site.link(handle, "introduction", MENTOR))
    for response in (
        await site.http.get(bad),
        await site.http.post(bad, data={"decision": "accept"}),
    ):
        assert response.status_code == 400
        assert "This link does not work" in text_of(response)
    assert await snapshot(handle) == before
    assert site.used_links() == []


async def test_token_for_another_purpose_is_invalid(site: Site) -> None:
    handle = await site.start()
    checkin_token = site.link(handle, "checkin", MENTOR, ref="1").rsplit("/", 1)[1]
    for response in (
        await site.http.get(f"/l/introduction/{checkin_token}"),
        await site.http.post(f"/l/introduction/{checkin_token}", data={"decision": "accept"}),
        await site.http.get(f"/l/nonsense/{checkin_token}"),
    ):
        assert response.status_code == 400
        assert "not valid" in text_of(response)
    assert (await snapshot(handle)).confirmed == []


async def test_expired_link_gets_a_friendly_410(site: Site) -> None:
    handle = await site.start()
    old = site.link(handle, "introduction", MENTOR, expires_in=timedelta(seconds=-1))
    for response in (
        await site.http.get(old),
        await site.http.post(old, data={"decision": "accept"}),
    ):
        assert response.status_code == 410
        assert "This link has expired" in text_of(response)
    assert (await snapshot(handle)).confirmed == []
    assert site.used_links() == []


async def test_link_for_a_mentorship_that_does_not_exist(site: Site) -> None:
    handle = await site.start()
    spec_handle = site.env.client.get_workflow_handle(f"{handle.id}-gone")
    link = site.link(spec_handle, "introduction", MENTOR)
    for response in (await site.http.get(link), await site.http.post(link, data={})):
        assert response.status_code == 404
        assert "This link is not valid" in text_of(response)
    assert site.used_links() == []


async def test_genuine_token_naming_another_kind_of_workflow_is_not_valid(site: Site) -> None:
    """Signed with the real secret, but naming a workflow its purpose does not
    act on: a running cohort or application id, or this running mentorship for
    an alumni or approval page. A plain 4xx, never "try again", nothing acts."""
    handle = await site.start()
    cohort = handle.id.split(":")[1]
    others = [
        ("introduction", f"cohort:{cohort}"),
        ("checkin", f"application:{cohort}:{MENTEE.employee_id}"),
        ("alumni", handle.id),
        ("approval", handle.id),
        ("withdraw", handle.id),
    ]
    for purpose, workflow_id in others:
        link = site.link(site.env.client.get_workflow_handle(workflow_id), purpose, MENTEE, "1")
        for response in (await site.http.get(link), await site.http.post(link, data={})):
            assert response.status_code == 400, (purpose, workflow_id, response.status_code)
            assert "This link is not valid" in text_of(response)
    assert site.used_links() == []
    assert await update_count(handle) == 0


async def test_reused_link_gets_409_and_the_workflow_one_update(site: Site) -> None:
    handle = await site.start()
    link = site.link(handle, "introduction", MENTOR)
    first = await site.http.post(link, data={"decision": "accept"})
    assert first.status_code == 200
    again = await site.http.post(link, data={"decision": "accept"})
    assert again.status_code == 409
    assert "already been used" in text_of(again)
    assert (await site.http.get(link)).status_code == 409
    assert await update_count(handle) == 1
    assert (await snapshot(handle)).confirmed == [MENTOR.employee_id]


async def test_two_concurrent_submissions_act_once(site: Site) -> None:
    handle = await site.start()
    link = site.link(handle, "introduction", MENTEE)
    responses = await asyncio.gather(
        *(site.http.post(link, data={"decision": "accept"}) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert await update_count(handle) == 1
    assert (await snapshot(handle)).confirmed == [MENTEE.employee_id]


async def test_person_outside_the_pair_is_refused_by_the_workflow(site: Site) -> None:
    handle = await site.start()
    before = await snapshot(handle)
    link = site.link(handle, "introduction", OUTSIDER)
    shown = await site.http.get(link)
    assert shown.status_code == 403
    assert MENTOR.name not in shown.text and MENTEE.name not in shown.text

    refused = await site.http.post(link, data={"decision": "accept"})
    assert refused.status_code == 409
    assert "Only the mentor and mentee of this pair can do this." in text_of(refused)
    assert await snapshot(handle) == before
    assert site.used_links() == []  # the link was released, not spent


async def test_action_the_workflow_refuses_leaves_the_link_usable(site: Site) -> None:
    handle = await site.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    # The mentor cannot propose goals: the validator says so, nothing changes.
    link = site.link(handle, "goals", MENTOR)
    form = {"goal_0_title": "Mine", "goal_0_m0_title": "Step", "goal_0_m0_date": "2099-01-01"}
    refused = await site.http.post(link, data=form)
    assert refused.status_code == 409
    assert "Only the mentee proposes the goals." in text_of(refused)
    assert site.used_links() == []
    assert (await snapshot(handle)).goals_proposed is False


# --------------------------------------------------------------------------- bad form input


async def test_bad_form_input_re_renders_the_form_with_a_message(site: Site) -> None:
    handle = await site.start()
    link = site.link(handle, "introduction", MENTOR)
    response = await site.http.post(link, data={"decision": "maybe", "reason": "kept text"})
    assert response.status_code == 422
    assert "Please choose one of: accept, decline." in text_of(response)
    assert 'name="decision" value="accept"' in response.text  # the form again
    assert "kept text" in response.text  # nothing typed is lost

    declined = await site.http.post(link, data={"decision": "decline"})
    assert declined.status_code == 422
    assert "Please give a short reason for declining." in text_of(declined)

    assert site.used_links() == []
    assert await update_count(handle) == 0
    accepted = await site.http.post(link, data={"decision": "accept"})
    assert accepted.status_code == 200


async def test_goals_form_rejects_bad_dates_and_keeps_the_input(site: Site) -> None:
    handle = await site.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    link = site.link(handle, "goals", MENTEE)
    form = {
        "goal_0_title": "Speak at a conference",
        "goal_0_m0_title": "Submit a talk",
        "goal_0_m0_date": "next spring",
        "goal_1_title": "Goal without milestones",
    }
    response = await site.http.post(link, data=form)
    assert response.status_code == 422
    text = text_of(response)
    assert "Please give a target date (YYYY-MM-DD)." in text
    assert "Each goal needs at least one milestone with a target date." in text
    assert 'value="Speak at a conference"' in response.text
    assert 'value="next spring"' in response.text
    assert (await snapshot(handle)).goals_proposed is False

    empty = await site.http.post(link, data={})
    assert "Please describe at least one goal." in text_of(empty)


# --------------------------------------------------------------------------- every page


async def test_goals_proposal_review_and_revision(site: Site) -> None:
    handle = await site.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")

    first = site.link(handle, "goals", MENTEE)
    shown = await site.http.get(first)
    assert shown.status_code == 200 and 'name="goal_0_m0_date"' in shown.text
    proposal = {
        "goal_0_title": "Speak at a conference",
        "goal_0_description": "Share the migration story.",
        "goal_0_m0_title": "Submit a talk",
        "goal_0_m0_date": "2099-03-01",
        "goal_0_m1_title": "",  # an empty milestone is ignored
        "goal_0_m1_date": "2099-04-01",
        "goal_2_title": "Mentor an intern",
        "goal_2_m0_title": "Meet the intern",
        "goal_2_m0_date": "2099-05-01",
    }
    done = await site.http.post(first, data=proposal)
    assert done.status_code == 200, text_of(done)
    snap = await snapshot(handle)
    assert [g.title for g in snap.goals] == ["Speak at a conference", "Mentor an intern"]
    assert [m.title for m in snap.goals[0].milestones] == ["Submit a talk"]

    review = site.link(handle, "review", MENTOR)
    page = await site.http.get(review)
    assert "Speak at a conference" in text_of(page) and "Submit a talk" in text_of(page)
    missing = await site.http.post(review, data={"decision": "changes"})
    assert missing.status_code == 422
    asked = await site.http.post(
        review, data={"decision": "changes", "comment": "Add a date for the dry run."}
    )
    assert asked.status_code == 200, text_of(asked)
    await eventually(handle, lambda s: s.goals_feedback == "Add a date for the dry run.")

    # The mentee's next page shows the feedback and starts from the last proposal.
    second = await site.http.get(site.link(handle, "goals", MENTEE))
    assert "Add a date for the dry run." in text_of(second)
    assert 'value="Speak at a conference"' in second.text
    assert 'value="2099-03-01"' in second.text


async def test_checkin_page_shows_goals_and_records_the_answer(site: Site) -> None:
    handle = await site.start()
    await introduce(handle)
    await agree_goals(handle)
    await site.env.sleep(timedelta(days=15))
    await eventually(handle, lambda s: any(MENTEE.employee_id in c.open_for for c in s.checkins))

    link = site.link(handle, "checkin", MENTEE, ref="1")
    page = await site.http.get(link)
    text = text_of(page)
    assert page.status_code == 200
    assert "Check-in 1 with Maria" in text
    assert "Lead a design review" in text and "Shadow two reviews" in text
    assert 'name="m_0_0"' in page.text and 'name="m_1_0"' in page.text

    answer = {
        "met": "yes",
        "value": "5",
        "m_0_0": "done",
        "m_1_0": "in_progress",
        "wins": "Ran my first design review",
        "introductions": "Met Sam from product",
    }
    done = await site.http.post(link, data=answer)
    assert done.status_code == 200, text_of(done)
    assert "check-in is recorded" in text_of(done)
    snap = await snapshot(handle)
    checkin = next(c for c in snap.checkins if c.number == 1)
    assert checkin.answered_by == [MENTEE.employee_id]
    assert snap.goals[0].milestones[0].status == "done"
    assert snap.goals[1].milestones[0].status == "in_progress"

    again = await site.http.get(site.link(handle, "checkin", MENTEE, ref="1"))
    assert again.status_code == 409 and "already answered" in text_of(again)
    bad = await site.http.post(
        site.link(handle, "checkin", MENTOR, ref="1"), data={"met": "yes", "value": "9"}
    )
    assert bad.status_code == 422
    assert "between 1 and 5" in text_of(bad)


async def test_goals_and_final_survey_forms_send_plain_limits(site: Site) -> None:
    handle = await site.start(FOUR_DAYS_DAILY)
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    goals = await site.http.get(site.link(handle, "goals", MENTEE))
    assert goals.status_code == 200, text_of(goals)
    today = datetime.now(UTC).date().isoformat()  # the mentee's zone is UTC
    dates = plain_limits(goals.text)
    assert dates["goal_0_m0_date"]["min"] == today
    assert dates["goal_0_m0_date"]["type"] == "date"

    await agree_goals(handle)
    for _ in range(40):
        if any(v.kind == "final" and not v.done for v in (await snapshot(handle)).surveys):
            break
        await site.env.sleep(timedelta(hours=6))
    survey = await site.http.get(site.link(handle, "survey", MENTEE, ref="final"))
    assert survey.status_code == 200, text_of(survey)
    achieved = plain_limits(survey.text)["goals_achieved"]
    goals_count = len((await snapshot(handle)).goals)
    assert (achieved["min"], achieved["max"]) == ("0", str(goals_count))
    assert achieved["inputmode"] == "numeric"


async def test_midpoint_survey(site: Site) -> None:
    handle = await site.start(FOUR_DAYS_DAILY)
    await introduce(handle)
    await agree_goals(handle)

    def survey_open(s: MentorshipSnapshot) -> bool:
        return any(v.kind == "midpoint" and not v.done for v in s.surveys)

    for _ in range(40):
        if survey_open(await snapshot(handle)):
            break
        await site.env.sleep(timedelta(hours=6))
    link = site.link(handle, "survey", MENTEE, ref="midpoint")
    page = await site.http.get(link)
    assert page.status_code == 200, text_of(page)
    assert 'name="working_well"' in page.text and 'name="would_mentor"' not in page.text

    done = await site.http.post(
        link, data={"rating": "4", "working_well": "yes", "gained": "Confidence in reviews"}
    )
    assert done.status_code == 200, text_of(done)
    snap = await snapshot(handle)
    assert MENTEE.employee_id in next(v for v in snap.surveys if v.kind == "midpoint").answered_by


async def test_the_programs_own_survey_questions_are_asked_and_kept(site: Site) -> None:
    program = FOUR_DAYS_DAILY.model_copy(
        update={
            "survey_questions": SurveyQuestions(
                midpoint=[
                    SurveyQuestion(id="safe", text="I can share my doubts openly", kind="rating"),
                    SurveyQuestion(id="next_topic", text="What to discuss next?", kind="text"),
                ]
            )
        }
    )
    handle = await site.start(program)
    await introduce(handle)
    await agree_goals(handle)
    for _ in range(40):
        if any(v.kind == "midpoint" and not v.done for v in (await snapshot(handle)).surveys):
            break
        await site.env.sleep(timedelta(hours=6))
    link = site.link(handle, "survey", MENTOR, ref="midpoint")
    page = await site.http.get(link)
    assert "I can share my doubts openly" in page.text and 'name="q_next_topic"' in page.text

    refused = await site.http.post(link, data={"rating": "4", "working_well": "yes", "q_safe": "9"})
    assert refused.status_code == 422  # out of range: the form comes back, nothing sent
    done = await site.http.post(
        link,
        data={"rating": "4", "working_well": "yes", "q_safe": "5", "q_next_topic": "Hiring"},
    )
    assert done.status_code == 200, text_of(done)
    engine = make_engine(site.settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            (answers,) = conn.execute(select(SurveyResponse.answers)).one()
    finally:
        engine.dispose()
    assert answers["extra"] == {"safe": 5, "next_topic": "Hiring"}


async def test_pause_resume_and_end_early(site: Site) -> None:
    handle = await site.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")

    page = await site.http.get(site.link(handle, "end", MENTEE))
    assert 'value="pause"' in page.text and 'value="resume"' not in page.text
    paused = await site.http.post(
        site.link(handle, "end", MENTEE), data={"action": "pause", "reason": "Parental leave"}
    )
    assert paused.status_code == 200, text_of(paused)
    assert (await snapshot(handle)).paused

    page = await site.http.get(site.link(handle, "end", MENTOR))
    assert 'value="resume"' in page.text and 'value="pause"' not in page.text
    resumed = await site.http.post(site.link(handle, "end", MENTOR), data={"action": "resume"})
    assert resumed.status_code == 200, text_of(resumed)
    assert not (await snapshot(handle)).paused

    no_reason = await site.http.post(site.link(handle, "end", MENTOR), data={"action": "end"})
    assert no_reason.status_code == 422
    ended = await site.http.post(
        site.link(handle, "end", MENTOR), data={"action": "end", "reason": "New role abroad"}
    )
    assert ended.status_code == 200, text_of(ended)
    snap = await eventually(handle, lambda s: s.outcome is not None)
    assert snap.outcome == "ended_early"
    closed = await site.http.get(site.link(handle, "end", MENTEE))
    assert closed.status_code in (409, 410)


async def test_an_evergreen_mentee_ending_early_can_ask_for_a_new_mentor(site: Site) -> None:
    handle = await site.start(rematch=True)
    mentor_page = await site.http.get(site.link(handle, "end", MENTOR))
    assert "I'd like a new mentor" not in text_of(mentor_page)
    # Only the mentee may ask; the mentor's request is refused and changes nothing.
    refused = await site.http.post(
        site.link(handle, "end", MENTOR),
        data={"action": "end", "reason": "Moving on", "new_mentor": "yes"},
    )
    assert refused.status_code == 409 and "Only the mentee" in text_of(refused)
    assert (await snapshot(handle)).outcome is None

    page = await site.http.get(site.link(handle, "end", MENTEE))
    assert "I'd like a new mentor" in text_of(page)
    ended = await site.http.post(
        site.link(handle, "end", MENTEE),
        data={"action": "end", "reason": "Our schedules never meet", "new_mentor": "yes"},
    )
    assert ended.status_code == 200 and "next matching round" in text_of(ended)
    await handle.result()  # closed, its outcome recorded before the workflow ends
    engine = make_engine(site.settings.resolved_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            row = session.get(Mentorship, handle.id)
            assert row is not None and row.outcome == "ended_early" and row.wants_new_mentor
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- Temporal connection


async def test_app_connects_to_temporal_on_first_need(site: Site) -> None:
    handle = await site.start()
    target = site.env.client.service_client.config.target_host
    settings = site.settings.model_copy(update={"temporal_address": target})
    transport = httpx.ASGITransport(app=create_app(settings))  # no client given
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
        page = await http.get(site.link(handle, "introduction", MENTEE))
    assert page.status_code == 200
    assert f"Meet your mentor, {MENTOR.name}" in text_of(page)


async def test_temporal_unreachable_keeps_the_answer_and_delivers_it_later(site: Site) -> None:
    handle = await site.start()
    settings = site.settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    transport = httpx.ASGITransport(app=create_app(settings))
    link = site.link(handle, "introduction", MENTEE)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
        shown = await http.get(link)  # nothing to show without the workflow: try again
        assert shown.status_code == 503
        assert "try again in a few minutes" in text_of(shown)
        answered = await http.post(link, data={"decision": "accept"})
        assert answered.status_code == 202
        assert "We have your answer" in text_of(answered)
    assert site.used_links() == [("introduction", MENTEE.employee_id, "claimed")]
    assert (await snapshot(handle)).confirmed == []
    # Once the service is back, the kept answer is delivered as it was sent.
    engine = make_engine(site.settings.resolved_database_url)
    try:
        temporal = TemporalConnector(site.settings, site.env.client)
        assert await deliver_due(make_sessionmaker(engine), temporal) == 1
    finally:
        engine.dispose()
    assert MENTEE.employee_id in (await snapshot(handle)).confirmed
    assert site.used_links() == [("introduction", MENTEE.employee_id, "used")]
    again = await site.http.post(link, data={"decision": "accept"})
    assert again.status_code == 409 and "already been used" in text_of(again)
