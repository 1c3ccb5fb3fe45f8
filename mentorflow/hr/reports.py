"""The cohort report as HR downloads it: HTML, JSON or one CSV table."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from mentorflow.audit import AuditAction
from mentorflow.hr.audited import Actor, audited_sync
from mentorflow.hr.errors import InvalidInput, NotFound
from mentorflow.report import CSV_TABLES, build_report, to_csv, to_html, to_json
from mentorflow.store import cohorts

FORMATS = ("html", "csv", "json")


def cohort_report(
    sessions: sessionmaker[Session],
    name: str,
    fmt: str = "html",
    table: str | None = None,
    now: datetime | None = None,
    *,
    actor: Actor,
) -> str:
    """The report document. CSV is one table a call (``table``: summary by
    default, early-ends or blockers), so each file has one header row.
    Personal data leaves the system here, so each export is audited."""
    with audited_sync(sessions, actor, AuditAction.EXPORT, f"cohort:{name}", format=fmt):
        return _report(sessions, name, fmt, table, now)


def _report(
    sessions: sessionmaker[Session], name: str, fmt: str, table: str | None, now: datetime | None
) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"{fmt!r}: choose one of {', '.join(FORMATS)}")
    if table is not None and (fmt != "csv" or table not in CSV_TABLES):
        raise InvalidInput(f"with the csv format, choose one of {', '.join(CSV_TABLES)}")
    render = {"html": to_html, "csv": partial(to_csv, table=table or "summary"), "json": to_json}
    with sessions() as session:
        try:
            return render[fmt](build_report(session, name, now or datetime.now(UTC)))
        except cohorts.UnknownCohort as exc:
            raise NotFound(f"no cohort {name!r}") from exc
