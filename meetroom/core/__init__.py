"""The room's state, free of I/O."""
