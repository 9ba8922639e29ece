"""Running the room as a systemd service: readiness and watchdog notifications, the unit, its installation."""
