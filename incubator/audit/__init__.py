"""Administrators browse and export the audit log."""
