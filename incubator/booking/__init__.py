"""Space booking: spaces, availability, bookings, quotas, approvals, waitlists and calendar feeds."""
