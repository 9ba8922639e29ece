"""The room's local media: devices, self-view capture, the frame store behind /frames/, tracks.

Entry point: `meetroom.media.manager.Media`, created by the Room as `room.media`. Imports stay
in the submodules so that importing the package costs nothing.
"""
