"""A program's own email templates replace the defaults for its cohort's mail,
and only for its cohort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities.email import EmailActivities
from mentorflow.program import load_program
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.test_email_activity import checkin_request, make_settings

PROGRAM = """name: Grow Together 2026
program_manager_email: programs@example.com
email_templates: mail
"""
# An override replaces the template of its name; it builds on the shared layout.
OVERRIDE = """{% extends "_layout.txt" %}
{% block subject %}Grow Together check-in {{ number }}: a moment for {{ partner.name }}\
{% endblock %}
{% block body %}
Ten minutes with {{ partner.name }} this week? Tell us how it went:

{{ links.checkin }}
{% endblock %}
"""


async def test_a_cohorts_program_overrides_its_email(
    smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "checkin.txt").write_text(OVERRIDE)
    (tmp_path / "program.yaml").write_text(PROGRAM)
    program = load_program(tmp_path / "program.yaml")
    assert set(program.email_template_sources) == {"checkin.txt"}

    engine = make_engine(sqlite_url)
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        # The cohort of tests.test_email_activity's MENTORSHIP id.
        cohorts.create_cohort(
            session, "2026-spring", program, opens_at=now, closes_at=now + timedelta(days=1)
        )
    activities = EmailActivities(
        make_settings(smtp_server.port, sqlite_url, tmp_path), make_sessionmaker(engine)
    )
    try:
        await ActivityEnvironment().run(activities.send_email, checkin_request("own:1"))
        other = checkin_request("other:1").model_copy(
            update={"mentorship_id": "mentorship:another-cohort:e-100:e-200"}
        )
        await ActivityEnvironment().run(activities.send_email, other)
    finally:
        await activities.close()
        engine.dispose()
    own, default = smtp_server.recorder.messages
    assert str(own["Subject"]) == "Grow Together check-in 3: a moment for Ana Lima"
    assert "Ten minutes with Ana Lima" in own.get_body(("plain",)).get_content()
    assert "Grow Together check-in" not in str(default["Subject"])
