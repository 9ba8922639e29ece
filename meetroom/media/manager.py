"""The room's local media: device choice, mute state, camera mode, rotation, PTZ, self view.

Handlers change media only through this object; it keeps the choices in the store so a restart
keeps them, and tells the capture pipeline what to produce. Other features reuse it:
`room.media.frames` is the frame store behind /frames/ (`frames.put(peer_id, frame)` for remote
video), `camera_track()` / `microphone_track()` give aiortc tracks of the room's own media.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from meetroom.media import audio
from meetroom.media import devices as dev
from meetroom.media.capture import Capture, SelfViewConfig
from meetroom.media.framestore import FrameStore
from meetroom.media.modes import DEFAULT_MODE, MODES, parse_mode, pins_for
from meetroom.media.ptz import AXES, PtzPosition

if TYPE_CHECKING:
    from meetroom.app import Room

log = logging.getLogger(__name__)

NS = "media"
HOTPLUG_SECONDS = 2.0
KINDS = {"camera": "VideoCapturer", "mic": "AudioCapturer", "speaker": "AudioRenderer"}
DEFAULTS = {"camera": dev.VIRTUAL_CAMERA, "mic": dev.VIRTUAL_MIC, "speaker": dev.VIRTUAL_SPEAKER}
ROTATIONS = (0, 90, 180, 270)


class Media:
    def __init__(self, room: Room) -> None:
        self.room = room
        self.frames = FrameStore()
        self.devices = dev.scan()
        saved = room.store.items(NS)
        self.preferred = {kind: saved.get(kind, DEFAULTS[kind]) for kind in KINDS}
        self.preferred["appsnd"] = saved.get("appsnd", dev.VIRTUAL_SPEAKER)
        self.mutes = {
            "mic": bool(saved.get("micMute", False)),
            "video": bool(saved.get("videoMute", False)),
            "speaker": bool(saved.get("audioMute", False)),
        }
        self.mode = saved.get("mode", DEFAULT_MODE) if saved.get("mode") in MODES else DEFAULT_MODE
        self.crop = bool(saved.get("crop", False))
        rotate = saved.get("rotate", room.settings.get("defaultOutputSelfVideoRotateAngle"))
        width, height, fps = parse_mode(self.mode)
        self.config = SelfViewConfig(
            camera=self.current("camera"),
            width=width,
            height=height,
            fps=fps,
            muted=self.mutes["video"],
            rotate=rotate if rotate in ROTATIONS else 0,
            name=lambda: str(room.settings.get("displayName")),
        )
        for axis, value in (saved.get("ptz") or {}).items():
            if axis in AXES and isinstance(value, int):
                self.config.position.set(axis, value)
        self.capture = Capture(self.frames, self.config)
        self.selfie: dict[str, Any] = {"enabled": False, "fps": 0}
        self._tasks: list[asyncio.Task] = []
        self.tests: dict[str, asyncio.Task] = {}  # running sound tests by name
        self.ptz_motion: asyncio.Task | None = None  # a continuing ptzLeft/ptzZoomInc/...
        self.delay_result: dict[str, int] = {"state": 0, "delay": -1}

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        self.frames.bind_loop(asyncio.get_running_loop())
        self._tasks.append(asyncio.create_task(self._watch_devices(), name="media-hotplug"))

    async def close(self) -> None:
        tasks = [*self._tasks, *self.tests.values(), *([self.ptz_motion] if self.ptz_motion else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(self.capture.stop)

    # --- devices ----------------------------------------------------------------------
    def current(self, kind: str) -> dev.Device | None:
        """The selected device of a kind; the virtual one when the chosen device is absent."""
        wanted = self.preferred[kind]
        if wanted == dev.NONE:
            return None
        for device in dev.of_kind(self.devices, "speaker" if kind == "appsnd" else kind):
            if device.description == wanted:
                return device
        fallback = DEFAULTS.get(kind, dev.VIRTUAL_SPEAKER)
        return next(d for d in self.devices if d.description == fallback)

    def hardware(self) -> dict[str, Any]:
        """The body of getHardware and hardwareChanged."""
        out: dict[str, Any] = {}
        for kind, label in KINDS.items():
            out[f"{label[0].lower()}{label[1:]}s"] = [d.entry() for d in dev.of_kind(self.devices, kind)]
            chosen = self.current(kind)
            out[f"current{label}Name"] = chosen.name if chosen else dev.NONE
            out[f"current{label}Description"] = chosen.description if chosen else dev.NONE
            out[f"current{label}Type"] = chosen.type if chosen else dev.TYPE_VIRTUAL
        out["DSCaptureList"] = []
        return out

    def select(self, kind: str, name: str, description: str) -> bool:
        """Choose a device; ValueError if there is no such device. Returns whether it changed."""
        if name == dev.NONE or description == dev.NONE:
            if kind == "mic":
                raise ValueError("a microphone cannot be set to 'none'; mute it with setMicMute instead")
            if kind == "appsnd":
                raise ValueError("application sounds need a device; mute them with setAudioMute instead")
            if (name, description) != (dev.NONE, dev.NONE):
                raise ValueError("to switch the device off give 'none' as both name and description")
            wanted = dev.NONE
        else:
            found = dev.find(self.devices, "speaker" if kind == "appsnd" else kind, name, description)
            if found is None:
                raise ValueError(f"no such device: name '{name}', description '{description}'")
            wanted = found.description
        before = self.current(kind)
        self.preferred[kind] = wanted
        self.room.store.put(NS, kind, wanted)
        changed = self.current(kind) != before
        if kind == "camera" and changed:
            self._camera_changed()
        return changed

    def _camera_changed(self) -> None:
        self.config.camera = self.current("camera")
        self.config.position.reset()
        self._save_ptz()
        self.config.changed()

    async def _watch_devices(self) -> None:
        """Hot-plug: rescan every few seconds and announce a changed device set."""
        while True:
            await asyncio.sleep(HOTPLUG_SECONDS)
            try:
                found = await asyncio.to_thread(dev.scan)
            except OSError:
                continue
            if found != self.devices:
                self.rescanned(found)

    def rescanned(self, found: list[dev.Device]) -> None:
        before_camera = self.current("camera")
        self.devices = found
        self.room.bus.publish("hardwareChanged", self.hardware())
        if self.current("camera") != before_camera:
            self._camera_changed()
            self.room.bus.publish("deviceModesDone", self.modes())
            self.room.bus.publish("ptzControlsChanged", self.ptz_controls())

    # --- mute -------------------------------------------------------------------------
    def set_mute(self, what: str, value: bool) -> bool:
        if self.mutes[what] == value:
            return False
        self.mutes[what] = value
        key = {"mic": "micMute", "video": "videoMute", "speaker": "audioMute"}[what]
        self.room.store.put(NS, key, value)
        if what == "video":
            self.config.muted = value
        for listener in self._mute_listeners:
            listener(what, value)
        return True

    _mute_listeners: tuple[Callable[[str, bool], None], ...] = ()

    def on_mute_change(self, listener: Callable[[str, bool], None]) -> None:
        """Call `listener(what, muted)` on every change of a mute ("mic", "video", "speaker"): calls tell the peer."""
        self._mute_listeners = (*self._mute_listeners, listener)

    # --- modes ------------------------------------------------------------------------
    def modes(self) -> dict[str, Any]:
        camera = self.current("camera")
        pins = pins_for(camera is None or camera.virtual)
        return {
            "videoCapturerName": camera.name if camera else dev.NONE,
            "videoCapturerDescription": camera.description if camera else dev.NONE,
            "activeMode": self.mode,
            "activePin": pins[0],
            "modeList": list(MODES),
            "pinList": pins,
            "supportPTZ": camera is not None,
        }

    def set_mode(self, pin: str, mode: str) -> None:
        info = self.modes()
        if pin not in info["pinList"]:
            raise ValueError(f"pin must be one of {info['pinList']}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}")
        self.mode = mode
        self.room.store.put(NS, "mode", mode)
        self.config.width, self.config.height, self.config.fps = parse_mode(mode)
        self.config.changed()

    def camera_info(self) -> dict[str, Any]:
        """updateCameraInfo: the capture format; nothing is sent until a call exists."""
        c = self.config
        return {
            "cameraWidth": c.width,
            "cameraHeight": c.height,
            "cameraFramerate": c.fps * 100,
            "sendWidth": c.width,
            "sendHeight": c.height,
            "format": 13,  # RGB24
            "sendFormat": "None",
            "sendFramerate": 0,
            "stereo": False,
        }

    def set_rotation(self, angle: int) -> bool:
        if angle not in ROTATIONS:
            raise ValueError(f"rotateAngle must be one of {list(ROTATIONS)}")
        if angle == self.config.rotate:
            return False
        self.config.rotate = angle
        self.room.store.put(NS, "rotate", angle)
        self.config.changed()
        return True

    def set_crop(self, enabled: bool) -> bool:
        if enabled == self.crop:
            return False
        self.crop = enabled
        self.room.store.put(NS, "crop", enabled)
        return True

    # --- PTZ --------------------------------------------------------------------------
    @property
    def position(self) -> PtzPosition:
        return self.config.position

    def ptz_controls(self) -> dict[str, Any]:
        camera = self.current("camera")
        out = self.position.controls()
        if camera is None:
            out = {axis: {"support": False, "isContinuousType": False, "inverted": False} for axis in AXES}
        out["videoCapturerName"] = camera.name if camera else dev.NONE
        out["videoCapturerDescription"] = camera.description if camera else dev.NONE
        return out

    def _save_ptz(self) -> None:
        self.room.store.put(NS, "ptz", dict(self.position.values))

    def ptz_changed(self) -> None:
        self._save_ptz()
        self.room.bus.publish("ptzControlsChanged", self.ptz_controls())

    # --- broadcast picture --------------------------------------------------------------
    def show_picture(self, path: Path | None) -> None:
        self.config.picture = path

    # --- consumers ----------------------------------------------------------------------
    def set_selfie(self, enabled: bool, fps: int) -> bool:
        """Broadcast selfie keeps self view captured continuously, at `fps`, for HTTP viewers.

        A /frames/ viewer or a call still gets the camera's full rate while it is active.
        """
        new = {"enabled": enabled, "fps": fps if enabled else 0}
        if new == self.selfie:
            return False
        if self.selfie["enabled"]:
            self.capture.release(self.selfie["fps"])
        if enabled:
            self.capture.acquire(fps)
        self.selfie = new
        return True

    def microphone_reader(self) -> tuple[Callable[[], Awaitable[np.ndarray]], Callable[[], None]]:
        """(read 20 ms of samples, close) for the selected microphone; tests use it outside calls."""
        mic = self.current("mic")
        source: audio.ToneMicrophone | audio.AlsaMicrophone
        if mic is not None and not mic.virtual:
            try:
                source = audio.AlsaMicrophone(mic.path)
            except Exception:  # PyAV raises many kinds; an unusable microphone reads as silence
                source = audio.ToneMicrophone(silent=True)
        else:
            source = audio.ToneMicrophone(silent=mic is None or mic.description != dev.VIRTUAL_MIC)

        async def read() -> np.ndarray:
            if isinstance(source, audio.AlsaMicrophone):
                return await asyncio.to_thread(source.read)
            return source.read()

        return read, source.close

    def play(self, samples: np.ndarray) -> None:
        """Play samples (float -1..1 or s16) on the selected speaker in the background.

        The null speaker, no speaker and a muted one drop them, as a muted loudspeaker would.
        """
        speaker = self.current("speaker")
        if speaker is None or speaker.virtual or self.mutes["speaker"]:
            return
        if samples.dtype != np.int16:
            samples = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)

        def run() -> None:
            try:
                audio.play_alsa(speaker.path, samples)
            except Exception as exc:  # PyAV raises many kinds; a busy device must not break the room
                log.warning("cannot play on %s: %s", speaker.name, exc)

        task = asyncio.get_running_loop().run_in_executor(None, run)
        self._tasks.append(asyncio.ensure_future(task))
        self._tasks = [t for t in self._tasks if not t.done()]

    def camera_track(self) -> Any:
        """An aiortc video track of self view (camera, or the picture/placeholder replacing it)."""
        from meetroom.media.tracks import CameraTrack

        return CameraTrack(self)

    def microphone_track(self) -> Any:
        """An aiortc audio track of the selected microphone, silent while muted."""
        from meetroom.media.tracks import MicrophoneTrack

        return MicrophoneTrack(self)
