"""NDI for the room: switched on and off (setNDIState), sources out (createNDIDevice) and in (cameras).

NDI is off until an operator switches it on, and the choice is kept across restarts: until then
the room loads nothing of NDI and sends no NDI packet. Switched on, the sources on the network
are listed among the video capturers (`Media.add_device_provider`); a created device publishes
self view, a participant's video, the content stream or the whole layout as an NDI source named
after the room and the participant. Every change is announced here: NDIStateChanged,
NDIDeviceCreated, NDIDeviceDeleted (also when its participant leaves or NDI is switched off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetroom import ids
from meetroom.core.events import Events
from meetroom.core.tasks import cancel_and_wait
from meetroom.media import images, ndilib
from meetroom.media.devices import Device
from meetroom.media.errors import MediaError
from meetroom.media.framestore import SELF
from meetroom.media.manager import Media
from meetroom.media.ndicamera import SCHEME, Discovery, NdiCamera, device_for
from meetroom.store.db import Store

if TYPE_CHECKING:  # the outputs (PyAV, NumPy, Pillow) load with the first NDI source, not at start
    import numpy as np

    from meetroom.media.ndioutputs import HeardFeed, Output, VideoFeed

log = logging.getLogger(__name__)

NS = "ndi"
MIXED = "#mixed:0"
CONTENT = "#contentSharing:slideShowOrDs:1"
PARTICIPANT_CHECK = 1.0  # seconds between looks at who is still in the call
_NOT_IN_NAMES = str.maketrans({c: " " for c in '\\/:*?"<>|'})  # NDI turns these into spaces itself


def _heard_feed() -> type[HeardFeed]:
    from meetroom.media.ndioutputs import HeardFeed

    return HeardFeed


def source_name(room: str, participant: str) -> str:
    """The NDI source name (as published, without the 'HOST (...)' NDI puts around it)."""
    return " ".join(f"{room} {participant}".translate(_NOT_IN_NAMES).split())


class NdiError(MediaError):
    """An NDI request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Target:
    """What a deviceId names: `kind` is mixed, content, self or peer; `key` is the device's id."""

    kind: str
    key: str

    @property
    def mixed_type(self) -> str:
        return "mixed" if self.kind == "mixed" else "single"


def device_key(device_id: str) -> Target:
    """The device a deviceId names, without looking at who is in the call (deleteNDIDevice).

    CallIds are used as they are and InstanceIds are reduced to their CallId, as documented;
    a PeerId (no server part) is not accepted.
    """
    if device_id == MIXED:
        return Target("mixed", MIXED)
    if device_id == CONTENT:
        return Target("content", CONTENT)
    if device_id == SELF:
        return Target("self", SELF)
    try:
        address = ids.parse(device_id)
    except ids.IdError as exc:
        raise NdiError(
            f"deviceId '{device_id}' is none of {MIXED}, {CONTENT}, a CallId or an InstanceId: {exc}"
        ) from exc
    if not address.server:
        raise NdiError(
            f"deviceId '{device_id}' is a PeerId, which NDI does not accept: "
            "give the CallId (user@server) or the InstanceId (user@server/instance)"
        )
    return Target("peer", address.call_id)


def resolve(device_id: str, own_call_id: str, participants: dict[str, str]) -> Target:
    """The source a createNDIDevice names; the room's own CallId or InstanceId is its self view.

    `participants` maps the InstanceId of everyone else in the call to their name.
    """
    target = device_key(device_id)
    if target.kind != "peer":
        return target
    if own_call_id and target.key == ids.parse(own_call_id).call_id:
        return Target("self", target.key)
    if any(ids.parse(instance).call_id == target.key for instance in participants):
        return target
    raise NdiError(f"'{target.key}' is not in the current call: there is no video of it to publish")


def _call_id_of(peer_id: str) -> str:
    try:
        return ids.parse(peer_id).call_id
    except ids.IdError:
        return ""


