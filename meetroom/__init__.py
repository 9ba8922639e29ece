"""meetroom: an open meeting-room video terminal speaking the VideoSDK/Room management API."""

__version__ = "0.1.0"
