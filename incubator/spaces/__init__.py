"""Spaces: what can be booked at each site, its terms, blackouts, certifications and free quotas."""
