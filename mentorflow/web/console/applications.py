"""``/hr/cohorts/{name}/applications``: the cohort's applications, filtered
and searched with plain GET parameters; importing a CSV (the CLI's row
report as a page) and adding one application by hand (one CSV row)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from mentorflow.applications.csv_import import ImportReport
from mentorflow.cohorts.review import STATE_LABELS
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.hr.applications import (
    MAX_UPLOAD_BYTES,
    import_uploaded_applications,
    one_application_csv,
)
from mentorflow.hr.cohort_reads import cohort_details, list_applications
from mentorflow.hr.errors import InvalidInput
from mentorflow.models import Role
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter(prefix="/hr/cohorts", dependencies=[Depends(csrf_protected)])

#: How a hand-added application is named in its report and audit row.
FORM_SOURCE = "the form"


def _status(value: str) -> ApplicationStatus | None:
    # An unknown filter value (an old bookmark) filters nothing out.
    return ApplicationStatus(value) if value in set(ApplicationStatus) else None


def _role(value: str) -> Role | None:
    return Role(value) if value in set(Role) else None


@router.get("/{name}/applications", response_class=HTMLResponse, include_in_schema=False)
async def applications(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    status: str = "",
    role: str = "",
    q: str = "",
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    listing = list_applications(
        store(request),
        name,
        status=_status(status),
        role=_role(role),
        search=q[:200],
    )
    return console_page(
        request,
        templates,
        "hr/applications.html",
        cohort=cohort_details(store(request), name),
        listing=listing,
        labels=STATE_LABELS,
        status=status,
        role=role,
        q=q[:200],
    )


async def _import(
    request: Request,
    access: ConsoleAccess,
    templates: TemplatesDep,
    settings: SettingsDep,
    name: str,
    data: bytes,
    shown_as: str,
) -> HTMLResponse:
    report = await import_uploaded_applications(
        store(request),
        lambda: temporal(request),
        settings.temporal_task_queue,
        name,
        data,
        shown_as,
        actor=actor(request, access),
    )
    return _report_page(request, templates, name, report, shown_as)


def _report_page(
    request: Request, templates: TemplatesDep, name: str, report: ImportReport, shown_as: str
) -> HTMLResponse:
    return console_page(
        request,
        templates,
        "hr/import_report.html",
        cohort=cohort_details(store(request), name),
        report=report,
        path=shown_as,
    )


@router.post("/{name}/applications/import", response_class=HTMLResponse, include_in_schema=False)
async def import_csv(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    if file is None or not file.filename:
        raise InvalidInput("Choose the CSV file to import.")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    return await _import(request, access, templates, settings, name, data, file.filename)


@router.post("/{name}/applications/add", response_class=HTMLResponse, include_in_schema=False)
async def add_one(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    employee_id: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    capacity: Annotated[str, Form(max_length=8)] = "",
    expertise: Annotated[str, Form(max_length=4000)] = "",
    goals: Annotated[str, Form(max_length=4000)] = "",
    interests: Annotated[str, Form(max_length=4000)] = "",
    preferred_cadence: Annotated[str, Form(max_length=32)] = "",
    languages: Annotated[str, Form(max_length=500)] = "",
    mentor_preferences: Annotated[str, Form(max_length=500)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    data = one_application_csv(
        {
            "employee_id": employee_id,
            "role": role,
            "capacity": capacity,
            "expertise": expertise,
            "goals": goals,
            "interests": interests,
            "preferred_cadence": preferred_cadence,
            "languages": languages,
            "mentor_preferences": mentor_preferences,
            "notes": notes,
        }
    )
    return await _import(request, access, templates, settings, name, data, FORM_SOURCE)
