"""The payment operations booking calls. Payments sits above booking, so it registers them here from its init_app.

Without payments registered, priced bookings are paid on site and a cancellation refunds nothing.
"""


class PaymentPort:
    """Forwards to the registered payment operations (a module or object with the same four functions)."""

    operations = None

    def online_payment_enabled(self):
        return self.operations is not None and self.operations.online_payment_enabled()

    def payment_hold(self):
        """How long a priced booking is held while its booker pays online."""
        return self.operations.payment_hold()

    def cancel_unpaid(self, actor, booking, now):
        """A cancelled booking's open payment is dropped if nothing else needs it."""
        if self.operations is not None:
            self.operations.cancel_unpaid(actor, booking, now)

    def refund_for_cancellation(self, actor, booking, now):
        """The refund a cancellation gives by the space's policy, or None."""
        if self.operations is None:
            return None
        return self.operations.refund_for_cancellation(actor, booking, now)


payments = PaymentPort()


def register_payments(operations):
    payments.operations = operations
