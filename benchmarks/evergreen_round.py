"""Benchmark: an evergreen round over 10,000 waiting people with 3,000
running pairs, from the store, against a cohort's matching run of the very
same people in the same run.

    .venv/bin/python benchmarks/evergreen_round.py [--waiting-mentees 8500] [--mentors 3000]
        [--running 3000] [--declined 500] [--stores sqlite,postgresql] [--seed 2027]

The organisation comes from ``organisation.py`` (the matching benchmark's
generator): everyone in a reporting chain is in the directory, so the hard
rules read the same chains. In an evergreen intake, ``--running`` mentees
are in running pairs (their mentors' places taken), ``--declined`` of the
waiting mentees had an introduction declined (so that mentor is excluded for
them), and everyone else is waiting. The round's matching step
(``run_matching`` for the round: everyone waiting, the room each mentor has
left, the pairs of the past, the engine, the run stored) is timed against the
baseline: a cohort whose approved applications are exactly the round's
waiting people with that room, matched by the same function as a cohort.
Both must give the same pairs but for the excluded ones; the script exits 1
when the round proposes a pair of the past or matches fewer than the cohort
less the excluded.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import insert
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stores import drop_postgres, machine, postgres_database
from organisation import generate

from mentorflow.cohorts.matching import build_matching_input, run_matching
from mentorflow.cohorts.states import ApplicationSource, ApplicationStatus, RoundTrigger
from mentorflow.matching import MatchingInput, match
from mentorflow.models import Outcome, Phase, Role
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts, rounds
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from mentorflow.store.schema import Application, Mentorship, Person

INTAKE = "evergreen-bench"
BASELINE = "cohort-bench"
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def programs(problem: MatchingInput) -> tuple[ProgramConfig, ProgramConfig]:
    fields = {
        "name": "Benchmark program",
        "program_manager_email": "hr@example.com",
        "matching": {"rules": problem.rules, "weights": problem.weights},
    }
    evergreen = ProgramConfig.model_validate({**fields, "intake": "evergreen"})
    return evergreen, ProgramConfig.model_validate(fields)


def directory_rows(problem: MatchingInput) -> list[dict[str, object]]:
    """Everyone in the cohort and in their reporting chains, each row naming
    its manager, so the store rebuilds the chains the generator drew."""
    rows: dict[str, dict[str, object]] = {}
    for person in [*problem.mentees, *problem.mentors]:
        chain = [person.employee_id, *person.manager_chain]
        for index, employee in enumerate(chain):
            manager = chain[index + 1] if index + 1 < len(chain) else None
            if employee in rows and (index > 0 or rows[employee]["level"] != "L0"):
                continue
            rows[employee] = {
                "employee_id": employee,
                "email": f"{employee.lower()}@example.com",
                "name": f"Person {employee}",
                "department": person.department if index == 0 else "",
                "manager_id": manager,
                "timezone": person.timezone if index == 0 else "UTC",
                "level": f"L{person.level}" if index == 0 else "L0",
                "attributes": {},
                "active": True,
                "title": "",
                "location": "",
                "updated_at": NOW,
            }
    return list(rows.values())


def application_row(cohort: str, profile: object, role: Role, capacity: int | None) -> dict:
    p = profile
    return {
        "cohort": cohort,
        "employee_id": p.employee_id,  # type: ignore[attr-defined]
        "role": role.value,
        "capacity": capacity,
        "expertise": getattr(p, "expertise", ""),
        "goals": getattr(p, "goals", ""),
        "interests": getattr(p, "interests", ""),
        "preferred_cadence": "",
        "languages": list(p.languages),  # type: ignore[attr-defined]
        "mentor_preferences": list(getattr(p, "preferred_mentor_ids", [])),
        "notes": "",
        "status": ApplicationStatus.APPROVED.value,
        "status_reason": "",
        "source": ApplicationSource.CSV.value,
        "created_at": NOW,
        "updated_at": NOW,
    }


def seed(session: Session, problem: MatchingInput, running: int, declined: int) -> dict[str, int]:
    """The intake (with its running and declined pairs) and the baseline
    cohort of the same waiting people; returns the counts it made."""
    evergreen, cohort = programs(problem)
    session.execute(insert(Person), directory_rows(problem))
    cohorts.create_cohort(
        session, INTAKE, evergreen, opens_at=NOW, closes_at=NOW + timedelta(days=1)
    )
    # Matched at NOW, like the round: UTC offsets are read at the same instant.
    opened = NOW - timedelta(days=1)
    cohorts.create_cohort(session, BASELINE, cohort, opens_at=opened, closes_at=NOW)
    mentees = sorted(problem.mentees, key=lambda p: p.employee_id)
    mentors = sorted(problem.mentors, key=lambda p: p.employee_id)
    rows = [application_row(INTAKE, p, Role.MENTEE, None) for p in mentees]
    rows += [application_row(INTAKE, p, Role.MENTOR, p.capacity) for p in mentors]
    session.execute(insert(Application), rows)

    # Running pairs fill mentors' places in turn; the declined pairs are
    # closed and leave their mentees waiting, that mentor excluded.
    places = [(m.employee_id, seat) for m in mentors for seat in range(m.capacity)]
    room = {m.employee_id: m.capacity for m in mentors}
    pairs = []
    for index, mentee in enumerate(mentees[: running + declined]):
        mentor = places[index % len(places)][0]
        if mentor == mentee.employee_id:  # someone applying as both
            mentor = places[(index + 1) % len(places)][0]
        if mentor == mentee.employee_id:  # someone applying as both
            mentor = places[(index + 1) % len(places)][0]
        closed = index >= running
        if not closed:
            room[mentor] -= 1
        pairs.append(
            {
                "id": f"mentorship:{INTAKE}:{mentor}:{mentee.employee_id}",
                "cohort": INTAKE,
                "mentor_id": mentor,
                "mentee_id": mentee.employee_id,
                "program": {},
                "phase": Phase.CLOSED.value if closed else Phase.CHECKINS.value,
                "paused": False,
                "outcome": Outcome.DECLINED.value if closed else None,
                "outcome_reason": "",
                "wants_new_mentor": False,
                "started_at": NOW,
            }
        )
    session.execute(insert(Mentorship), pairs)

    waiting_mentees = mentees[running:]
    with_room = [m for m in mentors if room[m.employee_id] > 0]
    rows = [application_row(BASELINE, p, Role.MENTEE, None) for p in waiting_mentees]
    rows += [application_row(BASELINE, p, Role.MENTOR, room[p.employee_id]) for p in with_room]
    session.execute(insert(Application), rows)
    return {
        "waiting mentees": len(waiting_mentees),
        "mentors with room": len(with_room),
        "running pairs": running,
        "declined pairs": declined,
    }


def timed_run(url: str, cohort: str, round_number: int | None) -> dict[str, float | int]:
    """The matching step as the round's (or the cohort's) activity runs it,
    with the input built from the store timed on its own first."""
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        at = NOW if round_number is not None else None
        with sessions() as session:
            started = time.perf_counter()
            problem = build_matching_input(session, cohort, at)
            built = time.perf_counter() - started
        with sessions.begin() as session:
            started = time.perf_counter()
            outcome = run_matching(session, cohort, round_number, at)
            whole = time.perf_counter() - started
        started = time.perf_counter()
        match(problem)
        engine_only = time.perf_counter() - started
    finally:
        engine.dispose()
    return {
        "input from the store (s)": built,
        "engine alone (s)": engine_only,
        "matching step end to end (s)": whole,
        "mentees": len(outcome.problem.mentees),
        "mentors": len(outcome.problem.mentors),
        "excluded pairs": len(outcome.problem.excluded_pairs),
        "matched": outcome.result.matched_count,
        "total score": outcome.result.total_score,
        "_pairs": {(p.mentee_id, p.mentor_id) for p in outcome.result.pairs},  # type: ignore[dict-item]
        "_excluded": {(p.mentee_id, p.mentor_id) for p in outcome.problem.excluded_pairs},  # type: ignore[dict-item]
    }


def bench(url: str, label: str, args: argparse.Namespace) -> bool:
    upgrade(url)
    problem = generate(args.waiting_mentees + args.running, args.mentors, args.seed)
    engine = make_engine(url)
    started = time.perf_counter()
    with make_sessionmaker(engine).begin() as session:
        counts = seed(session, problem, args.running, args.declined)
        rounds.open_round(session, INTAKE, RoundTrigger.HR, "bench", NOW)
    engine.dispose()
    print(
        f"\n{label}: seeded in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    baseline = timed_run(url, BASELINE, None)
    evergreen = timed_run(url, INTAKE, 1)
    print(f"{'':32} {'cohort (baseline)':>18} {'evergreen round':>16} {'ratio':>6}")
    for key, value in evergreen.items():
        if key.startswith("_"):
            continue
        base = baseline[key]
        ratio = f"{value / base:.2f}" if isinstance(value, float) and base else ""
        fmt = (lambda v: f"{v:,.2f}") if isinstance(value, float) else (lambda v: f"{v:,}")
        print(f"{key:32} {fmt(base):>18} {fmt(value):>16} {ratio:>6}")
    waiting = evergreen["mentees"] + evergreen["mentors"]
    print(f"waiting people in the round: {waiting:,}")
    repeated = evergreen["_pairs"] & evergreen["_excluded"]  # type: ignore[operator]
    fewer = baseline["matched"] - evergreen["matched"]  # type: ignore[operator]
    same_people = (baseline["mentees"], baseline["mentors"]) == (
        evergreen["mentees"],
        evergreen["mentors"],
    )
    ok = not repeated and fewer <= len(evergreen["_excluded"]) and same_people  # type: ignore[arg-type]
    if not ok:
        print(f"FAILED: repeated {len(repeated)}, matched {fewer} fewer, same people {same_people}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting-mentees", type=int, default=8500)
    parser.add_argument("--mentors", type=int, default=3000)
    parser.add_argument("--running", type=int, default=3000)
    parser.add_argument("--declined", type=int, default=500)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    ok = True
    for store in args.stores.split(","):
        if store == "sqlite":
            with TemporaryDirectory() as tmp:
                ok &= bench(f"sqlite:///{tmp}/bench.db", "SQLite", args)
        elif store == "postgresql":
            database = postgres_database()
            if database is None:
                continue
            try:
                ok &= bench(database[0], "PostgreSQL", args)
            finally:
                drop_postgres(database[1])
        else:
            parser.error(f"unknown store {store!r}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:,.0f} MiB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
