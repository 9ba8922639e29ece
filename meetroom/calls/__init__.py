"""One-to-one calls between rooms: JMI/Jingle signalling over XMPP, aiortc media, call history.

Design and the mapping of API ↔ XMPP: docs/calls.md. `CallManager` (manager.py) is the entry
point the room holds as `room.calls`; commands/calls.py only talks to it.
"""
