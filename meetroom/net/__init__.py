"""The conferencing network behind a small interface; the adapter speaks XMPP (slixmpp)."""
