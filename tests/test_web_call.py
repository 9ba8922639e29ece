"""A real call driven from the web pages: two rooms on one Prosody, both main screens open.

Room A's web manager dials room B; B's main screen answers from its incoming-call banner; both
screens then draw the video matrix with live frames from the other room; A's manager hangs up
and both screens go back to idle.
"""

from __future__ import annotations

import re
import time

import numpy as np
from playwright.sync_api import expect

from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)
from tests.support.calls import ICE
from tests.support.netroom import online
from tests.support.prosody import new_account, prosody  # noqa: F401  (fixture)

NAMES = ("Alpha room", "Bravo room")


def _start_rooms(prosody, room_factory, api):  # noqa: F811
    rooms = []
    for label in NAMES:
        account, password = new_account(prosody, "w")
        proc = room_factory(*ICE, name=label.split()[0].lower())
        client = api(proc)  # administrator, unsecured on loopback
        client.loop.run(online(client.client, prosody, account, password), timeout=40)
        assert client.call("setSettings", settings={"displayName": label, "callRingTimeout": 20})["result"] is True
        rooms.append((proc, client, f"{account}@localhost"))
    return rooms


def _open_screen(context, proc):  # noqa: F811
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{proc.http_port}/screen")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    return page


def _slot_picture(page, peer: str) -> np.ndarray:
    """The pixels of that participant's slot canvas, read back from the page (160x90, RGB)."""
    data = page.evaluate(
        f"""(() => {{
            const source = document.querySelector('#matrix figure[data-peer="{peer}"] canvas');
            const small = document.createElement("canvas");
            small.width = 160;
            small.height = 90;
            const ctx = small.getContext("2d");
            ctx.drawImage(source, 0, 0, 160, 90);
            return Array.from(ctx.getImageData(0, 0, 160, 90).data);
        }})()"""
    )
    return np.asarray(data, dtype=np.float64).reshape(90, 160, 4)[:, :, :3]


def _watch_comeback(page, peer_prefix: str) -> None:
    """Records what the slot's canvas holds at the moment the slot is put back into the page
    (a MutationObserver runs before any new frame can arrive)."""
    page.evaluate(
        f"""(() => {{
            window.comeback = null;
            const matrix = document.getElementById("matrix");
            const watcher = new MutationObserver((records) => {{
                for (const node of records.flatMap((r) => [...r.addedNodes])) {{
                    if (!node.dataset || !node.dataset.peer.startsWith({peer_prefix!r})) continue;
                    const canvas = node.querySelector("canvas");
                    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                    let brightest = 0;
                    for (let i = 0; i < data.length; i += 4 * 31) brightest = Math.max(brightest, data[i], data[i + 1]);
                    window.comeback = {{ brightest, width: canvas.width }};
                    watcher.disconnect();
                }}
            }});
            watcher.observe(matrix, {{ childList: true }});
        }})()"""
    )


def _frames_drawn(page, peer: str) -> int:
    return int(page.evaluate(f"window.screenStats.frames[{peer!r}] || 0"))


