"""The ``mentorflow`` command: Typer commands that parse, call the
operations and print."""
