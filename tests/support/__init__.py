"""Test helpers: real room processes, free ports, schema checking."""
