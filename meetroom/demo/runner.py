"""`meetroom demo`: a development server, this room and a scripted peer, logged in and ready to call.

A newcomer's first command should end in a call, not in "No account — not connected to a
server". The demo starts three child processes of this same meetroom — `dev-server` (Prosody),
`peer` (answers by itself, sends the test pattern named "Demo peer") and `run` (the room,
"Demo room") — makes both accounts, logs the room in through its own API like any control
panel would, puts the peer in its address book, and prints where to click. Ctrl-C (or SIGTERM to
the demo's pid) stops all three by their pids. Each child's output goes to a log file in the
demo directory; the demo's own stdout stays a short list of addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from meetroom.client import RoomClient

DOMAIN = "localhost"
ROOM_ACCOUNT, PEER_ACCOUNT = "demo", "peer"
ROOM_NAME, PEER_NAME = "Demo room", "Demo peer"
START_TIMEOUT = 30.0
STOP_GRACE = 10.0


def say(line: str) -> None:
    print(line, flush=True)


def default_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"meetroom-demo-{os.getuid()}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def prosody_installed() -> bool:
    return shutil.which("prosody") is not None or Path("/usr/bin/prosody").exists()


@dataclass
class Child:
    """One child process, its log file, and the lines it printed that the demo waits for."""

    name: str
    argv: list[str]
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C in the terminal reaches the demo, which stops them in order
        )
        self._pump = asyncio.create_task(self._read(), name=f"demo-{self.name}")

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with self.log_path.open("a", encoding="utf-8") as log:
            while line := await self.proc.stdout.readline():
                text = line.decode(errors="replace")
                log.write(text)
                log.flush()
                self.lines.append(text.rstrip("\n"))
                self.changed.set()
        await self.proc.wait()
        self.changed.set()

    @property
    def exited(self) -> bool:
        return self.proc is None or self.proc.returncode is not None

    async def wait_line(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first printed line matching `pattern`; DemoError if the child exits or time runs out."""
        regex = re.compile(pattern)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for line in self.lines:
                        if found := regex.match(line):
                            return found
                    if self.exited and self._pump is not None and self._pump.done():
                        raise DemoError(f"{self.name} stopped: {self.tail()}")
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise DemoError(f"{self.name} did not print {pattern!r} within {timeout:g} s: {self.tail()}") from None

    def tail(self) -> str:
        return " | ".join(self.lines[-5:]) or f"no output (see {self.log_path})"

    async def stop(self) -> None:
        """SIGTERM to its pid, SIGKILL after STOP_GRACE seconds."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_GRACE)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self._pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump


class DemoError(RuntimeError):
    pass


@dataclass
class DemoOptions:
    directory: Path
    camera: str = "pattern"  # the peer's camera; everything listens on loopback only


class Demo:
    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.children: list[Child] = []
        self.passwords = {ROOM_ACCOUNT: secrets.token_hex(8), PEER_ACCOUNT: secrets.token_hex(8)}
        self.xmpp_port = 0
        self.room_ws = self.room_http = self.peer_http = 0

    def _child(self, name: str, *args: str) -> Child:
        logs = self.options.directory / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        child = Child(name, [sys.executable, "-m", "meetroom", *args], logs / f"{name}.log")
        self.children.append(child)
        return child

    async def start(self) -> None:
        directory = self.options.directory
        self.xmpp_port = free_port()
        users = [f"{name}:{password}" for name, password in self.passwords.items()]
        server = self._child(
            "dev-server",
            "dev-server",
            "--dir",
            str(directory / "xmpp"),
            "--c2s-port",
            str(self.xmpp_port),
            "--http-port",
            str(free_port()),
            *(arg for user in users for arg in ("--user", user)),
        )
        await server.start()
        await self._wait_port(server, self.xmpp_port)

        peer = self._child(
            "peer",
            "peer",
            "--server",
            f"127.0.0.1:{self.xmpp_port}",
            "--login",
            PEER_ACCOUNT,
            "--password",
            self.passwords[PEER_ACCOUNT],
            "--auto-answer",
            "--camera",
            self.options.camera,
            "--name",
            PEER_NAME,
            "--ice-host",
            "127.0.0.1",
            "--data-dir",
            str(directory / "peer"),
            "--wsport",
            str(free_port()),
            "--httpport",
            str(free_port()),  # 8765/8766 stay for the room
        )
        room = self._child(
            "room",
            "run",
            "--host",
            "127.0.0.1",
            "--ice-host",
            "127.0.0.1",
            "--data-dir",
            str(directory / "room"),
        )
        await asyncio.gather(peer.start(), room.start())
        self.peer_http = int((await peer.wait_line(r"HTTP server port: (\d+)"))[1])
        await peer.wait_line(r"peer online as ")
        self.room_ws = int((await room.wait_line(r"WebSocket API port: (\d+)"))[1])
        self.room_http = int((await room.wait_line(r"HTTP server port: (\d+)"))[1])
        await room.wait_line(r"meetroom ready")
        await self._log_room_in()

    async def _wait_port(self, child: Child, port: int) -> None:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                if child.exited or asyncio.get_running_loop().time() > deadline:
                    raise DemoError(f"the XMPP server did not start: {child.tail()}") from None
                await asyncio.sleep(0.1)

    async def _log_room_in(self) -> None:
        """What a control panel does: auth, name the room, connect, log in, add the peer to the address book."""
        async with RoomClient("127.0.0.1", self.room_http) as client:
            await client.auth()
            await _ok(client, "setSettings", settings={"displayName": ROOM_NAME})
            await _ok(client, "connectToServer", server="127.0.0.1", port=self.xmpp_port)
            await client.wait_event("serverConnected", timeout=START_TIMEOUT)
            await _ok(client, "login", login=ROOM_ACCOUNT, password=self.passwords[ROOM_ACCOUNT])
            outcome = await client.wait_event("login", timeout=START_TIMEOUT)
            if outcome.get("result") != 0:
                raise DemoError(f"the room could not log in: {outcome}")
            await _ok(client, "addToAbook", peerId=f"{PEER_ACCOUNT}@{DOMAIN}", peerDn=PEER_NAME)

    def describe(self) -> list[str]:
        manager = f"http://127.0.0.1:{self.room_http}/#call"  # opens on the Call section
        return [
            f"XMPP server: 127.0.0.1:{self.xmpp_port} (Prosody, domain {DOMAIN})",
            f"room: {ROOM_NAME}, logged in as {ROOM_ACCOUNT}@{DOMAIN}; API port {self.room_ws}",
            f"peer: {PEER_NAME}, logged in as {PEER_ACCOUNT}@{DOMAIN}; answers calls by itself; "
            f"its web manager http://127.0.0.1:{self.peer_http}/?cfg=peer",
            f"web manager: {manager}",
            f"main screen: http://127.0.0.1:{self.room_http}/screen",
            "",
            f"Open the web manager, choose 'Continue without credentials', and press Call beside {PEER_NAME}",
            "in the address book. Open the main screen beside it to see both pictures.",
            f"From a shell: meetroom ctl --port {self.room_http} call peerId={PEER_ACCOUNT}",
            f"Logs: {self.options.directory / 'logs'}",
        ]

    async def stop(self) -> None:
        for child in reversed(self.children):
            await child.stop()

    def any_exited(self) -> Child | None:
        return next((c for c in self.children if c.exited), None)


async def _ok(client: RoomClient, method: str, **params: object) -> None:
    reply = await client.call(method, **params)
    if reply.get("result") is not True:
        raise DemoError(f"{method} failed: {reply.get('error', reply)}")


async def run_demo(options: DemoOptions) -> int:
    if not prosody_installed():
        say("meetroom demo: Prosody is not installed. Run `bash scripts/demo.sh` (installs it as root),")
        say("or install it yourself: sudo apt-get install prosody")
        return 2
    options.directory.mkdir(parents=True, exist_ok=True)
    say(f"meetroom demo: starting an XMPP server, a peer and this room (files in {options.directory})")
    demo = Demo(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        starting = asyncio.ensure_future(demo.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, DemoError):
                await starting
            return 1
        stopping.cancel()
        starting.result()  # DemoError: said below
        for line in demo.describe():
            say(line)
        say("demo ready (Ctrl-C stops all three)")
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            if (gone := demo.any_exited()) is not None:
                say(f"meetroom demo: {gone.name} stopped ({gone.tail()}); stopping the rest")
                return 1
        return 0
    except DemoError as exc:
        say(f"meetroom demo: {exc}")
        return 1
    finally:
        await demo.stop()
        say("demo stopped")
