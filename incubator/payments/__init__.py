"""Payments for priced bookings: Stripe Checkout, webhooks, refunds, and payments recorded on site."""
