"""Program files: a valid one loads and gives the mentorship its settings; a
wrong one is reported line by line with the field, for every kind of mistake."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, time, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from mentorflow.cli.main import app
from mentorflow.models import ProgramSettings, Role
from mentorflow.program import ProgramConfig, TimeoutPolicy, load_program
from mentorflow.settings import PROJECT_ROOT
from mentorflow.yaml_source import SourceError

MENTORFLOW = Path(sys.executable).parent / "mentorflow"
EXAMPLE = PROJECT_ROOT / "examples" / "program.yaml"
BAD_EXAMPLE = PROJECT_ROOT / "examples" / "bad" / "program.yaml"

MINIMAL = """\
name: Test program
program_manager_email: hr@example.com
"""


def write(tmp_path: Path, text: str, name: str = "program.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    """Each problem as ``line: field: message``, without the file name."""
    with pytest.raises(SourceError) as caught:
        load_program(path, shown_as="p.yaml")
    lines = str(caught.value).splitlines()
    assert all(line.startswith("p.yaml:") for line in lines)
    return [line.removeprefix("p.yaml:") for line in lines]


# --------------------------------------------------------------------------- valid


def test_the_example_program_is_valid() -> None:
    program = load_program(EXAMPLE)
    assert program.program_name == "Engineering Mentoring 2027"
    assert program.program_manager_email == "rosa.delgado@northwind.example"
    assert program.duration == timedelta(weeks=26)
    assert program.eligibility.min_tenure == timedelta(days=90)
    assert program.manager_approval.required
    assert program.manager_approval.on_timeout is TimeoutPolicy.APPROVE
    assert program.matching.rules.max_timezone_gap_hours == 8
    assert [q.id for q in program.survey_questions.final] == [
        "network_growth",
        "advice_for_next_cohort",
    ]


def test_the_mentorship_gets_the_schedule_of_the_program() -> None:
    settings = load_program(EXAMPLE).mentorship_settings()
    assert type(settings) is ProgramSettings
    assert settings == ProgramSettings(
        program_name="Engineering Mentoring 2027",
        program_manager_email="rosa.delgado@northwind.example",
        cadence="biweekly",
        duration=timedelta(weeks=26),
        introduction_timeout=timedelta(days=7),
        goals_timeout=timedelta(days=14),
        checkin_window=timedelta(days=3),
        survey_window=timedelta(days=7),
        checkin_local_time=time(9, 0),
        at_risk_streak=2,
        # The program's own questions travel with each mentorship's surveys.
        survey_questions=load_program(EXAMPLE).survey_questions,
    )
    assert settings.survey_questions.final


def test_a_stored_program_reads_back_the_same() -> None:
    # Cohorts keep the program as JSON; reading it back must give the same program.
    program = load_program(EXAMPLE)
    stored = json.loads(json.dumps(program.model_dump(mode="json", by_alias=True)))
    assert ProgramConfig.model_validate(stored) == program


def test_a_minimal_program_takes_the_defaults(tmp_path: Path) -> None:
    program = load_program(write(tmp_path, MINIMAL))
    assert program.mentorship_settings() == ProgramSettings(
        program_name="Test program", program_manager_email="hr@example.com"
    )
    assert program.default_mentor_capacity == 2
    assert not program.manager_approval.required
    assert program.matching.rules.require_shared_language


def test_seconds_make_a_demo_program(tmp_path: Path) -> None:
    program = load_program(
        write(tmp_path, MINIMAL + "cadence: PT20S\nduration: PT2M\ncheckin_window: PT12S\n")
    )
    assert program.mentorship_settings().cadence_period == timedelta(seconds=20)


# --------------------------------------------------------------------------- errors


def test_the_bad_example_reports_each_mistake_at_its_line() -> None:
    assert problems(BAD_EXAMPLE) == [
        "4: program_manager_email: 'hr-at-northwind' is not an email address",
        "5: cadance: unknown field; did you mean 'cadence'?",
        "6: duration: 30 is not an ISO 8601 duration in weeks, days, hours, minutes or "
        "seconds (e.g. P14D, P26W, PT30S)",
        "10: eligibility.min_tenure: 'P6M': months and years have no fixed length; "
        "use weeks or days (P26W, P90D)",
        "14: manager_approval.on_timeout: Input should be 'approve' or 'reject'",
        "17: matching.weights.expertise: Input should be greater than or equal to 0",
        "20: matching.rules.max_timezone_gap_hours: Input should be less than or equal to 14",
        # A missing field points at the mapping that should hold it.
        "26: survey_questions.final[1].text: Field required",
        "27: survey_questions.final[1].kind: Input should be 'rating' or 'text'",
    ]


def test_the_bad_example_names_its_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        load_program(BAD_EXAMPLE, shown_as="examples/bad/program.yaml")
    assert str(caught.value).splitlines()[5] == (
        "examples/bad/program.yaml:17: matching.weights.expertise: "
        "Input should be greater than or equal to 0"
    )


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        name: Test program
        program_manager_email: hr@example.com
        matching:
          weights: {expertise: 1.0, seniority: 0.5
        default_mentor_capacity: 2
        """,
    )
    [problem] = problems(path)
    assert problem.startswith("5: YAML syntax:")


