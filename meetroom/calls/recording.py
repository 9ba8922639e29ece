"""Recording a call with the others' consent, and answering the others' requests to record this room.

The recorder's side (meetroom extension commands `startRecording` / `stopRecording`, see
docs/calls.md): ask every participant (`<request/>` of `urn:meetroom:record:0`); once all allowed,
record the layout and the mixed sound to an MP4 (meetroom.media.recorder), set appState's
`recording`, tell the participants (`<status recording='true'/>`); on stop, or when the call
ends, the file becomes one of the room's files (getFileList, GET /files/<id>).

The recorded participant's side: a `<request/>` is decided by the `record` setting (0 allow every
request, 1 ask: `recordRequest`, answered with allowRecord / denyRecord, 2 deny every request),
the answer announced with `recordRequestReply`; a recorder's status gives `userRecordingMeStatusChanged`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from meetroom.calls.peerlink import PeerLink, PeerRefused
from meetroom.calls.peers import MeetingPeer, PeerDirectory
from meetroom.core.appstate import AppStateMachine
from meetroom.core.errors import DomainError
from meetroom.core.events import Events
from meetroom.core.settings import Settings
from meetroom.core.tasks import TaskSet
from meetroom.media.framestore import SELF
from meetroom.store.files import FileStore

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager
    from meetroom.media.manager import Media
    from meetroom.media.recorder import Layout, Recording

log = logging.getLogger(__name__)

NS = "urn:meetroom:record:0"
ANSWER_TIMEOUT = 60.0  # seconds a request waits for allowRecord/denyRecord before it is denied
ALLOW_ALL, ASK, DENY_ALL = 0, 1, 2
MIC_HANDOVER = 0.1  # s: another call's microphone track takes over the mix after this silence


class RecordingError(DomainError):
    """A recording command that cannot be carried out now."""


def _element(name: str, **attrs: str) -> ET.Element:
    return ET.Element(f"{{{NS}}}{name}", attrs)


def _safe(tap: Any) -> Any:
    """A tap that logs instead of raising: it runs inside the call's audio reader."""

    def run(frame: Any) -> None:
        try:
            tap(frame)
        except Exception:
            log.exception("recording a participant's sound failed")

    return run


def _among(peer_id: str, instance_ids: Iterable[str]) -> bool:
    """Whether a list's peerId (an InstanceId, or a 1:1 call's CallId) is one of these participants."""
    wanted = peer_id.lower()
    return any(wanted in (i.lower(), i.lower().partition("/")[0]) for i in instance_ids)


