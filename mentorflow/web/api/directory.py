"""``POST /api/v1/directory/import``: an HRIS export (CSV, as the request
body) into the directory, with the row-by-row report; administrators only."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from mentorflow.directory import ImportReport, RowProblem
from mentorflow.hr.directory import import_directory_file
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_administrator
from mentorflow.web.console.actions import actor
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["directory"])


class ProblemRow(BaseModel):
    line: int
    employee_id: str
    field: str
    reason: str

    @classmethod
    def of(cls, problem: RowProblem) -> ProblemRow:
        return cls(
            line=problem.line,
            employee_id=problem.employee_id,
            field=problem.field,
            reason=problem.reason,
        )


class DirectoryImport(BaseModel):
    dry_run: bool
    inserted: int
    updated: int
    unchanged: int
    #: Rejected rows (not imported), by line of the CSV.
    errors: list[ProblemRow]
    #: Imported rows with something HR should look at.
    warnings: list[ProblemRow]

    @classmethod
    def of(cls, report: ImportReport, *, dry_run: bool) -> DirectoryImport:
        return cls(
            dry_run=dry_run,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=[ProblemRow.of(p) for p in report.errors],
            warnings=[ProblemRow.of(p) for p in report.warnings],
        )


@router.post(
    "/directory/import",
    responses=documented(401, 403, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_directory(
    request: Request, access: ApiAccess, session: SessionDep, dry_run: bool = False
) -> DirectoryImport:
    """Imports the CSV in the body (``Content-Type: text/csv``): bad rows are
    reported by line and the others imported; ``dry_run`` writes nothing."""
    require_administrator(request, session, access)
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as saved:
        async for chunk in request.stream():
            saved.write(chunk)
    path = Path(saved.name)
    try:
        report = await asyncio.to_thread(
            import_directory_file,
            request.app.state.sessionmaker,
            path,
            actor=actor(request, access),
            dry_run=dry_run,
            shown_as="request body",
        )
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return DirectoryImport.of(report, dry_run=dry_run)
