"""SQLite persistence, one database file per room instance."""
