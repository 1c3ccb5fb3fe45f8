"""``mentorflow demo``: the embedded stack, a small cohort with durations of
seconds, and simulated participants who read their mail and answer it through
the same signed links and web forms a person would use."""