class NdiService:
    def __init__(
        self,
        store: Store,
        media: Media,
        events: Events,
        *,
        room_name: Callable[[], str],
        own_call_id: Callable[[], str],
        participants: Callable[[], dict[str, str]],
        layout: Callable[[], dict[str, Any]],
        content: Callable[[], Path | None],
        extra_ips: str = "",
    ) -> None:
        """`participants`: InstanceId -> name of everyone else in the call; `content`: the current slide."""
        self.store = store
        self.media = media
        self.events = events
        self.room_name = room_name
        self.own_call_id = own_call_id
        self.participants = participants
        self.layout = layout
        self.content = content
        self.enabled = bool(store.get(NS, "enabled", False))
        self.outputs: dict[str, Output] = {}
        self.kinds: dict[str, str] = {}  # device id -> what it shows (Target.kind)
        self._starting: set[str] = set()  # device ids whose source is being created
        self.discovery = Discovery(self._sources_changed, extra_ips)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watcher: asyncio.Task | None = None
        self._hearing: dict[str, HeardFeed] = {}  # device id -> the sound feed of its participants
        # every source this room published: never its own camera, not even while the network
        # still lists one just deleted
        self._own_names: set[str] = set()
        media.add_device_provider(SCHEME, self._cameras, self._open_camera)
        media.on_heard(self._heard)

    # --- availability -------------------------------------------------------------------
    @staticmethod
    def installed() -> bool:
        """Whether the NDI package is there: imported on the first NDI command, never at start."""
        return ndilib.available()

    def require_installed(self) -> None:
        if not self.installed():
            raise ndilib.NdiNotInstalled(ndilib.INSTALL_HINT)

    def require_enabled(self) -> None:
        self.require_installed()
        if not self.enabled:
            raise NdiError("NDI is switched off: switch it on with setNDIState first")

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._watcher = asyncio.create_task(self._watch_participants(), name="ndi-participants")
        if self.enabled and self.installed():  # only a room whose operator switched NDI on loads it
            try:
                await asyncio.to_thread(self.discovery.start)
            except MediaError as exc:
                log.warning("NDI stays off: %s", exc)

    async def close(self) -> None:
        await cancel_and_wait(self._watcher)
        for output in list(self.outputs.values()):
            await output.close()
        self.outputs.clear()
        await asyncio.to_thread(self.discovery.stop)

    # --- state --------------------------------------------------------------------------
    def state(self) -> dict[str, bool]:
        """getNDIState (and the body of NDIStateChanged)."""
        self.require_installed()
        return {"enabled": self.enabled}

    async def set_state(self, enabled: bool) -> bool:
        """setNDIState: switching off removes every created device and every NDI camera."""
        self.require_installed()
        if enabled == self.enabled:
            return False
        if enabled:
            await asyncio.to_thread(self.discovery.start)  # NdiNotInstalled if the runtime cannot load
        else:
            for key in list(self.outputs):
                await self._remove(key)
            await asyncio.to_thread(self.discovery.stop)
        self.enabled = enabled
        self.store.put(NS, "enabled", enabled)
        self.events.publish("NDIStateChanged", {"enabled": enabled})
        self.media.refresh_devices()
        return True

    # --- NDI out ------------------------------------------------------------------------
    def created(self) -> dict[str, Any]:
        """getCreatedNDIDevices."""
        self.require_installed()
        return {"createdNDIDevices": [output.entry() for output in self.outputs.values()]}

    async def create(self, device_id: str) -> dict[str, str]:
        """createNDIDevice: a new NDI source for a participant, the content stream or the layout."""
        self.require_enabled()
        target = resolve(device_id, self.own_call_id(), self.participants())
        if target.key in self.outputs or target.key in self._starting:
            raise NdiError(f"an NDI source for '{target.key}' exists already")
        output = self._build(target)
        self._starting.add(target.key)
        try:
            await output.start()
            if not self.enabled:
                raise NdiError("NDI was switched off while the source was being created")
        except Exception:
            await output.close()
            raise
        finally:
            self._starting.discard(target.key)
        self.outputs[target.key] = output
        self.kinds[target.key] = target.kind
        if output.sender is not None:
            self._own_names.add(output.sender.source_name)
        if isinstance(output.sound, _heard_feed()):
            self._hearing[target.key] = output.sound
        self.events.publish("NDIDeviceCreated", output.entry())
        self.media.refresh_devices()  # our own sources are not cameras for us
        return output.entry()

    def _build(self, target: Target) -> Output:
        """The source's pictures and sound; self view is captured only while someone holds it."""
        from meetroom.media.ndioutputs import HeardFeed, MicrophoneFeed, Output

        output = Output(target.key, source_name(self.room_name(), target.key), target.mixed_type, self._feed(target))
        if target.kind == "self":
            output.sound = MicrophoneFeed(self.media.microphone_reader(), lambda: self.media.mutes["mic"])
        elif target.kind == "peer":
            output.sound = HeardFeed(lambda peer: _call_id_of(peer) == target.key)
        elif target.kind == "mixed":  # the layout carries everyone's sound
            output.sound = HeardFeed(lambda peer: True)
        if target.kind in ("self", "mixed"):
            self.media.capture.acquire()
            output.on_close = self.media.capture.release
        return output

    async def delete(self, device_id: str) -> None:
        """deleteNDIDevice."""
        self.require_installed()
        target = device_key(device_id)
        if target.key not in self.outputs:
            raise NdiError(f"no NDI source was created for '{target.key}'")
        await self._remove(target.key)

    async def _remove(self, key: str) -> None:
        output = self.outputs.pop(key)
        self.kinds.pop(key, None)
        self._hearing.pop(key, None)
        await output.close()
        self.events.publish("NDIDeviceDeleted", output.entry())

    def _feed(self, target: Target) -> VideoFeed:
        from meetroom.media.ndioutputs import MixedFeed, StillFeed, StoreFeed

        frames, fps = self.media.frames, lambda: self.media.config.fps
        if target.kind == "self":
            return StoreFeed(frames, lambda: SELF, fps)
        if target.kind == "peer":
            return StoreFeed(frames, lambda: self._instance_of(target.key), fps)
        if target.kind == "content":
            return StillFeed(self._content_picture)
        return MixedFeed(frames, self.layout)

    def _heard(self, peer_id: str, frame: Any) -> None:
        for feed in self._hearing.values():
            feed.push(peer_id, frame)

    def _instance_of(self, call_id: str) -> str | None:
        """The frame store key (InstanceId) of a participant now in the call."""
        for instance in self.participants():
            if ids.parse(instance).call_id == call_id:
                return instance
        return None

    def _content_picture(self) -> np.ndarray:
        cfg = self.media.config
        path = self.content()
        if path is not None:
            with contextlib.suppress(OSError, images.NotAnImage):
                return images.fitted(path, path.stat().st_mtime, cfg.width, cfg.height)
        return images.placeholder(cfg.width, cfg.height, self.room_name(), "No content is shown")

    async def _watch_participants(self) -> None:
        """A participant who left takes their NDI source along (NDIDeviceDeleted)."""
        while True:
            await asyncio.sleep(PARTICIPANT_CHECK)
            present = {ids.parse(instance).call_id for instance in self.participants()}
            for key, output in list(self.outputs.items()):
                if self.kinds.get(key) == "peer" and key not in present and key in self.outputs:
                    log.info("NDI source %s ends: its participant left", output.display_name)
                    await self._remove(key)

    # --- NDI in -------------------------------------------------------------------------
    def _cameras(self) -> list[Device]:
        """The NDI sources on the network as video capturers, without the room's own outputs."""
        if not self.enabled:
            return []
        own = set(self._own_names)  # the hot-plug scan runs this in a worker thread
        return [device_for(name) for name in self.discovery.names if name not in own]

    def _open_camera(self, device: Device, width: int, height: int) -> NdiCamera:
        return NdiCamera(device.path, width, height)

    def _sources_changed(self, names: list[str]) -> None:
        """Discovery thread: sources came or went; the device list is rebuilt on the loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.media.refresh_devices)