def _wait_until(check, timeout: float = 10.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        time.sleep(0.1)


def _check_live_slots(page, layout: dict, names: dict[str, str], min_fps: float = 5) -> None:
    """Each slot sits at its getVideoMatrix rectangle, is named, and its picture keeps moving (≥ min_fps)."""
    view = page.viewport_size
    sx, sy = view["width"] / layout["mainWindowWidth"], view["height"] / layout["mainWindowHeight"]
    for peer, name in names.items():
        slot = page.locator(f'#matrix figure[data-peer="{peer}"]')
        expect(slot).to_be_visible()
        expect(slot.locator("figcaption")).to_have_text(name)
        rect = next(p for p in layout["participants"] if p["peerId"] == peer)
        box = slot.bounding_box()
        for got, want in (
            (box["x"], rect["left"] * sx),
            (box["y"], rect["top"] * sy),
            (box["width"], rect["width"] * sx),
            (box["height"], rect["height"] * sy),
        ):
            assert abs(got - want) <= 2, (peer, box, rect)
        _wait_until(lambda p=peer: _frames_drawn(page, p) > 3, message=f"frames of {peer}")

    first = {peer: _slot_picture(page, peer) for peer in names}
    rates = _frame_rates(page, names)
    for peer in names:
        later = _slot_picture(page, peer)
        changed = int(np.count_nonzero(np.abs(later - first[peer]).max(axis=2) > 40))
        assert first[peer].std() > 20, f"{peer}'s slot is blank"
        assert changed >= 10, f"the picture in {peer}'s slot did not change ({changed} pixels)"
    # Liveness, not speed (bench/screen_bench.py measures the rate): a slot that stalls or falls to
    # a trickle fails; a busy 2-core test machine drawing 15 fps slots at 8-9 fps does not.
    assert min(rates.values()) >= min_fps, f"frames drawn per second: {rates}"


def _frame_rates(page, peers, window_ms: int = 1500, tries: int = 3) -> dict[str, float]:
    """Frames drawn per second in each slot over one window; a window slowed down by other
    processes on a busy test machine is measured again (up to `tries` windows, best kept)."""
    best: dict[str, float] = {}
    for _ in range(tries):
        counts, started = {peer: _frames_drawn(page, peer) for peer in peers}, time.monotonic()
        page.wait_for_timeout(window_ms)
        elapsed = time.monotonic() - started
        rates = {peer: (_frames_drawn(page, peer) - counts[peer]) / elapsed for peer in peers}
        if min(rates.values()) > min(best.values(), default=-1):
            best = rates
        if min(best.values()) >= 10:
            break
    return best


def test_dial_from_manager_answer_on_screen_and_hang_up(prosody, room_factory, context, api):  # noqa: F811
    (proc_a, api_a, id_a), (proc_b, api_b, id_b) = _start_rooms(prosody, room_factory, api)
    screen_a, screen_b = _open_screen(context, proc_a), _open_screen(context, proc_b)
    for screen in (screen_a, screen_b):
        expect(screen.locator('#matrix figure[data-peer="#self:0"]')).to_be_visible()
        expect(screen.locator("#matrix")).to_have_class("pip")

    # A's web manager in user mode (the administrator slot is the test's API client): dial B.
    manager = context.new_page()
    manager.goto(f"http://127.0.0.1:{proc_a.http_port}/#call")
    manager.select_option("#login-role", "user")
    manager.click("#unsecured")
    expect(manager.locator("body")).to_have_attribute("data-ready", "user")
    manager.fill("#dial-peer", id_b.split("@")[0])
    manager.click("#dial")
    expect(manager.locator("#call-state")).to_contain_text("Calling")
    expect(screen_a.locator("#banner")).to_be_visible()  # the room's own screen says it is calling
    expect(screen_a.locator("#banner-title")).to_have_text("Calling")
    expect(screen_a.locator("#banner .banner-actions")).to_be_hidden()

    # B's screen rings with A as the caller; a tap on Accept answers.
    banner = screen_b.locator("#banner")
    expect(banner).to_be_visible(timeout=10000)
    expect(banner.locator(".banner-caller")).to_contain_text(id_a.split("@")[0])
    banner.locator("button.accept").click()
    expect(banner).to_be_hidden()
    for screen in (screen_a, screen_b):
        expect(screen.locator("body")).to_have_class("screen in-call", timeout=15000)
    expect(manager.locator("#call-state")).to_contain_text("In a call", timeout=15000)
    api_a.wait_event("conferenceCreated", timeout=15)

    # Both screens draw both slots at their rectangles, with live remote frames and names.
    for screen, client, own, other in ((screen_a, api_a, NAMES[0], id_b), (screen_b, api_b, NAMES[1], id_a)):
        remote = screen.locator(f'#matrix figure[data-peer^="{other}/"]')
        expect(remote).to_have_count(1, timeout=10000)
        peer = remote.get_attribute("data-peer")
        layout = client.call("getVideoMatrix")
        dn = next(p["peerDn"] for p in layout["participants"] if p["peerId"] == peer)
        _check_live_slots(screen, layout, {peer: dn, "#self:0": own})
        expect(screen.locator("#matrix")).not_to_have_class("pip")

    # A layout change made in the manager is followed by A's screen at once.
    manager.select_option("#layout", "0")
    expect(screen_a.locator("#matrix figure")).to_have_count(1)
    _watch_comeback(screen_a, id_b)
    manager.select_option("#layout", "1")
    expect(screen_a.locator("#matrix figure")).to_have_count(2)
    # B's slot came back with its last picture already in it, not as a black box waiting for a frame
    comeback = screen_a.evaluate("window.comeback")
    assert comeback is not None and comeback["brightest"] > 60, comeback

    # B mutes its microphone and camera: A's screen marks B's slot, and unmarks it after unmute.
    b_on_a = screen_a.locator(f'#matrix figure[data-peer^="{id_b}/"] .mutes')
    assert api_b.call("setMicMute", mute=True)["result"] is True
    expect(b_on_a).to_contain_text("MIC OFF")
    assert api_b.call("setVideoMute", mute=True)["result"] is True
    expect(b_on_a).to_contain_text("CAM OFF")
    b_slot = screen_a.locator(f'#matrix figure[data-peer^="{id_b}/"]')
    expect(b_slot).to_have_class(re.compile(r"\bcam-off\b"))  # the frozen last picture is dimmed
    # a screen opened during the call reads the mutes back (getConferenceParticipants)
    screen_a.reload()
    expect(screen_a.locator("body")).to_have_attribute("data-ready", "1")
    expect(b_on_a).to_contain_text("MIC OFF")
    expect(b_on_a).to_contain_text("CAM OFF")
    expect(manager.locator(f'#call-people li[data-peer^="{id_b}/"]')).to_contain_text("mic muted")
    assert api_b.call("setMicMute", mute=False)["result"] is True
    assert api_b.call("setVideoMute", mute=False)["result"] is True
    expect(b_on_a).to_be_empty()
    expect(b_slot).not_to_have_class(re.compile(r"\bcam-off\b"))
    expect(manager.locator(f'#call-people li[data-peer^="{id_b}/"]')).to_contain_text("mic on")
    # and B's own screen marks its self view while the mic is off
    assert api_b.call("setMicMute", mute=True)["result"] is True
    expect(screen_b.locator('#matrix figure[data-peer="#self:0"] .mutes')).to_contain_text("MIC OFF")
    assert api_b.call("setMicMute", mute=False)["result"] is True

    # Hang up from A's manager: both screens go back to idle self view.
    manager.click("#hangup")
    for screen in (screen_a, screen_b):
        expect(screen.locator("body")).not_to_have_class("screen in-call", timeout=15000)
        expect(screen.locator("#matrix figure")).to_have_count(1, timeout=10000)
        expect(screen.locator("#matrix")).to_have_class("pip")
        expect(screen.locator("#w-user")).to_be_visible()
    expect(manager.locator("#call-state")).to_contain_text("No call", timeout=10000)
    for client in (api_a, api_b):
        _wait_until(lambda c=client: c.call("getAppState")["appState"] == 3, message="appState 3")
    for page in (manager, screen_a, screen_b):
        page.close()
