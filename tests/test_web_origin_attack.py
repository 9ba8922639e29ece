"""A drive-by page on the room PC: a sandboxed iframe (Origin `null`) of some web site, in real Chromium.

The "web site" is a small HTTP server on 127.0.0.1 at its own port, i.e. a foreign origin. Its page
builds `<iframe sandbox="allow-scripts" srcdoc=...>`; the frame's script tries unsecured control of
the room and the main screen's channel (which would give it the user PIN), and reports to the page
what it got. With the administrator's `--allow-file-pages` opt-in the same frame gets in, which
shows the harness sees a successful attack when there is one.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.browser import api, browser, context  # noqa: F401

ATTACKER_PAGE = """<!doctype html><meta charset="utf-8"><title>some web site</title><body>
<script id="payload" type="text/plain">
function talk(url, messages) {
  return new Promise((resolve) => {
    const got = [];
    let socket;
    try { socket = new WebSocket(url); } catch (e) { resolve({ opened: false, replies: [] }); return; }
    let opened = false;
    socket.onopen = () => { opened = true; socket.send(JSON.stringify(messages[0])); };
    socket.onmessage = (frame) => {
      const message = JSON.parse(frame.data);
      if (message.method === "event") return;
      got.push(message);
      if (got.length < messages.length && message.result !== false) socket.send(JSON.stringify(messages[got.length]));
      else { socket.close(); resolve({ opened, replies: got }); }
    };
    socket.onerror = () => resolve({ opened, replies: got });
    socket.onclose = () => resolve({ opened, replies: got });
  });
}
(async () => {
  const control = await talk("ws://127.0.0.1:%(ws)d/", [
    { method: "auth", type: "unsecured" },
    { method: "setSettings", settings: { allowUnsecuredRemoteControl: true } },
  ]);
  const screen = await talk("ws://127.0.0.1:%(http)d/screen/ws", [{ method: "getScreenInfo", requestId: "s" }]);
  parent.postMessage(JSON.stringify({ origin: String(self.origin), control, screen }), "*");
})();
</script>
<script>
window.addEventListener("message", (event) => { document.body.dataset.report = event.data; });
const frame = document.createElement("iframe");
frame.sandbox = "allow-scripts";
frame.srcdoc = "<script>" + document.getElementById("payload").textContent + "<\\/script>";
document.body.append(frame);
</script>
"""


@contextlib.contextmanager
def web_site(page: str) -> Iterator[int]:
    """A foreign web site on 127.0.0.1 serving one page; stopped when the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def attack(context, room) -> dict:  # noqa: F811
    with web_site(ATTACKER_PAGE % {"ws": room.ws_port, "http": room.http_port}) as port:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_function("document.body.dataset.report !== undefined", timeout=10000)
        report = json.loads(page.evaluate("document.body.dataset.report"))
        page.close()
    assert report["origin"] == "null"  # the frame really is the opaque origin browsers give file pages
    return report


def setting(client, name: str):
    return next(s["value"] for s in client.call("getSettings")["settings"] if s["name"] == name)


@pytest.mark.parametrize("pin", [None, "2468"], ids=["unsecured-room", "pin-room"])
def test_a_sandboxed_frame_of_any_site_gets_no_control_and_no_screen(room_factory, context, api, pin):  # noqa: F811
    room = room_factory(*(["--pin", pin] if pin else []))
    report = attack(context, room)

    control = report["control"]["replies"]
    assert len(control) == 1 and control[0]["method"] == "auth" and control[0]["result"] is False
    assert "--allow-file-pages" in control[0]["error"]
    # the screen's channel refuses the handshake (403): no socket, so no user PIN
    assert report["screen"] == {"opened": False, "replies": []}

    owner = api(room, pin)
    assert setting(owner, "allowUnsecuredRemoteControl") is False
    assert owner.call("getAuthInfo")["adminAuth"]["security"] == ("pin" if pin else "unsecured")


def test_with_the_file_page_opt_in_the_same_frame_gets_in(room_factory, context, api):  # noqa: F811
    room = room_factory("--allow-file-pages")
    report = attack(context, room)
    control = report["control"]["replies"]
    assert [r["method"] for r in control] == ["auth", "setSettings"]
    assert all(r["result"] is True for r in control)
    # the opt-in is for control only: the main screen stays the room's own page
    assert report["screen"] == {"opened": False, "replies": []}
    assert setting(api(room), "allowUnsecuredRemoteControl") is True
