"""The embedded stack of ``mentorflow dev``: a real Temporal dev server child
process, the SMTP sink, the worker and the web app, started and stopped in order."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.worker import Worker

from mentorflow.devstack import StackError, embedded_stack
from mentorflow.settings import Settings
from tests.conftest import free_port


@workflow.defn(sandboxed=False)
class HeldOpen:
    """Runs until released: proves a workflow survives a stack restart."""

    def __init__(self) -> None:
        self.released = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.released)
        return "released"

    @workflow.signal
    def release(self) -> None:
        self.released = True


@pytest.fixture
def stack_settings(tmp_path: Path) -> Settings:
    web_port = free_port()
    return Settings(
        var_dir=tmp_path / "var",
        temporal_dev_port=free_port(),
        temporal_ui_port=free_port(),
        web_port=web_port,
        base_url=f"http://127.0.0.1:{web_port}",
        smtp_port=free_port(),
        oidc_dev_port=free_port(),
        secret_key="test",
    )


def children_named(name: str) -> list[int]:
    """Live (not zombie) child processes of this process whose command is ``name``
    (other tests' session-wide dev server included: see ``new_dev_servers``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z" and command == name:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def new_dev_servers() -> Callable[[], list[int]]:
    """Dev servers started since the test began: children named ``temporal``
    other than those already running (the suite's session-wide ``dev_env``)."""
    before = set(children_named("temporal"))
    return lambda: [pid for pid in children_named("temporal") if pid not in before]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def test_stack_serves_and_stops_cleanly(
    stack_settings: Settings, new_dev_servers: Callable[[], list[int]]
) -> None:
    async with embedded_stack(stack_settings, ui=False) as stack:
        assert new_dev_servers() == [stack.dev_server_pid]
        assert stack.ui_url is None
        async with httpx.AsyncClient() as http:
            health = await http.get(f"{stack.web_url}/healthz")
            assert health.status_code == 200
            mail = await http.get(f"{stack.mail_url}.json")
            assert mail.status_code == 200
            assert mail.json() == []
            # The console signs in through the embedded OIDC provider.
            assert stack.oidc_dev_issuer == f"http://127.0.0.1:{stack_settings.oidc_dev_port}"
            console = await http.get(stack.console_url)
            assert console.status_code == 303
            sign_in = await http.get(f"{stack.web_url}{console.headers['location']}")
            assert sign_in.headers["location"].startswith(
                f"{stack.oidc_dev_issuer}/oauth2/authorize?"
            )
            form = await http.get(sign_in.headers["location"])
            assert form.status_code == 200
            assert 'name="sub"' in form.text
        info = await stack.client.workflow_service.get_system_info(GetSystemInfoRequest())
        assert info.server_version
        # The custom search attributes are registered, with their types.
        listed = await stack.client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=stack_settings.temporal_namespace)
        )
        assert {
            name: IndexedValueType.Name(kind) for name, kind in listed.custom_attributes.items()
        }.items() >= {
            "MentorflowCohort": "INDEXED_VALUE_TYPE_KEYWORD",
            "MentorflowProgram": "INDEXED_VALUE_TYPE_KEYWORD",
            "MentorflowPerson": "INDEXED_VALUE_TYPE_KEYWORD_LIST",
            "MentorflowPhase": "INDEXED_VALUE_TYPE_KEYWORD",
        }.items()
        assert (stack_settings.var_dir / "temporal.db").exists()

    assert new_dev_servers() == []
    for port in (
        stack_settings.web_port,
        stack_settings.temporal_dev_port,
        stack_settings.resolved_smtp_port,
        stack_settings.oidc_dev_port,
    ):
        assert port_is_free(port), f"port {port} still held after the stack stopped"


async def test_second_start_resumes_running_workflows(
    stack_settings: Settings, task_queue: str
) -> None:
    workflow_id = f"held-{task_queue}"
    async with embedded_stack(stack_settings, ui=False) as stack:
        await stack.client.start_workflow(
            HeldOpen.run, id=workflow_id, task_queue=task_queue, run_timeout=timedelta(minutes=5)
        )

    async with embedded_stack(stack_settings, ui=False) as stack:
        handle = stack.client.get_workflow_handle(workflow_id)
        assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
        async with Worker(stack.client, task_queue=task_queue, workflows=[HeldOpen]):
            await handle.signal(HeldOpen.release)
            assert await handle.result() == "released"


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


async def test_taken_port_is_named(
    stack_settings: Settings, occupied_port: int, new_dev_servers: Callable[[], list[int]]
) -> None:
    settings = stack_settings.model_copy(update={"temporal_dev_port": occupied_port})
    with pytest.raises(StackError, match=rf"port {occupied_port} .* already in use") as caught:
        async with embedded_stack(settings, ui=False):
            pass
    assert "MENTORFLOW_TEMPORAL_DEV_PORT" in str(caught.value)
    assert new_dev_servers() == []


async def test_web_port_taken_stops_what_started(
    stack_settings: Settings, occupied_port: int, new_dev_servers: Callable[[], list[int]]
) -> None:
    settings = stack_settings.model_copy(update={"web_port": occupied_port})
    with pytest.raises(StackError, match="MENTORFLOW_WEB_PORT"):
        async with embedded_stack(settings, ui=False):
            pass
    assert new_dev_servers() == []
    assert port_is_free(settings.resolved_smtp_port)
