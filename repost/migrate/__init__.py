"""Migrating a backlog: importers, state, the report and the schedule."""
