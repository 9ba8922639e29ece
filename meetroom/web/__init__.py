"""Network listeners: the WebSocket control API and the built-in HTTP server."""
