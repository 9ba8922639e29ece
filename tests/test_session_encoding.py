"""The session writer survives text that cannot be sent as UTF-8 (in-process: no client can make the
room produce it, since lone surrogates are refused on input, but file names and peers can)."""

from __future__ import annotations

import json

from meetroom.api.session import Session


async def test_lone_surrogate_goes_out_as_a_json_escape_and_the_writer_keeps_going():
    sent: list[bytes] = []

    async def send_text(text: str) -> None:
        sent.append(text.encode("utf-8"))  # what aiohttp's send_str does first

    async def close(code: int, reason: str) -> None:
        raise AssertionError("the session must not be closed")

    session = Session("127.0.0.1", send_text, close)
    session.send({"method": "event", "event": "x", "name": "a\ud800b", "city": "Zürich"})
    session.send({"method": "getAppState", "result": True})
    await session.flush_and_stop()

    assert [json.loads(raw) for raw in sent] == [
        {"method": "event", "event": "x", "name": "a\ud800b", "city": "Zürich"},
        {"method": "getAppState", "result": True},
    ]
    assert "Zürich".encode() in sent[0]  # other text stays unescaped UTF-8
