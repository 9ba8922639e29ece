"""Files from the web manager: room A's page sends two files to room B; B's page accepts one and
rejects the other; both pages show the transfer history, and B's received file is A's bytes."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import quote

from playwright.sync_api import expect

from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)
from tests.support.netroom import online
from tests.support.prosody import new_account, prosody  # noqa: F401  (fixture)


def _room(prosody, room_factory, api, name):  # noqa: F811
    account, password = new_account(prosody, "wf")
    proc = room_factory(name=name)
    client = api(proc)  # administrator, unsecured on loopback
    client.loop.run(online(client.client, prosody, account, password), timeout=40)
    return proc, client, f"{account}@localhost"


def _manager(context, proc):  # noqa: F811
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{proc.http_port}/#files")
    page.select_option("#login-role", "user")  # the administrator slot is the test's API client
    page.click("#unsecured")
    expect(page.locator("body")).to_have_attribute("data-ready", "user")
    return page


def test_send_accept_and_reject_files_from_the_web_manager(prosody, room_factory, api, context):  # noqa: F811
    proc_a, client_a, _id_a = _room(prosody, room_factory, api, "alpha")
    proc_b, client_b, id_b = _room(prosody, room_factory, api, "bravo")
    page_a, page_b = _manager(context, proc_a), _manager(context, proc_b)
    expect(page_a.locator("#ft-availability")).to_have_text("")  # 3: available, no warning

    # from the Call section: B in A's address book, its "Send file" opens Files with B as the receiver
    assert client_a.call("addToAbook", peerId=id_b)["result"] is True
    page_a.click("#nav-call")
    page_a.locator("#abook .row", has_text=id_b.split("@")[0]).get_by_role("button", name="Send file").click()
    expect(page_a.locator("#sec-files")).to_be_visible()
    expect(page_a.locator("#ft-peer")).to_have_value(id_b)
    data = os.urandom(150_000)
    page_a.set_input_files("#ft-file", files=[{"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": data}])
    page_a.click("#ft-send")
    waiting = page_b.locator("#ft-incoming li", has_text="agenda.pdf")
    expect(waiting).to_have_attribute("data-status", "1", timeout=15000)
    waiting.get_by_role("button", name="Accept").click()
    expect(page_b.locator("#ft-history li", has_text="agenda.pdf")).to_contain_text("received", timeout=15000)
    expect(page_a.locator("#ft-history li", has_text="agenda.pdf")).to_contain_text("sent", timeout=15000)

    received = [f for f in client_b.call("getFileList")["fileList"] if f["fileName"] == "agenda.pdf"]
    assert len(received) == 1
    token = client_b.call("getTokenForHttpServer")["token"]
    response = page_b.request.get(
        f"http://127.0.0.1:{proc_b.http_port}/files/{received[0]['fileId']}?token={quote(token)}"
    )
    assert hashlib.sha256(response.body()).hexdigest() == hashlib.sha256(data).hexdigest()

    page_a.set_input_files(
        "#ft-file", files=[{"name": "unwanted.bin", "mimeType": "application/octet-stream", "buffer": b"no" * 500}]
    )
    page_a.click("#ft-send")
    unwanted = page_b.locator("#ft-incoming li", has_text="unwanted.bin")
    expect(unwanted).to_have_attribute("data-status", "1", timeout=15000)
    unwanted.get_by_role("button", name="Reject").click()
    expect(unwanted).to_contain_text("rejected")
    expect(page_b.locator("#ft-history li", has_text="unwanted.bin")).to_have_count(0)
    assert not [f for f in client_b.call("getFileList")["fileList"] if f["fileName"] == "unwanted.bin"]

    # a send the room refuses shows its reason beside the button
    page_a.fill("#ft-peer", "")
    page_a.click("#ft-send")
    expect(page_a.locator("#sec-files .card").first.locator(".row > .error")).to_contain_text("whom to send")
