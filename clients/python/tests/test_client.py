"""The Python client against a real Flightdeck (tests/server/clients.rs runs it, playing the operator)."""

from __future__ import annotations

import os
import time

import pytest

from flightdeck_client import (
    ApprovalTimeout,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FlightdeckClient,
    FlightdeckError,
    NotFoundError,
)
from flightdeck_client.models import (
    Alert,
    Heartbeat,
    MetricSample,
    Project,
    Task,
    UsageEvent,
    Vitals,
)

# Set by tests/server/clients.rs: the server (loopback), this agent's token, and the operator
# who decides every approval whose arguments say `decide` (and leaves the others pending).
URL = os.environ["FLIGHTDECK_URL"]
TOKEN = os.environ["FLIGHTDECK_TOKEN"]
OPERATOR = os.environ["FLIGHTDECK_OPERATOR"]
AGENT = os.environ["FLIGHTDECK_AGENT"]


@pytest.fixture
async def fd():
    async with FlightdeckClient(URL, TOKEN) as client:
        yield client


async def test_asks_waits_and_gets_the_operators_approval_then_reports_its_run(fd):
    asked = await fd.ask(
        "deploy",
        {"service": "api", "decide": "approve", "comment": "ship it"},
        reason="release 1.4",
        risk="high",
    )
    assert asked.status == "pending"
    assert (asked.tool, asked.risk, asked.reason) == ("deploy", "high", "release 1.4")
    assert asked.agent_name == AGENT

    decided = await fd.wait_for_approval(asked.id, timeout=60)
    assert decided.id == asked.id
    assert decided.status == "approved"
    assert decided.allowed is True
    assert decided.comment == "ship it"
    assert decided.decided_by == OPERATOR
    assert (await fd.approval(asked.id)).status == "approved"

    running = await fd.report_run(asked.id, "running", progress=40, message="rolling out")
    assert running.run is not None
    assert (running.run.status, running.run.progress) == ("running", 40)
    done = await fd.report_run(asked.id, "succeeded", result="3 of 3 pods")
    assert (done.run.status, done.run.result) == ("succeeded", "3 of 3 pods")
    # A finished run does not change again.
    with pytest.raises(ConflictError) as again:
        await fd.report_run(asked.id, "failed")
    assert again.value.status == 409


async def test_a_rejection_comes_back_with_the_operators_comment(fd):
    asked = await fd.ask(
        "drop_table",
        {"table": "users", "decide": "reject", "comment": "not in production"},
        reason="cleanup",
        risk="high",
    )
    decided = await fd.wait_for_approval(asked.id, timeout=60)
    assert decided.status == "rejected"
    assert decided.allowed is False
    assert decided.comment == "not in production"
    assert decided.decided_by == OPERATOR
    # A rejected tool does not run.
    with pytest.raises(ConflictError):
        await fd.report_run(asked.id, "running")


async def test_the_event_stream_carries_the_decision(fd):
    async with fd.events() as events:
        asked = await fd.ask(
            "restart", {"decide": "approve", "comment": "go"}, reason="stuck", risk="low"
        )
        async for event in events:
            if event.approval_id == asked.id:
                break
    assert event.type == "approval:approved"
    assert event.reason == "go"
    assert event.approval.status == "approved"
    assert event.approval.decided_by == OPERATOR


async def test_an_undecided_wait_times_out_and_a_withdrawn_request_is_cancelled(fd):
    asked = await fd.ask("rotate_keys", {"decide": "nobody"}, reason="monthly")
    started = time.monotonic()
    with pytest.raises(ApprovalTimeout) as timed_out:
        await fd.wait_for_approval(asked.id, timeout=1)
    assert time.monotonic() - started >= 1
    assert timed_out.value.approval.status == "pending"

    withdrawn = await fd.withdraw(asked.id)
    assert withdrawn.success is True
    assert withdrawn.approval.status == "cancelled"
    assert withdrawn.cancelled_at is not None
    assert withdrawn.approval.decided_by == f"agent:{AGENT}"
    # Waiting on a finished approval answers at once.
    assert (await fd.wait_for_approval(asked.id)).status == "cancelled"


async def test_refusals_are_typed_errors_with_the_servers_message_and_field(fd):
    async with FlightdeckClient(URL, "fd_not-a-real-token") as stranger:
        with pytest.raises(AuthenticationError) as unknown:
            await stranger.activity("hello")
    assert unknown.value.status == 401
    assert unknown.value.error

    # The schema cannot say "in the future": the server names the field.
    with pytest.raises(BadRequestError) as bad:
        await fd.ask("deploy", reason="late", deadline=1_000)
    assert bad.value.status == 400
    assert bad.value.field == "deadline"
    assert "future" in bad.value.error
    with pytest.raises(BadRequestError) as old:
        await fd.usage([UsageEvent(kind="call"), UsageEvent(kind="call", at=1_000)])
    assert old.value.field == "events[1].at"

    with pytest.raises(NotFoundError) as missing:
        await fd.approval("no-such-approval")
    assert missing.value.status == 404
    assert isinstance(missing.value, FlightdeckError)


async def test_heartbeat_and_fleet_reports_are_accepted(fd):
    beat = await fd.heartbeat(
        Heartbeat(
            status="working",
            vitals=Vitals(cpu_percent=12.5, memory_mb=256, queue_depth=3),
            message="from python",
        )
    )
    assert beat.accepted == 1
    assert beat.received_at > 0
    project = Project(id=f"{AGENT}-project", name="Python client", progress=70, health="on_track")
    assert (await fd.projects([project])).accepted == 1
    tasks = [
        Task(id=f"{AGENT}-task-1", title="Generate the models", status="done"),
        Task(id=f"{AGENT}-task-2", title="Write the client", status="in_progress"),
    ]
    assert (await fd.tasks(tasks)).accepted == 2
    metric = MetricSample(key=f"{AGENT}-latency", label="Latency", value=42.0, unit="ms")
    assert (await fd.metrics([metric])).accepted == 1
    alert = Alert(id=f"{AGENT}-alert", severity="warning", title="Python says hi")
    assert (await fd.alerts([alert])).accepted == 1
    assert (await fd.activity(f"{AGENT} reporting")).accepted == 1
    usage = await fd.usage(
        [
            UsageEvent(kind="call", model="gpt-4o", tokens=120, latency_ms=300),
            UsageEvent(kind="message", conversation_id=f"{AGENT}-conversation"),
        ]
    )
    assert usage.accepted == 2
    assert (await fd.usage(UsageEvent(kind="call", tokens=5))).accepted == 1