def test_a_bad_indentation_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "eligibility:\n  levels: [L2]\n    departments: [Data]\n")
    [problem] = problems(path)
    assert problem.startswith("5: YAML syntax: while parsing a block mapping")


def test_a_key_given_twice_is_an_error_not_the_last_one_wins(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "matching:\n  weights:\n    expertise: 1\n    expertise: 2\n")
    assert problems(path) == ["6: matching.weights.expertise: given twice (first on line 5)"]


def test_a_missing_top_level_field_points_at_the_document(tmp_path: Path) -> None:
    path = write(tmp_path, "# a comment\nname: Test program\ncadence: weekly\n")
    assert problems(path) == ["2: program_manager_email: Field required"]


def test_a_rule_across_fields_points_at_its_field(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "cadence: weekly\ncheckin_window: P10D\n")
    assert problems(path) == [
        "4: checkin_window: checkin_window must not be longer than the cadence"
    ]


def test_eligible_levels_must_be_on_the_ladder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL + "levels: [L1, L2, L3]\neligibility:\n  mentor_levels: [L3, L9]\n",
    )
    assert problems(path) == [
        "5: eligibility.mentor_levels: L9 not among the program's levels",
    ]


def test_an_unquoted_time_is_explained(tmp_path: Path) -> None:
    # YAML 1.1 reads 9:30 as the number 570 (base 60), which would be 00:09:30.
    path = write(tmp_path, MINIMAL + "checkin_local_time: 9:30\n")
    assert problems(path) == ["3: checkin_local_time: write the time in quotes, e.g. '09:00'"]


