"""`meetroom peer` as a real process (stopped by pid), and a video file with known pictures to play."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from tests.support.ports import free_ports
from tests.support.process import RoomProcess

# The file's frames: this colour with a red channel that climbs frame by frame (so pictures move)
FILE_GREEN, FILE_BLUE = 20, 230


def make_video_file(path: Path, seconds: float = 3.0, fps: int = 10, size: tuple[int, int] = (320, 240)) -> Path:
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(int(seconds * fps)):
            picture = np.empty((height, width, 3), np.uint8)
            picture[:] = (40 + index * 6 % 200, FILE_GREEN, FILE_BLUE)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@dataclass
class PeerProcess(RoomProcess):
    peer_args: list[str] = field(default_factory=list)

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "meetroom", "peer", *self.peer_args, "--data-dir", str(self.data_dir)]
        ws, http = free_ports(2)
        return [*cmd, "--wsport", str(ws), "--httpport", str(http), *self.args]

    def wait_line(self, prefix: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.output):
                if line.startswith(prefix):
                    return line.strip()
            time.sleep(0.05)
        raise AssertionError(f"no line starting {prefix!r} within {timeout} s:\n{self.text}")


def start_peer(tmp_path: Path, server_port: int, login: str, password: str, camera: str, *extra: str) -> PeerProcess:
    args = ["--server", f"127.0.0.1:{server_port}", "--login", login, "--password", password, "--camera", camera]
    peer = PeerProcess(tmp_path / f"peer-{login}", ["--ice-host", "127.0.0.1", *extra], peer_args=args)
    return peer.start()
