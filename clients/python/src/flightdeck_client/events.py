"""Server-sent events (the WHATWG event-stream format) read line by line from a streamed answer."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator


async def server_sent_events(lines: AsyncIterable[str]) -> AsyncIterator[tuple[str, str]]:
    """Each event as `(type, data)`: `type` from `event:` (`message` without one), `data` the
    `data:` lines joined by newlines. Comments (`:` keep-alives), `id:` and `retry:` are skipped."""
    kind, data = "", []
    async for line in lines:
        if not line:
            if data:
                yield kind or "message", "\n".join(data)
            kind, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            kind = value
        elif name == "data":
            data.append(value)
