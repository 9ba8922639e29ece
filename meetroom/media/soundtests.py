"""The sound tests a panel runs outside calls: microphone level, speaker tone, audio delay.

They use the devices a call needs, so none starts during a call; each announces its own start,
progress and end. The running tests live in `Media.tests` so that closing the media stops them.
"""

from __future__ import annotations

import asyncio

from meetroom.core.appstate import AppState, AppStateMachine
from meetroom.core.events import Events
from meetroom.core.tasks import cancel_and_wait
from meetroom.media.errors import MediaError
from meetroom.media.manager import Media

DELAY_IDLE, DELAY_RUNNING, DELAY_FINISHED = 0, 1, 2
DELAY_STATE_NAMES = {DELAY_IDLE: "idle", DELAY_RUNNING: "running", DELAY_FINISHED: "finished"}
IN_CALL = (AppState.WAIT, AppState.CONFERENCE, AppState.CLOSE)


class SoundTests:
    def __init__(self, media: Media, appstate: AppStateMachine, events: Events) -> None:
        self.media = media
        self.appstate = appstate
        self.events = events

    def _running(self, name: str) -> asyncio.Task | None:
        task = self.media.tests.get(name)
        return task if task is not None and not task.done() else None

    def _refuse_in_call(self, what: str) -> None:
        if self.appstate.state in IN_CALL:
            raise MediaError(f"{what} is not available during a call")

    def _check_startable(self, name: str, what: str) -> None:
        self._refuse_in_call(what)
        if self._running(name):
            raise MediaError(f"{what} is already running")

    async def stop(self, name: str, what: str) -> None:
        """Cancel the running test `name` and wait until its own cleanup has announced the end."""
        task = self._running(name)
        if task is None:
            raise MediaError(f"{what} is not running")
        await cancel_and_wait(task)

    # --- microphone level ---------------------------------------------------------------
    def start_level(self) -> None:
        """testAudioCapturerStart: the microphone's level, reported until stopped."""
        self._check_startable("level", "the microphone test")
        media, appstate, events = self.media, self.appstate, self.events
        read, close = media.microphone_reader()

        def report(lvl: float) -> None:
            events.publish("testAudioCapturerLevel", {"lvl": lvl})

        async def run() -> None:
            from meetroom.media import soundtest  # NumPy loads with the first sound test, not with the room

            try:
                await soundtest.run_level_test(read, lambda: media.mutes["mic"], report)
            finally:
                close()
                appstate.update(audio_capture_test=False)
                events.publish("testAudioCapturerStateChanged", {"started": False})

        appstate.update(audio_capture_test=True)
        events.publish("testAudioCapturerStateChanged", {"started": True})
        media.tests["level"] = asyncio.create_task(run(), name="mic-level-test")

    async def stop_level(self) -> None:
        await self.stop("level", "the microphone test")

    # --- speaker ------------------------------------------------------------------------
    def play_tone(self) -> None:
        """testAudioRenderer: one second of tone on the selected speaker."""
        self._refuse_in_call("the speaker test")
        if self.media.current("speaker") is None:
            raise MediaError("no speaker is selected")
        from meetroom.media import audio

        self.media.play(audio.tone(1.0))

    # --- audio delay --------------------------------------------------------------------
    def delay_info(self) -> dict[str, object]:
        info = self.media.delay_result
        return {"state": DELAY_STATE_NAMES[info["state"]], "delay": info["delay"]}

    def _announce_delay(self, state: int, delay: int) -> None:
        self.media.delay_result = {"state": state, "delay": delay}
        self.events.publish("audioDelayDetectorTestStateChanged", {"state": state, "delay": delay})

    def start_delay(self) -> None:
        """startAudioDelayDetectorTest: play a probe, listen for its echo, report the delay."""
        self._check_startable("delay", "the audio delay test")
        media = self.media
        read, close = media.microphone_reader()

        async def run() -> None:
            from meetroom.media import soundtest

            try:
                delay = await soundtest.run_delay_test(read, media.play)
            except asyncio.CancelledError:
                self._announce_delay(DELAY_IDLE, -1)
                raise
            finally:
                close()
            self._announce_delay(DELAY_FINISHED, delay)

        self._announce_delay(DELAY_RUNNING, -1)
        media.tests["delay"] = asyncio.create_task(run(), name="audio-delay-test")

    async def stop_delay(self) -> None:
        await self.stop("delay", "the audio delay test")
