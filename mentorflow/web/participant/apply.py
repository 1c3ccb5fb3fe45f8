"""``/apply/{cohort}``: applying on the web (the embedded default, before SSO).

1. The person gives their work email. Whether or not the directory knows it,
   the page says the same thing, and the mail goes out after the response
   (a background task), so neither the words nor the timing tell who works
   here.
2. A known, active employee gets a magic link (``apply_tokens``) by email.
3. The link opens the form; submitting starts the person's
   ApplicationWorkflow with update-with-start, exactly as the CSV import does.
4. Opened again, the link shows the application's status, with a withdraw
   button while it is open.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from mentorflow.addresses import email_address
from mentorflow.applications.models import (
    ApplicationDetails,
    ApplicationSnapshot,
    application_workflow_id,
)
from mentorflow.applications.start import (
    SubmitOutcome,
    application_input,
    submit_application,
)
from mentorflow.cohorts.states import CohortStatus
from mentorflow.models import NAMED_CADENCES
from mentorflow.program import ProgramConfig
from mentorflow.settings import Settings
from mentorflow.store import cohorts
from mentorflow.store.schema import Person
from mentorflow.web.deps import (
    SessionDep,
    SettingsDep,
    TemplatesDep,
    TemporalConnector,
    TemporalDep,
)
from mentorflow.web.errors import PageError, unreachable
from mentorflow.web.participant.application_forms import (
    FormError,
    parse_application,
    parse_withdraw,
)
from mentorflow.web.participant.application_pages import (
    STATUS_TEXT,
    active_person_by_email,
    application_gone,
    application_status,
    is_open,
    participant,
)
from mentorflow.web.participant.apply_mail import send_apply_link
from mentorflow.web.participant.apply_tokens import (
    APPLY_LINK_LIFETIME,
    ApplyClaims,
    ApplyLinkSigner,
)
from mentorflow.web.participant.single_use import refusal
from mentorflow.web.participant.workflow_calls import execute_update
from mentorflow.web.templating import message_page, render

router = APIRouter()

LINK_ON_ITS_WAY = (
    "If this address is in the employee directory, a link to the application form is on "
    "its way to it. The link works for {hours} hours. Nothing arrived? Check your spam "
    "folder; you can ask for a new link after an hour."
)


def no_cohort(cohort: str) -> PageError:
    return PageError(404, "There is no such cohort", f"No cohort is called {cohort!r}.")


def _program(session: Session, cohort: str) -> tuple[ProgramConfig, bool]:
    """The cohort's stored program, and whether it takes applications."""
    found = cohorts.get_cohort(session, cohort)
    if found is None:
        raise no_cohort(cohort)
    return cohorts.cohort_program(found), found.status == CohortStatus.OPEN


def _closed(request: Request, templates: Jinja2Templates, program: ProgramConfig) -> HTMLResponse:
    return message_page(
        request,
        templates,
        "Applications are closed",
        f"{program.program_name} no longer takes applications for this cohort. "
        "Watch out for the next one!",
        409,
        "info",
    )


def _signer(settings: Settings) -> ApplyLinkSigner:
    return ApplyLinkSigner(settings.resolved_secret_key)


def _parse(session: Session, form: dict[str, str], me: str) -> ApplicationDetails:
    """The form's application; wished-for mentors may be typed as a work
    email or an employee id, and are stored as employee ids."""

    def find_colleague(typed: str) -> str | None:
        if "@" in typed:
            person = active_person_by_email(session, typed)
        else:
            person = session.get(Person, typed.strip())
        return person.employee_id if person is not None and person.active else None

    return parse_application(form, me, find_colleague)


# --------------------------------------------------------------------------- 1–2: the email


