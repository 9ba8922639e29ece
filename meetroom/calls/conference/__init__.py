"""Group conferences: a MUC room per conference, a sans-I/O machine, its driver and the media seam.

`ConferenceMachine.handle(input, now)` (machine.py) returns effects and never does I/O, like the
one-to-one CallMachine; `ConferenceManager` (manager.py) performs them with net/muc.py and a
`MediaTopology` (topology.py; today the Jingle mesh of mesh.py). docs/conferences.md has the map.
"""
