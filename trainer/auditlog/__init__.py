"""The audit log read on the web: filters and CSV export (compliance and admin)."""
