"""The async client of the Flightdeck agent API: approvals, their events, heartbeats, fleet reports and usage."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from .errors import AuthenticationError, error_from
from .events import server_sent_events
from .models import (
    Accepted,
    ActivityReport,
    AgentEvent,
    Alert,
    AlertReport,
    Approval,
    Heartbeat,
    MetricReport,
    MetricSample,
    NewApproval,
    Project,
    ProjectReport,
    Recorded,
    Risk,
    RunReport,
    RunStatus,
    Task,
    TaskReport,
    UsageBatch,
    UsageEvent,
    Withdrawn,
)

Answer = TypeVar("Answer", bound=BaseModel)

#: The longest long-poll the server holds (`GET /api/v1/approvals/{id}/wait?timeout=`).
MAX_WAIT_SECONDS = 120
#: One long-poll's length while waiting without a deadline: under common proxies' idle limits.
LONG_POLL_SECONDS = 55


class ApprovalTimeout(TimeoutError):
    """`wait_for_approval` gave up: nobody decided within its `timeout`."""

    def __init__(self, approval: Approval) -> None:
        super().__init__(f"approval {approval.id} still pending")
        self.approval = approval
        """The approval as it stood at the timeout (`pending`)."""


class FlightdeckClient:
    """An agent's connection to Flightdeck, authenticated by its token (`fd_…`).

    Use it as an async context manager, or call `aclose()`::

        async with FlightdeckClient("http://127.0.0.1:8080", token) as fd:
            asked = await fd.ask("deploy", {"service": "api"}, reason="release 1.4", risk="high")
            decided = await fd.wait_for_approval(asked.id, timeout=600)
            if decided.status == "approved":
                ...
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """A client of the server at `base_url` with the agent's `token`.

        `timeout` bounds every call except the waits, which allow for their long-poll. `http` is
        an httpx client of your own (proxies, TLS, transports); it is not closed by `aclose()`.
        """
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient()
        self._base = base_url.rstrip("/")
        self._headers = {"authorization": f"Bearer {token}"}
        self._timeout = timeout

    async def __aenter__(self) -> FlightdeckClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the connections (unless the httpx client was given)."""
        if self._owns_http:
            await self._http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        answer: type[Answer],
        body: BaseModel | None = None,
        *,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """One call: the body sent by its schema's names, the answer read into `answer`."""
        content = None
        headers = dict(self._headers)
        if body is not None:
            content = body.model_dump_json(by_alias=True)
            headers["content-type"] = "application/json"
        response = await self._http.request(
            method,
            f"{self._base}{path}",
            content=content,
            headers=headers,
            params=params,
            timeout=timeout or self._timeout,
        )
        if response.is_error:
            raise error_from(response)
        return answer.model_validate_json(response.content)

    # Approvals

    async def ask(
        self,
        tool: str,
        arguments: Any = None,
        *,
        reason: str = "",
        risk: Risk = "medium",
        deadline: int | None = None,
    ) -> Approval:
        """`POST /api/v1/approvals`: asks an operator before running `tool` with `arguments`.

        `deadline` (ms since the Unix epoch) expires it unless decided. The answer is `pending`;
        wait for the decision with `wait_for_approval(approval.id)`.
        """
        new = NewApproval(
            tool=tool, arguments=arguments, reason=reason, risk=risk, deadline=deadline
        )
        return await self._call("POST", "/api/v1/approvals", Approval, new)

    async def approval(self, approval_id: str) -> Approval:
        """`GET /api/v1/approvals/{id}`: the approval as it is now."""
        return await self._call("GET", f"/api/v1/approvals/{approval_id}", Approval)

    async def wait_for_approval(
        self, approval_id: str, timeout: float | None = None
    ) -> Approval:
        """Waits until the approval is decided (or cancelled, or expired) and returns it.

        Event-driven: long-polls of `GET /api/v1/approvals/{id}/wait`, which the server answers
        the moment a decision lands; a poll that ends still pending is simply asked again. With
        `timeout` (seconds), raises `ApprovalTimeout` (a `TimeoutError`) once it passes.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            seconds = LONG_POLL_SECONDS
            if deadline is not None:
                left = deadline - time.monotonic()
                seconds = max(1, min(MAX_WAIT_SECONDS, math.ceil(left)))
            approval = await self._call(
                "GET",
                f"/api/v1/approvals/{approval_id}/wait",
                Approval,
                params={"timeout": seconds},
                timeout=seconds + self._timeout,
            )
            if approval.status != "pending":
                return approval
            if deadline is not None and time.monotonic() >= deadline:
                raise ApprovalTimeout(approval)

    async def withdraw(self, approval_id: str) -> Withdrawn:
        """`DELETE /api/v1/approvals/{id}`: withdraws one's own request (it becomes `cancelled`)."""
        return await self._call("DELETE", f"/api/v1/approvals/{approval_id}", Withdrawn)

    async def report_run(
        self,
        approval_id: str,
        status: RunStatus,
        *,
        progress: int | None = None,
        message: str | None = None,
        result: str | None = None,
    ) -> Approval:
        """`POST /api/v1/approvals/{id}/run`: an approved tool run's progress or outcome.

        `running` as often as it moves (with `progress` 0 to 100), then `succeeded` or `failed`
        once, with a short `result`. Operators see it live.
        """
        report = RunReport(
            status=status, progress=progress, message=message, result=result
        )
        path = f"/api/v1/approvals/{approval_id}/run"
        return await self._call("POST", path, Approval, report)

    @asynccontextmanager
    async def events(self) -> AsyncIterator[AsyncIterator[AgentEvent]]:
        """`GET /api/v1/events`: every decision, cancellation and expiry of this agent's approvals.

        An async context manager: once entered, the stream is open and no event is missed; iterate
        it for each `AgentEvent` as it happens::

            async with fd.events() as events:
                asked = await fd.ask("deploy")
                async for event in events:
                    if event.approval_id == asked.id:
                        break

        Iterating raises `AuthenticationError` when the token is revoked (the server's last event).
        """
        async with self._http.stream(
            "GET",
            f"{self._base}/api/v1/events",
            headers={**self._headers, "accept": "text/event-stream"},
            timeout=httpx.Timeout(self._timeout, read=None),
        ) as response:
            if response.is_error:
                await response.aread()
                raise error_from(response)
            yield _agent_events(response)

    # Fleet reports

    async def heartbeat(self, beat: Heartbeat) -> Accepted:
        """`POST /api/v1/heartbeat`: the agent is alive, its status and vitals."""
        return await self._call("POST", "/api/v1/heartbeat", Accepted, beat)

    async def projects(self, projects: Sequence[Project]) -> Accepted:
        """`POST /api/v1/projects`: projects' status (each replaces the one with its id)."""
        report = ProjectReport(projects=list(projects))
        return await self._call("POST", "/api/v1/projects", Accepted, report)

    async def tasks(self, tasks: Sequence[Task]) -> Accepted:
        """`POST /api/v1/tasks`: tasks (each replaces the one with its id)."""
        report = TaskReport(tasks=list(tasks))
        return await self._call("POST", "/api/v1/tasks", Accepted, report)

    async def metrics(self, metrics: Sequence[MetricSample]) -> Accepted:
        """`POST /api/v1/metrics`: KPI readings."""
        report = MetricReport(metrics=list(metrics))
        return await self._call("POST", "/api/v1/metrics", Accepted, report)

    async def alerts(self, alerts: Sequence[Alert]) -> Accepted:
        """`POST /api/v1/alerts`: alerts raised or resolved."""
        report = AlertReport(alerts=list(alerts))
        return await self._call("POST", "/api/v1/alerts", Accepted, report)

    async def activity(self, text: str) -> Accepted:
        """`POST /api/v1/activity`: one line of the activity feed."""
        report = ActivityReport(text=text)
        return await self._call("POST", "/api/v1/activity", Accepted, report)

    async def usage(self, events: UsageEvent | Sequence[UsageEvent]) -> Recorded:
        """`POST /api/v1/usage`: calls and messages (1 to 1,000), stored as one batch."""
        batch = events if isinstance(events, UsageEvent) else UsageBatch(events=list(events))
        return await self._call("POST", "/api/v1/usage", Recorded, batch)


async def _agent_events(response: httpx.Response) -> AsyncIterator[AgentEvent]:
    """The `approval:*` events of an open `/api/v1/events` stream, decoded."""
    async for kind, data in server_sent_events(response.aiter_lines()):
        if kind == "revoked":
            raise AuthenticationError(401, "the token was revoked")
        if kind.startswith("approval:"):
            yield AgentEvent.model_validate_json(data)
