"""A 50 MB file between two rooms with both rooms' memory watched: files stream, memory stays flat."""

from __future__ import annotations

import hashlib
import threading

from tests.support.calls import start_rooms
from tests.support.files import file_sha256, offer, put_file, random_bytes, wait_available, wait_status
from tests.support.process import rss_bytes
from tests.support.prosody import prosody  # noqa: F401

SIZE = 50 * 1024 * 1024
ALLOWED_GROWTH = 24 * 1024 * 1024  # under half the file: chunks and buffers, never the whole file


class PeakRss:
    """Samples a process's resident memory every 10 ms in a thread, keeping the highest."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.base = rss_bytes(pid)
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak - self.base


async def test_fifty_megabytes_stream_with_flat_memory(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await wait_available(a.client)
    data = random_bytes(SIZE)
    file_id = await put_file(a, data, "recording.mkv")
    sender = PeakRss(a.proc.proc.pid)
    sent_id, incoming = await offer(a, b, file_id)
    await wait_status(a.client, sent_id, 3, timeout=60)
    sender_growth = sender.stop()

    receiver = PeakRss(b.proc.proc.pid)
    assert (await b.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"]))["result"]
    done = await wait_status(b.client, incoming["fileRequestId"], 3, 0, timeout=60)
    receiver_growth = receiver.stop()
    assert done["status"] == 3, done
    assert await file_sha256(b, done["fileId"]) == hashlib.sha256(data).hexdigest()
    assert receiver_growth < ALLOWED_GROWTH, f"receiver grew by {receiver_growth / 2**20:.1f} MiB"
    assert sender_growth < ALLOWED_GROWTH, f"sender grew by {sender_growth / 2**20:.1f} MiB"
    print(f"RSS growth: sender {sender_growth / 2**20:.1f} MiB, receiver {receiver_growth / 2**20:.1f} MiB")
