"""The web app served over real HTTP on loopback for the duration of a block."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    """Serves ``app`` on 127.0.0.1:``port`` until the block ends; a server that
    cannot start raises why instead of leaving the test waiting."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    running = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if running.done():
                running.result()
            await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await running
