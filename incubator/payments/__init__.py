"""Payments for priced bookings: Stripe Checkout, webhooks, refunds, and payments recorded on site."""


def init_app(app):
    from incubator.booking.payment_port import register_payments
    from incubator.payments import (  # noqa: F401 (register them)
        gateway,
        jobs,
        models,
        notifications,
        operations,
        permissions,
        record_views,
        views,
    )
    from incubator.payments.blueprint import bp
    app.register_blueprint(bp)
    register_payments(operations)
    # The "Pay now" form is answered with a redirect to Stripe's checkout page, which form-action must allow.
    app.extensions.setdefault('wutong.form_action_sources', []).append(
        lambda: gateway.checkout_origin() if gateway.is_configured() else None)
