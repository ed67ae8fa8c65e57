"""Pure-Python domain logic: content loading, validation and rendering (no Flask, no database)."""
