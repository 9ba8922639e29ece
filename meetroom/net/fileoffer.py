"""File offers on the wire: what a sender puts in its message and what a receiver reads back.

An offer is a chat message whose body is the download URL, with XEP-0066 out-of-band data (so
any XMPP client shows and fetches it), a XEP-0184 receipt request, and meetroom's own
`<offer xmlns='urn:meetroom:file:0'>` carrying the request id, name, size and a XEP-0300
sha-256 hash. Other clients send only the URL; such an offer has no size or hash.
The offer is not archived (a hint), so an offline receiver bounces it.
The receiver answers a meetroom sender with `<answer id action/>` in the same namespace.
No I/O here: building and reading elements, and the rule for which URLs a room will fetch.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from meetroom.store.files import clean_name

NS_FILE = "urn:meetroom:file:0"
NS_OOB = "jabber:x:oob"
NS_HASHES = "urn:xmpp:hashes:2"
NS_RECEIPTS = "urn:xmpp:receipts"
NS_HINTS = "urn:xmpp:hints"
MAX_URL = 2048
ANSWERS = ("accepted", "rejected", "received", "failed", "refused")


@dataclass(frozen=True)
class Offer:
    url: str
    name: str
    size: int | None  # None: the sender did not say (a plain out-of-band link)
    sha256: str  # hex; empty when the sender gave none
    offer_id: str  # the sender's request id; empty for plain links
    meetroom: bool


@dataclass(frozen=True)
class Answer:
    offer_id: str
    action: str
    reason: str


def _hex_to_b64(digest_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(digest_hex)).decode()


def _b64_to_hex(text: str) -> str:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.hex() if len(raw) == 32 else ""


def offer_elements(offer: Offer, *, receipt: bool = True) -> list[ET.Element]:
    """The children of an offer message besides its body (no receipt request in a conference)."""
    mine = ET.Element(f"{{{NS_FILE}}}offer", {"id": offer.offer_id, "name": offer.name, "size": str(offer.size or 0)})
    if offer.sha256:
        digest = ET.SubElement(mine, f"{{{NS_HASHES}}}hash", {"algo": "sha-256"})
        digest.text = _hex_to_b64(offer.sha256)
    oob = ET.Element(f"{{{NS_OOB}}}x")
    ET.SubElement(oob, f"{{{NS_OOB}}}url").text = offer.url
    ET.SubElement(oob, f"{{{NS_OOB}}}desc").text = offer.name
    # not archived: an offer is for the receiver online now; a server that keeps messages for
    # offline accounts would swallow it instead of bouncing it, and the sender would never know
    no_store = ET.Element(f"{{{NS_HINTS}}}no-store")
    if not receipt:
        return [mine, oob]
    return [mine, oob, ET.Element(f"{{{NS_RECEIPTS}}}request"), no_store]


def name_from_url(url: str) -> str:
    path = urlsplit(url).path
    return clean_name(unquote(path.rstrip("/").rsplit("/", 1)[-1]))


def read_offer(message: ET.Element) -> Offer | None:
    """The offer a message carries, or None when it carries none (or a malformed one)."""
    oob = message.find(f"{{{NS_OOB}}}x")
    url = (oob.findtext(f"{{{NS_OOB}}}url") or "").strip() if oob is not None else ""
    if not url or len(url) > MAX_URL:
        return None
    mine = message.find(f"{{{NS_FILE}}}offer")
    if mine is None:
        return Offer(url, name_from_url(url), None, "", "", meetroom=False)
    size_text = mine.get("size", "")
    if not size_text.isdigit() or len(size_text) > 15:
        return None
    sha = ""
    for digest in mine.findall(f"{{{NS_HASHES}}}hash"):
        if digest.get("algo") == "sha-256":
            sha = _b64_to_hex(digest.text or "")
            if not sha:
                return None
    offer_id = mine.get("id", "")[:64]
    return Offer(url, clean_name(mine.get("name") or name_from_url(url)), int(size_text), sha, offer_id, True)


def answer_element(offer_id: str, action: str, reason: str = "") -> ET.Element:
    attrs = {"id": offer_id, "action": action}
    if reason:
        attrs["reason"] = reason[:300]
    return ET.Element(f"{{{NS_FILE}}}answer", attrs)


def read_answer(message: ET.Element) -> Answer | None:
    el = message.find(f"{{{NS_FILE}}}answer")
    if el is None or el.get("action") not in ANSWERS or not el.get("id"):
        return None
    return Answer(el.get("id", ""), el.get("action", ""), el.get("reason", ""))


def receipt_for(message: ET.Element) -> str:
    """The id a XEP-0184 receipt confirms, or empty when the message is no receipt."""
    el = message.find(f"{{{NS_RECEIPTS}}}received")
    return el.get("id", "") if el is not None else ""


def wants_receipt(message: ET.Element) -> bool:
    return message.find(f"{{{NS_RECEIPTS}}}request") is not None


def receipt_element(message_id: str) -> ET.Element:
    return ET.Element(f"{{{NS_RECEIPTS}}}received", {"id": message_id})


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL; None when it is no such URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def service_prefix(url: str) -> str:
    """The path of an upload slot's URL up to the slot itself (Prosody: /file_share/)."""
    path = urlsplit(url).path
    parts = path.split("/")
    return "/".join(parts[:-2]) + "/" if len(parts) >= 3 else "/"


def refusal(url: str, service_url: str) -> str:
    """Why a room will not fetch `url`, given a slot URL of its own server's upload service
    (`service_url`); empty when the URL belongs to that service."""
    origin = origin_of(url)
    if origin is None:
        return "the offer's URL is not an http(s) address"
    if not service_url:
        return "this room's server offers no upload service to check the offer's URL against"
    if origin != origin_of(service_url):
        return "the offer's URL points elsewhere than the server's upload service"
    path = urlsplit(url).path
    if not path.startswith(service_prefix(service_url)) or "/../" in path or path.endswith("/.."):
        return "the offer's URL is outside the server's upload service"
    return ""
