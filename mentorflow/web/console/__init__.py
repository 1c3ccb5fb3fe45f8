"""The HR console under ``/hr``: server-rendered pages over the store and,
later, the ``mentorflow.hr`` operations."""
