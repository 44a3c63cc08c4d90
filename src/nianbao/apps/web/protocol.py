"""The HTTP connection for `nianbao serve`: uvicorn's h11 protocol, with a deadline on request headers.

uvicorn waits for an incomplete request header for ever; a few hundred connections that each send half a
request (slowloris) then hold every descriptor the server has. Here a connection whose request headers are
not complete within `header_timeout` seconds is closed (and the deadline starts again for each request on a
kept-alive connection)."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderDeadlineProtocol(H11Protocol):
    header_timeout = 30.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is None or self.cycle.response_complete:  # still waiting for a whole request
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete and self._header_timer is not None:
            self._header_timer.cancel()  # the headers are complete: the request is the app's now
            self._header_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on a kept-alive connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)


def with_deadline(seconds: float) -> type[HeaderDeadlineProtocol]:
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout": seconds})
