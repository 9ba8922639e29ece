"""`meetroom demo`: a server, this room and a scripted peer, ready for a first call."""
