"""The real servers the suite relies on start from the installed packages."""

from temporalio.testing import WorkflowEnvironment


async def test_time_skipping_server_starts(time_skipping_env: WorkflowEnvironment) -> None:
    assert time_skipping_env.supports_time_skipping


async def test_dev_server_starts(dev_env: WorkflowEnvironment) -> None:
    assert not dev_env.supports_time_skipping
