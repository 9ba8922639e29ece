"""The room's settings: names, types, defaults and the rules for changing them.

The documented names come from the API pages (getSettings / settingsChanged); the ones marked
"meetroom" are this implementation's own switches, kept in the same list so that getSettings
shows everything a room owner can change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meetroom.core.errors import DomainError
from meetroom.store.db import Store

NS = "settings"


class SettingError(DomainError, ValueError):
    """A refused setting change; still a ValueError for callers that catch one."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type  # bool, int, float or str
    default: Any
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 256
    admin_only: bool = False  # security-relevant: a user-mode connection may not change it

    def check(self, value: Any) -> Any:
        """The value as stored, or SettingError with the reason it is refused."""
        if self.kind is bool:
            ok = isinstance(value, bool)
        elif self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.kind is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value) if ok else value
        else:
            ok = isinstance(value, str) and len(value) <= self.max_length
        if not ok:
            raise SettingError(f"setting '{self.name}' must be {self.kind.__name__}")
        if self.choices is not None and value not in self.choices:
            raise SettingError(f"setting '{self.name}' must be one of {list(self.choices)}")
        if self.minimum is not None and value < self.minimum:
            raise SettingError(f"setting '{self.name}' must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise SettingError(f"setting '{self.name}' must be at most {self.maximum}")
        return value


def _level(name: str, default: float) -> Setting:
    return Setting(name, float, default, minimum=0.0, maximum=1.0)


DEFINITIONS: tuple[Setting, ...] = (
    Setting("aecEnable", bool, True),
    Setting("agcEnable", bool, True),
    Setting("appShowUserNameLabels", bool, True),
    _level("audioCapturerLevel", 0.6),
    _level("audioPlayLevel", 1.0),
    Setting("autoAccept", bool, False),
    Setting("autoAcceptPodiumFromOwner", bool, False),
    Setting("autoAllowPartToTakePodium", bool, False),
    Setting("bestQualityForHttpServerImages", bool, False),
    Setting("cameraRemoteControlAccess", int, 1, choices=(0, 1, 2)),
    Setting("changeUserAuthPinAfterConf", bool, False, admin_only=True),
    Setting("defaultMultiConfMatrix", int, 1, minimum=0, maximum=20),
    Setting("defaultOutputSelfVideoRotateAngle", int, 0, choices=(0, 90, 180, 270)),
    Setting("defaultP2PMatrix", int, 0, minimum=0, maximum=20),
    Setting("disableSelfViewOnBlind", bool, False),
    Setting("displayNameAlign", int, 1, choices=(0, 1, 2)),
    Setting("enableAutologin", bool, True),
    Setting("forbidDirectConnection", bool, False),
    Setting("highlightActiveSpeakers", bool, True),
    Setting("inputBandWidth", int, 10240, minimum=64, maximum=100000),
    Setting("language", str, "en", max_length=16),
    Setting("outputBandWidth", int, 10240, minimum=64, maximum=100000),
    Setting("qrCodeRecognition", bool, False),
    Setting("record", int, 1, choices=(0, 1, 2)),
    Setting("rejectCallsNotFromAB", bool, False),
    Setting("restoreWindowWhenCall", bool, True),
    Setting("selfViewMirror", bool, False),
    Setting("showCurrentUserWidget", bool, True),
    Setting("showIncomingRequestWidget", bool, True),
    Setting("showInfoConnect", bool, True),
    Setting("showInfoWidgets", bool, True),
    Setting("showLogo", bool, True),
    Setting("showTime", bool, True),
    Setting("showUpcomingMeetings", bool, True),
    Setting("switchToActiveSpeaker", bool, True),
    # meetroom's own switches
    Setting("displayName", str, "meetroom", max_length=128, admin_only=True),
    Setting("allowUnsecuredRemoteControl", bool, False, admin_only=True),
    Setting("allowRemoteScreen", bool, False, admin_only=True),
    Setting("allowFilePages", bool, False, admin_only=True),  # Origin null (file pages) counts as the room
    Setting("systemPowerCommandsEnabled", bool, False, admin_only=True),
    Setting("serverDomain", str, "", max_length=255, admin_only=True),  # XMPP domain when it differs from the address
    Setting("serverKeepaliveInterval", int, 30, minimum=1, maximum=3600, admin_only=True),  # seconds between pings
    Setting("callRingTimeout", int, 40, minimum=1, maximum=600),  # seconds an unanswered call rings
    Setting("iceHostAddresses", str, "", max_length=1024, admin_only=True),  # ICE hosts for calls when no --ice-host
    Setting("serverCaFile", str, "", max_length=1024, admin_only=True),  # extra CA/certificate trusted for TLS
    Setting("telephoneEvent", bool, True),  # offer RFC 4733 DTMF in calls (else toneDial uses Jingle DTMF)
    Setting("iceExternalServices", bool, False, admin_only=True),  # calls use the server's STUN/TURN (XEP-0215)
    # bounds on what strangers can make the room store (oldest dropped first) and on idle connections
    Setting("chatHistoryLimit", int, 100_000, minimum=100, maximum=10_000_000, admin_only=True),  # messages kept
    Setting("callHistoryLimit", int, 10_000, minimum=10, maximum=1_000_000, admin_only=True),  # call log entries
    Setting("uploadedFilesLimit", int, 1_000, minimum=10, maximum=100_000, admin_only=True),  # file-transfer list
    Setting("connectionIdleTimeout", int, 30, minimum=1, maximum=3600, admin_only=True),  # s to a request/handshake
    Setting("authTimeout", int, 30, minimum=1, maximum=3600, admin_only=True),  # s from handshake to auth
    Setting("pendingConnectionsPerAddress", int, 32, minimum=1, maximum=100_000, admin_only=True),
    Setting("pendingConnectionsTotal", int, 512, minimum=8, maximum=1_000_000, admin_only=True),
    Setting("authFailureBudget", int, 20, minimum=1, maximum=100_000, admin_only=True),  # room-wide failed auths...
    Setting("authFailuresPerHour", int, 12, minimum=0, maximum=100_000, admin_only=True),  # ...regained per hour
    Setting("allowMetricsWithoutToken", bool, False, admin_only=True),  # /metrics and /health open to the LAN
    Setting("conferenceMeshSize", int, 6, minimum=2, maximum=12),  # meetroom: participants a mesh conference takes
)

BY_NAME: dict[str, Setting] = {s.name: s for s in DEFINITIONS}

ChangeListener = Callable[[str, Any], None]


class Settings:
    def __init__(self, store: Store) -> None:
        self._store = store
        stored = store.items(NS)
        self._values = {s.name: stored.get(s.name, s.default) for s in DEFINITIONS}
        self._listeners: list[ChangeListener] = []

    def on_change(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def get(self, name: str) -> Any:
        return self._values[name]

    def as_list(self) -> list[dict[str, Any]]:
        return [{"name": name, "value": value} for name, value in self._values.items()]

    def update(self, changes: dict[str, Any], *, as_admin: bool = True) -> list[str]:
        """Apply all changes or none; returns the names whose value really changed."""
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            setting = BY_NAME.get(name)
            if setting is None:
                raise SettingError(f"unknown setting '{name}'")
            if setting.admin_only and not as_admin:
                raise SettingError(f"setting '{name}' can only be changed by an administrator")
            checked[name] = setting.check(value)
        agc_on = checked.get("agcEnable", self._values["agcEnable"])
        if "audioCapturerLevel" in checked and agc_on:
            raise SettingError("audioCapturerLevel is read-only while agcEnable is on")
        changed = {n: v for n, v in checked.items() if self._values[n] != v}
        if changed:
            self._store.put_many(NS, changed)
            self._values.update(changed)
            for name, value in changed.items():
                for listener in self._listeners:
                    listener(name, value)
        return list(changed)
