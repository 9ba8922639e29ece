"""A minimal, lossless-enough SDP model for the Jingle translator.

aiortc's own parser keeps only what aiortc uses and drops the rest (for example a browser's
`a=extmap-allow-mixed` or `a=rtcp-fb:* ...`), so the translator reads SDP with this small parser
instead: lines are kept in order as `(type, value)` pairs, attributes as `(name, value | None)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SdpError(ValueError):
    """The text is not an SDP session description this translator can read."""


class _Attributes:
    """Attribute look-ups shared by the session level and each media section."""

    attributes: list[tuple[str, str | None]]

    def values(self, name: str) -> list[str]:
        """Values of every `a=name:value` line (an empty string for a bare `a=name`)."""
        return [value or "" for key, value in self.attributes if key == name]

    def first(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.attributes)


@dataclass
class Media(_Attributes):
    """One `m=` section: the media line plus its own lines and attributes, in order."""

    kind: str
    port: int
    proto: str
    formats: list[str]
    lines: list[tuple[str, str]] = field(default_factory=list)
    attributes: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class Session(_Attributes):
    """A whole session description: session-level lines/attributes and the media sections."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)


def _split_attribute(text: str) -> tuple[str, str | None]:
    name, sep, value = text.partition(":")
    return name, (value if sep else None)


def parse(text: str) -> Session:
    """Parse SDP text (CRLF or LF line ends); raise SdpError on anything malformed."""
    if not isinstance(text, str) or not text.strip():
        raise SdpError("empty session description")
    session = Session()
    current: Media | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"line {number} is not of the form x=value: {line[:40]!r}")
        kind, value = line[0], line[2:]
        if kind == "m":
            parts = value.split()
            if len(parts) < 3 or not parts[1].split("/")[0].isdigit():
                raise SdpError(f"line {number}: malformed media line {value[:60]!r}")
            current = Media(kind=parts[0], port=int(parts[1].split("/")[0]), proto=parts[2], formats=parts[3:])
            session.media.append(current)
        elif kind == "a":
            target = current if current is not None else session
            target.attributes.append(_split_attribute(value))
        else:
            target = current if current is not None else session
            target.lines.append((kind, value))
    if not session.media:
        raise SdpError("session description has no media section")
    return session


def serialize(session: Session) -> str:
    """Write SDP text with CRLF line ends, session part first, as WebRTC stacks expect."""
    out: list[str] = [f"{kind}={value}" for kind, value in session.lines]
    out += [_attribute_line(name, value) for name, value in session.attributes]
    for media in session.media:
        out.append(f"m={media.kind} {media.port} {media.proto} {' '.join(media.formats)}".rstrip())
        out += [f"{kind}={value}" for kind, value in media.lines]
        out += [_attribute_line(name, value) for name, value in media.attributes]
    return "\r\n".join(out) + "\r\n"


def _attribute_line(name: str, value: str | None) -> str:
    return f"a={name}" if value is None else f"a={name}:{value}"
