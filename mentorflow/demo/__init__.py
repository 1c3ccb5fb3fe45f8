"""``mentorflow demo``: the embedded stack and a whole cohort of the example
organisation with durations of seconds: HR's steps through the real commands'
code, and simulated managers, applicants and participants who read their mail
and answer through the same signed links and web forms a person would use."""
