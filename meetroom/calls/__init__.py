"""One-to-one calls between rooms: JMI/Jingle signalling over XMPP, aiortc media, call history.

Design and the mapping of API ↔ XMPP: docs/calls.md. The decisions are a sans-I/O state machine
(machine/); `CallManager` (manager.py) is its asyncio driver and the entry point the room holds
as `room.calls`; commands/calls.py only talks to it.
"""
