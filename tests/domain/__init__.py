"""Tests for the pure-Python domain package."""
