"""The room as the call machine sees it (machine.Env): own JIDs, appState, settings, media."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meetroom.calls import views
from meetroom.calls.machine import LegKey

if TYPE_CHECKING:
    from meetroom.calls.media import CallMedia
    from meetroom.core.appstate import AppState, AppStateMachine
    from meetroom.core.settings import Settings
    from meetroom.media.manager import Media
    from meetroom.net.service import NetworkService


class RoomFactsEnv:
    """What both the call and the conference machines ask of the room: its JIDs, login, appState
    and the call settings, read from the live services at the moment they ask."""

    def __init__(self, net: NetworkService, appstate: AppStateMachine, settings: Settings) -> None:
        self._net, self._appstate, self._settings = net, appstate, settings

    @property
    def own_full(self) -> str:
        session = self._net.session
        return session.full_jid if session is not None else ""

    @property
    def own_bare(self) -> str:
        return self._net.account_id

    @property
    def domain(self) -> str:
        return self._net.domain

    @property
    def logged_in(self) -> bool:
        return self._net.logged_in

    @property
    def app_state(self) -> AppState:
        return self._appstate.state

    @property
    def ring_timeout(self) -> float:
        return float(self._settings.get("callRingTimeout"))

    @property
    def auto_accept(self) -> bool:
        return bool(self._settings.get("autoAccept"))

    def peer_dn(self, bare: str) -> str:
        return self._net.peer_dn(bare)


class RoomEnv(RoomFactsEnv):
    """The call machine's Env: the shared facts plus presence, own mutes and the legs' media."""

    def __init__(
        self,
        net: NetworkService,
        appstate: AppStateMachine,
        settings: Settings,
        media: Media,
        legs: Mapping[LegKey, CallMedia],
    ) -> None:
        super().__init__(net, appstate, settings)
        self._media, self._legs = media, legs

    def known_offline(self, target: str) -> bool:
        """A contact whose presence we receive and that has no resource online cannot ring."""
        bare = target.partition("/")[0].lower()
        contact = self._net.contacts.get(bare)
        if contact is None or contact.subscription not in ("to", "both"):
            return False
        seen = self._net.presence.get(bare)
        resources = seen.resources if seen is not None else {}
        return target not in resources if "/" in target else not resources

    def own_mutes(self) -> Mapping[str, bool]:
        return self._media.mutes

    def mids(self, leg: LegKey) -> Mapping[str, str]:
        media = self._legs.get(leg)
        return media.mids() if media is not None else {}

    def media_view(self, leg: LegKey) -> dict[str, Any]:
        return views.media_view(self._legs.get(leg))
