"""HTTP helpers for the frames and files tests: plain aiohttp requests against a real room."""

from __future__ import annotations

import asyncio
import io
from typing import Any
from urllib.parse import quote

import aiohttp
import numpy as np
from PIL import Image

SELF_PEER = "%23self%3A0"
TIMEOUT = aiohttp.ClientTimeout(total=15)


def frames_url(port: int, token: str | None, peer: str = SELF_PEER, extra: str = "&hash=0.5") -> str:
    query = f"peerId={peer}"
    if token is not None:
        query += f"&token={quote(token)}"
    return f"http://127.0.0.1:{port}/frames/?{query}{extra}"


async def get(url: str) -> tuple[int, bytes, Any]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url) as resp:
        return resp.status, await resp.read(), resp.headers


async def frame_status(port: int, token: str | None) -> int:
    """The status /frames/ answers for the self view with this token (None: no token at all)."""
    status, _, _ = await get(frames_url(port, token, extra=""))
    return status


async def token_expired(port: int, token: str, within: float = 5.0) -> bool:
    """Polls until the room refuses the token: the expiry is the event awaited, within a bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await frame_status(port, token) == 401:
            return True
        await asyncio.sleep(0.05)
    return False


async def self_frame(port: int, token: str) -> np.ndarray:
    """The current self-view frame, decoded (fails the test unless it is a JPEG)."""
    status, body, headers = await get(frames_url(port, token))
    assert status == 200, body
    assert headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(body))
    assert image.format == "JPEG"
    return np.asarray(image.convert("RGB"))


async def upload(
    port: int, token: str | None, data: bytes, name: str = "picture.png", field: str = "file"
) -> tuple[int, str, Any]:
    form = aiohttp.FormData()
    form.add_field(field, data, filename=name, content_type="application/octet-stream")
    url = f"http://127.0.0.1:{port}/files/"
    if token is not None:
        url += f"?token={quote(token)}"
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.post(url, data=form) as resp:
        return resp.status, await resp.text(), resp.headers


def png_bytes(width: int = 320, height: int = 180, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def small(frame: np.ndarray, size: tuple[int, int] = (64, 36)) -> np.ndarray:
    """A frame shrunk for comparing pictures while ignoring JPEG noise."""
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX), dtype=np.float64)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two same-size pictures, 0..255."""
    return float(np.mean(np.abs(small(a) - small(b))))