class CallRecording:
    def __init__(
        self,
        link: PeerLink,
        directory: PeerDirectory,
        calls: CallManager,
        media: Media,
        appstate: AppStateMachine,
        files: FileStore,
        settings: Settings,
        events: Events,
        layout: Layout,
    ) -> None:
        self.link, self.directory, self.calls, self.media = link, directory, calls, media
        self.appstate, self.files, self.settings, self.events, self.layout = appstate, files, settings, events, layout
        self.asking: dict[str, MeetingPeer] = {}  # participants whose consent we wait for
        self.allowed: set[str] = set()
        self.late: set[str] = set()  # joined during the recording and asked then
        self.active: Recording | None = None
        self.conf_id = ""
        self._file: tuple[int, Any] | None = None  # (file id, temporary path) being written
        self._taps: list[tuple[Any, Any]] = []  # (call media, tap) to take off at the end
        self._mic: tuple[object | None, float] = (None, 0.0)
        self.requests: dict[str, tuple[MeetingPeer, asyncio.TimerHandle]] = {}  # asks to record us
        self.recorded_by: dict[str, MeetingPeer] = {}
        self._tasks = TaskSet()
        link.serve(NS, self._received)
        directory.on_left(self._peer_left)
        directory.on_joined(self._joined)
        media.mic_taps.append(self._from_microphone)

    def _publish(self, event: str, **fields: Any) -> None:
        self.events.publish(event, fields)

    # --- the recorder's side ----------------------------------------------------------------
    def start(self) -> None:
        """startRecording: ask every participant; the recording starts once all of them allowed."""
        if self.active is not None or self.asking:
            raise RecordingError("the room is already recording or waiting for consent to record")
        peers = self.directory.peers()
        if not peers:
            raise RecordingError("the room is not in a call or conference")
        self.conf_id = peers[0].conf_id
        self.allowed.clear()
        for peer in peers:
            self.asking[peer.instance_id] = peer
            self._tasks.spawn(self._ask(peer))

    async def _ask(self, peer: MeetingPeer) -> None:
        condition = await self.link.send(peer.instance_id, _element("request"))
        if condition and peer.instance_id in self.asking:
            log.info("%s cannot consent to recording: %s", peer.instance_id, condition)
            self._answered(peer, False)

    def _answered(self, peer: MeetingPeer, allowed: bool) -> None:
        if self.asking.pop(peer.instance_id, None) is None:
            return
        self._publish("recordPermissionReceived", peerId=peer.instance_id, confId=peer.conf_id, recordAllowed=allowed)
        if not allowed:
            self.asking.clear()  # one refusal is enough: nobody is recorded
            self.allowed.clear()
            return
        self.allowed.add(peer.instance_id)
        if not self.asking:
            self._begin()

    def _begin(self) -> None:
        from meetroom.media.recorder import Recording  # PyAV and NumPy load with the first recording

        file_id, temp = self.files.new_upload()
        recording = Recording(temp, self.media.frames, self.layout, include=self._consented)
        for instance_id in sorted(self.allowed):
            self._tap(recording, instance_id)
        recording.start()
        self.active, self._file = recording, (file_id, temp)
        self.appstate.update(recording=True)
        for instance_id in self.allowed:
            self.link.send_nowait(instance_id, _element("status", recording="true"))
        log.info("recording %s to file %s", self.conf_id, file_id)

    def _tap(self, recording: Recording, instance_id: str) -> None:
        """Mix this participant's received sound into the recording."""
        call_media = self.directory.media_of(instance_id)  # the call's or a conference leg's
        if call_media is None:
            return
        tap = _safe(recording.source(instance_id).push_frame)
        call_media.audio_taps.append(tap)
        self._taps.append((call_media, tap))

    async def stop(self) -> dict[str, Any]:
        """stopRecording: end the file (or give up asking); the saved file's fields."""
        if self.asking and self.active is None:
            self.asking.clear()
            self.allowed.clear()
            return {"fileId": 0, "fileName": "", "duration": 0.0}
        if self.active is None:
            raise RecordingError("the room is not recording")
        return await self._finish()

    async def _finish(self) -> dict[str, Any]:
        recording, file = self.active, self._file
        if recording is None or file is None:  # already finished (stopRecording and the call's end raced)
            return {"confId": self.conf_id, "fileId": 0, "fileName": "", "duration": 0.0}
        self.active, self._file = None, None
        for call_media, tap in self._taps:
            if tap in call_media.audio_taps:
                call_media.audio_taps.remove(tap)
        self._taps.clear()
        self.late.clear()
        for instance_id in self.allowed:
            if self.directory.find(instance_id) is not None:
                self.link.send_nowait(instance_id, _element("status", recording="false"))
        self.allowed.clear()
        duration = await recording.stop()
        self.appstate.update(recording=False)
        file_id, temp = file
        name = time.strftime("recording-%Y%m%d-%H%M%S.mp4")
        record = self.files.commit(file_id, temp, name, temp.stat().st_size, "video/mp4")
        fields = {"confId": self.conf_id, "fileId": record.id, "fileName": record.name, "duration": duration}
        self._publish("recordingStopped", **fields)
        return fields

    def _consented(self, slot: str) -> bool:
        """Only this room and the participants who allowed it appear in the file."""
        return slot == SELF or slot in self.allowed

    def _joined(self, peer: MeetingPeer) -> None:
        """Someone joined a meeting that is being recorded (a conference): ask them too."""
        if self.active is not None and peer.instance_id not in self.allowed:
            self.late.add(peer.instance_id)
            self._tasks.spawn(self._ask_late(peer))

    async def _ask_late(self, peer: MeetingPeer) -> None:
        condition = await self.link.send(peer.instance_id, _element("request"))
        if condition:
            log.info("%s cannot consent to recording: %s", peer.instance_id, condition)

    def _late_answer(self, peer: MeetingPeer, allowed: bool) -> None:
        self._publish("recordPermissionReceived", peerId=peer.instance_id, confId=peer.conf_id, recordAllowed=allowed)
        if not allowed or self.active is None:
            return
        self.allowed.add(peer.instance_id)
        self._tap(self.active, peer.instance_id)
        self.link.send_nowait(peer.instance_id, _element("status", recording="true"))

    def _from_microphone(self, track: object, samples: Any) -> None:
        """The room's own sound, from one call's microphone track (a conference has one per leg)."""
        if self.active is None:
            return
        owner, seen = self._mic
        now = time.monotonic()
        if owner is not None and owner is not track and now - seen < MIC_HANDOVER:
            return
        self._mic = (track, now)
        try:
            self.active.source("self").push(samples)
        except Exception:  # the call's microphone track must never fail because of a recording
            log.exception("recording the microphone failed")

    # --- the recorded participant's side --------------------------------------------------------
    def answer(self, requester: str, allowed: bool) -> None:
        """allowRecord / denyRecord."""
        wanted = requester.lower()
        found = [k for k in self.requests if wanted in (k.lower(), k.partition("/")[0].lower())]
        if not found:
            raise RecordingError(f"'{requester}' has not asked to record the room")
        self._reply(found[0], allowed)

    def _reply(self, instance_id: str, allowed: bool) -> None:
        peer, handle = self.requests.pop(instance_id)
        handle.cancel()
        self._publish("recordRequestReply", confId=peer.conf_id, peerId=instance_id, recordAllowed=allowed)
        self.link.send_nowait(instance_id, _element("allow" if allowed else "deny"))

    def _asked(self, peer: MeetingPeer) -> None:
        who = peer.instance_id
        old = self.requests.pop(who, None)
        if old is not None:
            old[1].cancel()
        handle = asyncio.get_running_loop().call_later(ANSWER_TIMEOUT, self._unanswered, who)
        self.requests[who] = (peer, handle)
        policy = int(self.settings.get("record"))
        if policy == ALLOW_ALL:
            self._reply(who, True)
        elif policy == DENY_ALL:
            self._reply(who, False)
        else:
            self._publish("recordRequest", peerId=who, peerDn=peer.display_name, confId=peer.conf_id)

    def _unanswered(self, instance_id: str) -> None:
        if instance_id in self.requests:
            self._reply(instance_id, False)

    # --- what participant lists say ---------------------------------------------------------------
    def mark(self, participants: list[dict[str, Any]]) -> None:
        """getConferenceParticipants' recordingMe / recordingByMe, from the consent exchange."""
        recorded = self.allowed if self.active is not None else set()
        for entry in participants:
            entry["recordingMe"] = _among(entry["peerId"], self.recorded_by)
            entry["recordingByMe"] = _among(entry["peerId"], recorded)

    # --- what comes in --------------------------------------------------------------------------
    async def _received(self, peer: MeetingPeer, payload: ET.Element) -> None:
        kind = payload.tag.rpartition("}")[2]
        who = peer.instance_id
        if kind == "request":
            self._tasks.spawn(self._later(self._asked, peer))  # the IQ result goes out first
        elif kind in ("allow", "deny"):
            if who in self.asking:
                self._answered(peer, kind == "allow")
            elif who in self.late:
                self.late.discard(who)
                self._late_answer(peer, kind == "allow")  # joined while the recording ran
            else:
                raise PeerRefused("unexpected-request", "no request of ours waits for this answer")
        elif kind == "status":
            recording = payload.get("recording") == "true"
            if recording == (who in self.recorded_by):
                return
            if recording:
                self.recorded_by[who] = peer
            else:
                self.recorded_by.pop(who, None)
            self._publish("userRecordingMeStatusChanged", peerId=who, status=recording, confId=peer.conf_id)
        else:
            raise PeerRefused("feature-not-implemented", f"unknown record element '{kind}'")

    @staticmethod
    async def _later(action: Any, peer: MeetingPeer) -> None:
        action(peer)

    def _peer_left(self, instance_id: str, meeting_over: bool) -> None:
        request = self.requests.pop(instance_id, None)
        if request is not None:
            request[1].cancel()
        peer = self.recorded_by.pop(instance_id, None)
        if peer is not None:
            self._publish("userRecordingMeStatusChanged", peerId=instance_id, status=False, confId=peer.conf_id)
        if instance_id in self.asking:
            self._answered(self.asking[instance_id], False)
        if self.active is not None:
            self.active.drop_source(instance_id)
            self.allowed.discard(instance_id)
            if meeting_over or not self.allowed:
                self._tasks.spawn(self._finish())

    async def close(self) -> None:
        for _, handle in self.requests.values():
            handle.cancel()
        if self.active is not None:
            await self._finish()
        self._tasks.cancel_all()