def test_survey_question_ids_are_unique_and_not_built_in(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + textwrap.dedent(
            """\
            survey_questions:
              midpoint:
                - {id: rating, text: "How is it going?", kind: rating}
              final:
                - {id: growth, text: "How did you grow?", kind: text}
                - {id: growth, text: "What else?", kind: text}
            """
        ),
    )
    assert problems(path) == [
        "5: survey_questions.midpoint[0].id: 'rating' is a built-in survey answer; "
        "choose another id",
        "6: survey_questions.final: question id 'growth' is used twice",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1: the file is empty"),
        ("- name: a list\n", "1: expected a mapping of program settings"),
    ],
)
def test_a_file_that_is_not_a_program(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(write(tmp_path, text)) == [expected]


def test_a_missing_file(tmp_path: Path) -> None:
    [problem] = problems(tmp_path / "nowhere.yaml")
    assert problem.startswith("1: cannot read the file")


# --------------------------------------------------------------------------- hostile files


def test_a_self_referencing_alias_is_an_error_not_a_recursion(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "levels: &ladder\n  - *ladder\n")
    assert problems(path) == ["4: YAML aliases (*ladder) are not allowed; write the value out"]


def billion_laughs(tmp_path: Path) -> Path:
    """Nine levels of nine aliases each: 9^9 (387 million) strings once expanded."""
    lines = [
        MINIMAL.rstrip("\n"),
        'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for level in range(1, 9):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    lines.append("levels: *l8")
    return write(tmp_path, "\n".join(lines) + "\n")


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    # In a child process, so that a loader which expands it ends the test at
    # the timeout (a hang guard, not a measure of speed) instead of hanging.
    result = subprocess.run(
        [str(MENTORFLOW), "program", "check", str(billion_laughs(tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "program.yaml:4: YAML aliases (*l0) are not allowed" in result.stderr
    assert "Traceback" not in result.stderr


def test_deep_nesting_is_an_error_not_a_recursion(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "levels: " + "[" * 2000 + "]" * 2000 + "\n")
    assert problems(path) == ["3: nested more than 32 levels deep"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("duration: P99999999D", "3: duration: must be at least PT1S and at most P260W (5 years)"),
        ("duration: P261W", "3: duration: must be at least PT1S and at most P260W (5 years)"),
        ("cadence: P99999999D", "3: cadence: must be at least PT1S and at most P260W (5 years)"),
        ("checkin_window: PT0.5S", "3: checkin_window: must be at least PT1S and at most P260W"),
        (
            "manager_approval:\n  timeout: P99999999D",
            "4: manager_approval.timeout: must be at least PT1S and at most P260W (5 years)",
        ),
        (
            "alumni:\n  ask_again_after: P99999999D",
            "4: alumni.ask_again_after: must be at least PT1S and at most P260W (5 years)",
        ),
        (
            "eligibility:\n  min_tenure: P99999999D",
            "4: eligibility.min_tenure: must be between P0D and P2600W (50 years)",
        ),
        (
            "applications_window: P99999999D",
            "3: applications_window: must be at least PT1S and at most P260W (5 years)",
        ),
    ],
)
def test_every_duration_is_bounded_to_what_a_program_can_mean(
    tmp_path: Path, text: str, expected: str
) -> None:
    [problem] = problems(write(tmp_path, MINIMAL + text + "\n"))
    assert problem.startswith(expected)


def test_the_longest_durations_are_allowed_and_read_back(tmp_path: Path) -> None:
    # Pydantic writes a year or more as P1Y…, which a program refuses: the
    # stored program (and the workflow's input) would not read back.
    program = load_program(
        write(tmp_path, MINIMAL + "duration: P260W\nalumni:\n  ask_again_after: P400DT1.5S\n")
    )
    stored = json.loads(json.dumps(program.model_dump(mode="json", by_alias=True)))
    assert stored["duration"] == "P1820D"
    assert ProgramConfig.model_validate(stored) == program


# --------------------------------------------------------------------------- email overrides


def test_email_overrides_replace_known_templates(tmp_path: Path) -> None:
    overrides = tmp_path / "mail"
    overrides.mkdir()
    (overrides / "introduction.txt").write_text(
        "{% extends '_layout.txt' %}{% block subject %}Meet your mentor{% endblock %}"
    )
    program = load_program(write(tmp_path, MINIMAL + "email_templates: mail\n"))
    assert program.email_templates == overrides.resolve()


def test_an_override_must_name_a_known_template(tmp_path: Path) -> None:
    overrides = tmp_path / "mail"
    overrides.mkdir()
    (overrides / "introductoin.txt").write_text("Hello")
    path = write(tmp_path, MINIMAL + "email_templates: mail\n")
    assert problems(path) == [
        "3: email_templates: introductoin.txt does not replace any email template"
    ]


def test_an_override_must_parse(tmp_path: Path) -> None:
    overrides = tmp_path / "mail"
    overrides.mkdir()
    (overrides / "checkin.html").write_text("<p>\n{% if x %}\nan if without its end\n")
    path = write(tmp_path, MINIMAL + "email_templates: mail\n")
    [problem] = problems(path)
    assert problem.startswith("3: email_templates: checkin.html:2: Unexpected end of template")


def test_an_override_folder_must_exist(tmp_path: Path) -> None:
    [problem] = problems(write(tmp_path, MINIMAL + "email_templates: missing/\n"))
    assert problem.startswith("3: email_templates:") and problem.endswith("is not a folder")


# --------------------------------------------------------------------------- eligibility


def person(**changes: object) -> SimpleNamespace:
    fields = dict(
        employee_id="E1", active=True, department="Data", level="L3", hire_date=date(2026, 1, 5)
    )
    return SimpleNamespace(**(fields | changes))


@pytest.mark.parametrize(
    ("who", "role", "reason"),
    [
        (person(), Role.MENTEE, None),
        (person(level="L5"), Role.MENTOR, None),
        (person(department="People"), Role.MENTEE, "department People is not part"),
        (person(level="L1"), Role.MENTEE, "level L1 may not take part as mentee"),
        (person(level="L3"), Role.MENTOR, "level L3 may not take part as mentor"),
        (person(hire_date=date(2026, 12, 1)), Role.MENTEE, "tenure of 31 days is below"),
        (person(hire_date=None), Role.MENTEE, "hire date unknown"),
        (person(active=False), Role.MENTEE, "no longer in the directory"),
    ],
)
def test_eligibility_gives_the_reason_of_a_refusal(
    who: SimpleNamespace, role: Role, reason: str | None
) -> None:
    program = load_program(EXAMPLE)
    refusal = program.refusal(who, role, today=date(2027, 1, 1))  # type: ignore[arg-type]
    if reason is None:
        assert refusal is None
    else:
        assert refusal is not None and refusal.startswith(reason), refusal


def test_levels_are_ranked_by_the_ladder() -> None:
    program = load_program(EXAMPLE)
    assert program.level_rank("L2") == 1
    assert program.level_rank("L8") == 7
    assert program.level_rank("Intern") is None


# --------------------------------------------------------------------------- CLI


def test_program_check_summarises_a_valid_program() -> None:
    result = CliRunner().invoke(app, ["program", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Engineering Mentoring 2027" in result.stdout
    assert "rosa.delgado@northwind.example, noah.fischer@northwind.example" in result.stdout
    assert "is a valid program" in result.stdout


def test_program_check_lists_every_error_and_fails() -> None:
    result = CliRunner().invoke(app, ["program", "check", "examples/bad/program.yaml"])
    assert result.exit_code == 1
    assert (
        "examples/bad/program.yaml:17: matching.weights.expertise: "
        "Input should be greater than or equal to 0"
    ) in result.stderr
    assert "9 problem(s)" in result.stderr
