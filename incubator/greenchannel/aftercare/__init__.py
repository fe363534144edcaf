"""What follows a green-channel decision: the public notice with its objections, fulfilment of what was granted,
and the dashboards and figures of the programme (README "Green-channel requests: after the decision")."""


def init_app(app):
    from incubator.greenchannel.aftercare import jobs, notifications, permissions  # noqa: F401 (register them)
    from incubator.greenchannel.aftercare.views import bp, public
    app.register_blueprint(bp)
    app.register_blueprint(public)
