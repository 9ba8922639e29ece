"""STUN/TURN servers for calls, from the XMPP server (XEP-0215), only while an admin enables it.

With `iceExternalServices` off (the default) this holds nothing and asks nothing, so calls use
no STUN or TURN server at all. Switched on, the servers are asked at every login and when the
setting is switched on, and again before an outgoing call once their credentials expired.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from meetroom.net import extdisco
from meetroom.net.extdisco import IceService

if TYPE_CHECKING:
    from meetroom.core.settings import Settings
    from meetroom.core.tasks import TaskSet
    from meetroom.net.service import NetworkService
    from meetroom.net.xmpp import XmppSession

log = logging.getLogger(__name__)

SETTING = "iceExternalServices"
UNTIMED_REFRESH = 3600.0  # seconds before services without an expiry are asked again


class ExternalIceServers:
    def __init__(self, net: NetworkService, settings: Settings, tasks: TaskSet) -> None:
        self._net, self._settings, self._tasks = net, settings, tasks
        self.services: list[IceService] = []
        self._valid_until = 0.0
        net.session_hooks.append(self._attach)
        settings.on_change(self._on_setting)

    @property
    def enabled(self) -> bool:
        return bool(self._settings.get(SETTING))

    def rtc_servers(self) -> tuple[Any, ...]:
        """aiortc RTCIceServer entries for the current services (none while disabled)."""
        if not self.enabled:
            return ()
        from aiortc import RTCIceServer

        out = []
        for service in self.services:
            if service.type == "stun":
                out.append(RTCIceServer(urls=service.uri))
            else:
                out.append(RTCIceServer(urls=service.uri, username=service.username, credential=service.password))
        return tuple(out)

    async def refresh_if_stale(self) -> None:
        if self.enabled and time.time() >= self._valid_until:
            session = self._net.session if self._net.logged_in else None
            if session is not None:
                await self.refresh(session)

    async def refresh(self, session: XmppSession) -> None:
        if not self.enabled:
            return
        log.info("asking the XMPP server for STUN/TURN services (XEP-0215)")
        services = await extdisco.ice_services(session)
        if not self.enabled:
            return  # switched off meanwhile
        self.services = services
        expiries = [s.expires for s in services if s.expires is not None]
        self._valid_until = min(expiries, default=time.time() + UNTIMED_REFRESH)
        log.info("ICE servers from the XMPP server: %s", [s.uri for s in services] or "none")

    def _attach(self, session: XmppSession) -> None:
        session.client.add_event_handler("session_start", lambda _: self._tasks.spawn(self.refresh(session)))

    def _on_setting(self, name: str, value: Any) -> None:
        if name != SETTING:
            return
        self.services, self._valid_until = [], 0.0
        session = self._net.session if self._net.logged_in else None
        if value and session is not None:
            self._tasks.spawn(self.refresh(session))
