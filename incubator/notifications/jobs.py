"""Notification jobs."""
