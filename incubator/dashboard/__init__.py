"""The home page's dashboard."""


def init_app(app):
    from incubator.dashboard.views import bp
    app.register_blueprint(bp)
