"""`meetroom dev-server`: a real Prosody for development and tests, set up in one directory."""
