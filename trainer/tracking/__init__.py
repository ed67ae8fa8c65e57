"""Tracking: assignments and due dates, the team matrix, a person's page, reminders, exports."""
