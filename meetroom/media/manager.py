"""The room's local media: device choice, mute state, camera mode, rotation, PTZ, self view.

Handlers change media only through this object; it keeps the choices in the store so a restart
keeps them, tells the capture pipeline what to produce and announces every change itself (the
handlers only call it). Other features reuse it: `media.frames` is the frame store behind
/frames/ (`frames.put(peer_id, frame)` for remote video), `camera_track()` /
`microphone_track()` give aiortc tracks of the room's own media.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetroom.core.events import Events
from meetroom.core.settings import Settings
from meetroom.core.tasks import cancel_all_and_wait, cancel_and_wait
from meetroom.media import devices as dev
from meetroom.media.capture import Capture, SelfViewConfig
from meetroom.media.errors import MediaError
from meetroom.media.framestore import FrameStore
from meetroom.media.modes import DEFAULT_MODE, MODES, parse_mode, pins_for
from meetroom.media.ptz import AXES, RANGES, PtzPosition
from meetroom.store.db import Store

if TYPE_CHECKING:  # NumPy and PyAV load with the first sound or picture, not with the room
    import numpy as np

log = logging.getLogger(__name__)

NS = "media"
HOTPLUG_SECONDS = 2.0
KINDS = {"camera": "VideoCapturer", "mic": "AudioCapturer", "speaker": "AudioRenderer"}
DEFAULTS = {"camera": dev.VIRTUAL_CAMERA, "mic": dev.VIRTUAL_MIC, "speaker": dev.VIRTUAL_SPEAKER}
ROTATIONS = (0, 90, 180, 270)
MUTE_EVENTS = {"mic": "audioCapturerMute", "video": "videoCapturerMute", "speaker": "audioRendererMute"}
PTZ_MOTION_INTERVAL = 0.15  # a held ptzLeft/ptzZoomInc/... moves one step this often


class Media:
    def __init__(self, store: Store, settings: Settings, events: Events) -> None:
        self.store = store
        self.events = events
        self.frames = FrameStore()
        self.added: list[dev.Device] = []  # devices given by the program (a peer's video file), kept on rescans
        self.devices = dev.scan()
        saved = store.items(NS)
        self.preferred = {kind: saved.get(kind, DEFAULTS[kind]) for kind in KINDS}
        self.preferred["appsnd"] = saved.get("appsnd", dev.VIRTUAL_SPEAKER)
        self.mutes = {
            "mic": bool(saved.get("micMute", False)),
            "video": bool(saved.get("videoMute", False)),
            "speaker": bool(saved.get("audioMute", False)),
        }
        self.mode = saved.get("mode", DEFAULT_MODE) if saved.get("mode") in MODES else DEFAULT_MODE
        self.crop = bool(saved.get("crop", False))
        rotate = saved.get("rotate", settings.get("defaultOutputSelfVideoRotateAngle"))
        width, height, fps = parse_mode(self.mode)
        self.config = SelfViewConfig(
            camera=self.current("camera"),
            width=width,
            height=height,
            fps=fps,
            muted=self.mutes["video"],
            rotate=rotate if rotate in ROTATIONS else 0,
            name=lambda: str(settings.get("displayName")),
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
        self.mic_taps: list[Callable[[object, np.ndarray], None]] = []  # (track, 20 ms sent) for recordings
        # what content sharing can share (getHardware's DSCaptureList), given by its owner
        self.capture_entries: Callable[[], list[dict[str, Any]]] = list

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        self.frames.bind_loop(asyncio.get_running_loop())
        self._tasks.append(asyncio.create_task(self._watch_devices(), name="media-hotplug"))

    async def close(self) -> None:
        await cancel_all_and_wait([*self._tasks, *self.tests.values(), *([self.ptz_motion] if self.ptz_motion else [])])
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
        out["DSCaptureList"] = self.capture_entries()
        return out

    def app_sound_device(self) -> dict[str, str]:
        """getAppSndDev and appSndDevChanged: the device application sounds play on."""
        device = self.current("appsnd")
        return {"name": device.name, "description": device.description} if device else {"name": "", "description": ""}

    def select(self, kind: str, name: str, description: str) -> bool:
        """Choose a device and announce the new choice; MediaError if there is no such device.

        Returns whether it changed. hardwareChanged (appSndDevChanged for application sounds)
        is the only announcement: a preset switching cameras says no more than that.
        """
        if name == dev.NONE or description == dev.NONE:
            if kind == "mic":
                raise MediaError("a microphone cannot be set to 'none'; mute it with setMicMute instead")
            if kind == "appsnd":
                raise MediaError("application sounds need a device; mute them with setAudioMute instead")
            if (name, description) != (dev.NONE, dev.NONE):
                raise MediaError("to switch the device off give 'none' as both name and description")
            wanted = dev.NONE
        else:
            found = dev.find(self.devices, "speaker" if kind == "appsnd" else kind, name, description)
            if found is None:
                raise MediaError(f"no such device: name '{name}', description '{description}'")
            wanted = found.description
        before = self.current(kind)
        self.preferred[kind] = wanted
        self.store.put(NS, kind, wanted)
        changed = self.current(kind) != before
        if kind == "camera" and changed:
            self._camera_changed()
        if changed:
            if kind == "appsnd":
                self.events.publish("appSndDevChanged", self.app_sound_device())
            else:
                self.events.publish("hardwareChanged", self.hardware())
        return changed

    def choose(self, kind: str, name: str, description: str) -> bool:
        """setVideoCapturer & co.: select, and for a new camera also announce its modes and PTZ."""
        changed = self.select(kind, name, description)
        if kind == "camera" and changed:
            self.events.publish("deviceModesDone", self.modes())
            self.ptz_changed()
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
                found = await asyncio.to_thread(self.scan)
            except OSError:
                continue
            if found != self.devices:
                self.rescanned(found)

    def add_device(self, device: dev.Device) -> None:
        """A device the machine does not have but the program provides (meetroom peer's video file)."""
        self.added.append(device)
        self.rescanned([*self.devices, device])

    def add_device_provider(
        self, scheme: str, provider: Callable[[], list[dev.Device]], opener: Callable[..., Any]
    ) -> None:
        """More cameras than the machine's (NDI sources): listed by `provider`, opened by `opener`.

        Their descriptions start with `scheme:`; `opener(device, width, height)` returns the
        capture source for one (meetroom.media.sources.VideoSource).
        """
        self._providers = (*self._providers, provider)
        self.capture.openers[scheme] = opener

    _providers: tuple[Callable[[], list[dev.Device]], ...] = ()

    def scan(self) -> list[dev.Device]:
        """The machine's devices, then those of the added providers."""
        return [*dev.scan(), *self.added, *(device for provider in self._providers for device in provider())]

    def refresh_devices(self) -> None:
        """A provider's devices changed: announce the new set now, not at the next hot-plug look."""
        found = self.scan()
        if found != self.devices:
            self.rescanned(found)

    def rescanned(self, found: list[dev.Device]) -> None:
        before_camera = self.current("camera")
        self.devices = found
        self.events.publish("hardwareChanged", self.hardware())
        if self.current("camera") != before_camera:
            self._camera_changed()
            self.events.publish("deviceModesDone", self.modes())
            self.events.publish("ptzControlsChanged", self.ptz_controls())

    # --- mute -------------------------------------------------------------------------
    def set_mute(self, what: str, value: bool) -> bool:
        """Mute or unmute the microphone, camera or speaker; a change is announced."""
        if self.mutes[what] == value:
            return False
        self.mutes[what] = value
        key = {"mic": "micMute", "video": "videoMute", "speaker": "audioMute"}[what]
        self.store.put(NS, key, value)
        if what == "video":
            self.config.muted = value
        for listener in self._mute_listeners:  # calls tell the peer first, as before the announcement moved here
            listener(what, value)
        self.events.publish(MUTE_EVENTS[what], {"mute": value})
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
        """setModes: the capture format; announced (with the new camera facts) even when unchanged."""
        self.require_camera()
        info = self.modes()
        if pin not in info["pinList"]:
            raise MediaError(f"pin must be one of {info['pinList']}")
        if mode not in MODES:
            raise MediaError(f"mode must be one of {list(MODES)}")
        self.mode = mode
        self.store.put(NS, "mode", mode)
        self.config.width, self.config.height, self.config.fps = parse_mode(mode)
        self.config.changed()
        self.events.publish("deviceModesDone", self.modes())
        self.events.publish("updateCameraInfo", self.camera_info())

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
            raise MediaError(f"rotateAngle must be one of {list(ROTATIONS)}")
        if angle == self.config.rotate:
            return False
        self.config.rotate = angle
        self.store.put(NS, "rotate", angle)
        self.config.changed()
        self.events.publish("outputSelfVideoRotateAngleChanged", {"rotateAngle": angle})
        return True

    def set_crop(self, enabled: bool) -> bool:
        if enabled == self.crop:
            return False
        self.crop = enabled
        self.store.put(NS, "crop", enabled)
        self.events.publish("cropChanged", {"cropImageStatus": enabled})
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

    def require_camera(self) -> dev.Device:
        camera = self.current("camera")
        if camera is None:
            raise MediaError("no camera is selected")
        return camera

    async def stop_motion(self) -> None:
        """ptzStop: end a held movement (and wait until it has ended)."""
        task, self.ptz_motion = self.ptz_motion, None
        await cancel_and_wait(task)

    async def start_motion(self, axis: str, direction: int) -> None:
        """ptzLeft/Right/Up/Down/ZoomInc/ZoomDec: one step now, then one per interval until stopped."""
        self.require_camera()
        await self.stop_motion()
        if self.position.step(axis, direction):
            self.ptz_changed()

        async def keep_moving() -> None:
            while True:
                await asyncio.sleep(PTZ_MOTION_INTERVAL)
                if not self.position.step(axis, direction):
                    return  # end of the range
                self.ptz_changed()

        self.ptz_motion = asyncio.create_task(keep_moving(), name=f"ptz-{axis}")

    async def set_ptz(self, axis: str, value: int) -> None:
        """setPanPos/setTiltPos/setZoomPos: one axis to an absolute position within its range."""
        self.require_camera()
        rng = RANGES[axis]
        if not rng.minimum <= value <= rng.maximum:
            raise MediaError(f"pos must be between {rng.minimum} and {rng.maximum} for {axis}")
        await self.stop_motion()
        if self.position.set(axis, value):
            self.ptz_changed()

    async def reset_ptz(self) -> None:
        """setPtzDefaults: every axis back to its default."""
        self.require_camera()
        await self.stop_motion()
        if self.position.reset():
            self.ptz_changed()

    def _save_ptz(self) -> None:
        self.store.put(NS, "ptz", dict(self.position.values))

    def ptz_changed(self) -> None:
        self._save_ptz()
        self.events.publish("ptzControlsChanged", self.ptz_controls())

    # --- broadcast picture --------------------------------------------------------------
    def show_picture(self, path: Path | None) -> None:
        self.config.picture = path

    _hearing: tuple[Callable[[str, Any], None], ...] = ()

    def on_heard(self, listener: Callable[[str, Any], None]) -> None:
        """Call `listener(peer_id, audio_frame)` for every decoded frame of a participant's sound (NDI)."""
        self._hearing = (*self._hearing, listener)

    def heard(self, peer_id: str, frame: Any) -> None:
        """A call decoded 20 ms of a participant's sound (an av.AudioFrame)."""
        for listener in self._hearing:
            listener(peer_id, frame)

    def forget_peer_frames(self, peer_id: str) -> None:
        """A participant left: its last picture must not stay behind /frames/."""
        self.frames.remove(peer_id)

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
        self.events.publish("broadcastSelfieChanged", dict(self.selfie))
        return True

    def microphone_reader(self) -> tuple[Callable[[], Awaitable[np.ndarray]], Callable[[], None]]:
        """(read 20 ms of samples, close) for the selected microphone; tests use it outside calls."""
        from meetroom.media import audio

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
        import numpy as np

        from meetroom.media import audio

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
