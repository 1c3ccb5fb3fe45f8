"""A cohort's applications over the API: ``GET`` (filtered by status and role,
searched by ``q``), ``POST`` one application as JSON, and ``POST .../import``
a CSV, answered with the row report the CLI prints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field

from mentorflow.applications.csv_import import ImportReport
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.hr.applications import (
    MAX_UPLOAD_BYTES,
    import_uploaded_applications,
    one_application_csv,
)
from mentorflow.hr.cohort_reads import ApplicationListing, list_applications
from mentorflow.models import Role
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep, SettingsDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["applications"])


class RowReport(BaseModel):
    line: int
    employee_id: str
    #: The column (``(row)``, ``(submit)`` for the row as a whole).
    field: str = ""
    message: str
    #: ``file:line: field: reason``, as the CLI prints it.
    text: str


class ImportResult(BaseModel):
    file: str
    submitted: list[RowReport]
    duplicates: list[RowReport]
    rejected: list[RowReport]
    warnings: list[RowReport]


class NewApplication(BaseModel):
    """One application, with the columns of a CSV row."""

    employee_id: str = Field(min_length=1, max_length=64)
    role: str = Field(pattern="^(mentee|mentor|both)$")
    capacity: int | None = Field(default=None, ge=1, le=10)
    expertise: str = Field(default="", max_length=2000)
    goals: str = Field(default="", max_length=2000)
    interests: str = Field(default="", max_length=2000)
    preferred_cadence: str = Field(default="", max_length=32)
    languages: list[str] = Field(default=[], max_length=20)
    mentor_preferences: list[str] = Field(default=[], max_length=20)
    notes: str = Field(default="", max_length=2000)


def _result(report: ImportReport, path: str) -> ImportResult:
    def done(found: list[tuple[int, str, str]], kind: str) -> list[RowReport]:
        return [
            RowReport(line=line, employee_id=e, message=m, text=f"{kind} {path}:{line}: {e}: {m}")
            for line, e, m in found
        ]

    def problems(found: list, kind: str) -> list[RowReport]:  # type: ignore[type-arg]
        return [
            RowReport(
                line=p.line,
                employee_id=p.employee_id,
                field=p.field,
                message=p.reason,
                text=f"{kind} {p.where(path)} ({p.employee_id or 'no id'})",
            )
            for p in found
        ]

    return ImportResult(
        file=path,
        submitted=done(report.submitted, "submitted"),
        duplicates=done(report.duplicates, "duplicate"),
        rejected=problems(report.errors, "rejected"),
        warnings=problems(report.warnings, "warning"),
    )


async def _import(
    request: Request, access: ApiAccess, settings: SettingsDep, name: str, data: bytes, path: str
) -> ImportResult:
    report = await import_uploaded_applications(
        store(request),
        lambda: temporal(request),
        settings.temporal_task_queue,
        name,
        data,
        path,
        actor=actor(request, access),
    )
    return _result(report, path)


@router.get("/cohorts/{name}/applications", responses=documented(401, 403, 404))
async def get_applications(
    name: str,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    status: ApplicationStatus | None = None,
    role: Role | None = None,
    q: Annotated[str, Field(max_length=200)] = "",
) -> ApplicationListing:
    """The applications, newest first, with the counts by status."""
    require_cohort(request, session, access, name)
    return list_applications(store(request), name, status=status, role=role, search=q)


@router.post("/cohorts/{name}/applications", responses=documented(401, 403, 404, 422, 503))
async def add_application(
    name: str,
    body: NewApplication,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    settings: SettingsDep,
) -> ImportResult:
    """One application, checked and submitted exactly as one CSV row is."""
    require_cohort(request, session, access, name)
    fields = body.model_dump()
    fields["capacity"] = str(body.capacity or "")
    fields["languages"] = ";".join(body.languages)
    fields["mentor_preferences"] = ";".join(body.mentor_preferences)
    return await _import(request, access, settings, name, one_application_csv(fields), "request")


@router.post("/cohorts/{name}/applications/import", responses=documented(401, 403, 404, 422, 503))
async def import_applications(
    name: str,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    settings: SettingsDep,
    csv: Annotated[str, Body(media_type="text/csv", max_length=MAX_UPLOAD_BYTES)],
    filename: str = "applications.csv",
) -> ImportResult:
    """The CSV as the request body (``Content-Type: text/csv``); the row
    report says which rows were submitted, duplicates or rejected (by line)."""
    require_cohort(request, session, access, name)
    return await _import(request, access, settings, name, csv.encode(), filename[:200])