@router.get("/apply/{cohort}", response_class=HTMLResponse)
async def ask_email(
    cohort: str, request: Request, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    program, taking = await run_in_threadpool(_program, session, cohort)
    if not taking:
        return _closed(request, templates, program)
    return render(
        request, templates, "apply.html", program=program, cohort=cohort, values={}, errors={}
    )


@router.post("/apply/{cohort}", response_class=HTMLResponse)
async def send_link(
    cohort: str,
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    program, taking = await run_in_threadpool(_program, session, cohort)
    if not taking:
        return _closed(request, templates, program)
    typed = str((await request.form()).get("email", ""))
    try:
        address = email_address(typed)
    except ValueError:
        errors = {"email": "Please enter your work email address."}
        return render(
            request,
            templates,
            "apply.html",
            422,
            program=program,
            cohort=cohort,
            values={"email": typed},
            errors=errors,
        )
    person = await run_in_threadpool(active_person_by_email, session, address)
    if person is not None:
        me = await run_in_threadpool(participant, session, person.employee_id)
        # The directory's address, not the typed one: the link goes to the mailbox
        # of record, whatever anyone types.
        url = _signer(settings).url(settings.base_url, cohort, me.employee_id)
        background.add_task(
            send_apply_link,
            settings,
            request.app.state.sessionmaker,
            me,
            cohort,
            program.program_name,
            url,
            datetime.now(UTC),
        )
    hours = int(APPLY_LINK_LIFETIME.total_seconds() // 3600)
    return message_page(
        request, templates, "Check your inbox", LINK_ON_ITS_WAY.format(hours=hours), 200, "success"
    )


# --------------------------------------------------------------------------- 3–4: the form


async def _current(temporal: TemporalConnector, claims: ApplyClaims) -> ApplicationSnapshot | None:
    """The person's application, or None if they have not applied yet."""
    workflow_id = application_workflow_id(claims.cohort, claims.employee_id)
    try:
        return await application_status(temporal, workflow_id)
    except PageError as exc:
        if exc.status_code == 410:  # no such workflow: not applied yet
            return None
        raise


def _status_page(
    request: Request,
    templates: Jinja2Templates,
    page: dict[str, Any],
    snapshot: ApplicationSnapshot,
    message: str = "",
) -> HTMLResponse:
    return render(
        request,
        templates,
        "apply_status.html",
        snapshot=snapshot,
        status_text=STATUS_TEXT[snapshot.status],
        is_open=is_open(snapshot),
        message=message,
        **page,
    )


async def _page(
    cohort: str, token: str, settings: Settings, session: Session
) -> tuple[ApplyClaims, ProgramConfig, bool, dict[str, Any]]:
    claims = _signer(settings).verify(cohort, token)
    program, taking = await run_in_threadpool(_program, session, cohort)
    me = await run_in_threadpool(participant, session, claims.employee_id)
    page = {"me": me, "program": program, "cohort": cohort, "token": token}
    return claims, program, taking, page


@router.get("/apply/{cohort}/{token}", response_class=HTMLResponse)
async def show_form(
    cohort: str,
    token: str,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims, program, taking, page = await _page(cohort, token, settings, session)
    snapshot = await _current(temporal, claims)
    if snapshot is not None:
        return _status_page(request, templates, page, snapshot)
    if not taking:
        return _closed(request, templates, program)
    values = {"preferred_cadence": program.cadence if program.cadence in NAMED_CADENCES else ""}
    return render(request, templates, "apply_form.html", values=values, errors={}, **page)


@router.post("/apply/{cohort}/{token}", response_class=HTMLResponse)
async def submit_form(
    cohort: str,
    token: str,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims, program, taking, page = await _page(cohort, token, settings, session)
    if not taking:
        return _closed(request, templates, program)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        details = await run_in_threadpool(_parse, session, form, claims.employee_id)
    except FormError as exc:
        return render(
            request, templates, "apply_form.html", 422, values=form, errors=exc.errors, **page
        )
    application = application_input(cohort, program, claims.employee_id)
    try:
        client = await temporal.client()
        result = await submit_application(
            client, settings.temporal_task_queue, application, details
        )
    except (RPCError, RuntimeError, OSError) as exc:
        raise unreachable() from exc
    if result.outcome is SubmitOutcome.REFUSED:
        return message_page(request, templates, "We could not take this", result.message, 409)
    snapshot = await _current(temporal, claims)
    if snapshot is None:  # just started: cannot be gone already
        raise unreachable()
    return _status_page(request, templates, page, snapshot, result.message)


@router.post("/apply/{cohort}/{token}/withdraw", response_class=HTMLResponse)
async def withdraw(
    cohort: str,
    token: str,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims, _, _, page = await _page(cohort, token, settings, session)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    workflow_id = application_workflow_id(cohort, claims.employee_id)
    try:
        withdrawal = parse_withdraw(form, claims.employee_id)
        # One withdrawal per link: a re-sent POST is the same update.
        update_id = f"withdraw:{claims.jti}"
        receipt = await execute_update(
            temporal, workflow_id, "withdraw", withdrawal, update_id, application_gone
        )
    except FormError as exc:
        return message_page(request, templates, "We could not take this", str(exc), 422)
    except WorkflowUpdateFailedError as exc:
        return message_page(request, templates, "We could not take this", refusal(exc), 409)
    snapshot = await _current(temporal, claims)
    if snapshot is None:
        raise application_gone()
    return _status_page(request, templates, page, snapshot, receipt.message)
