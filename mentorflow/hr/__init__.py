"""What HR does, once, for every front: the CLI (``mentorflow.cli``), the
console and the JSON API (``mentorflow.web``) call these functions and add
nothing but parsing and presenting.

Each operation takes what it needs (settings, a sessionmaker for the store,
a Temporal client), returns a typed result, and raises an ``HrError``
(``mentorflow.hr.errors``) with a stable code when it cannot be done."""
