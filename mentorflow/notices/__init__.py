"""HR notices: what HR should know about a pair but need not act on at once
(it did not start, was declined, ended early, someone left), kept in the
store and sent as one digest per program, manager and day."""
