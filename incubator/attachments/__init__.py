"""Evidence files shared by the domains: stored outside the web root under random names, typed by their bytes,
downloaded only by those who may see the record that owns them. Owners plug in with ``registry.register_owner``."""


def init_app(app):
    from incubator.attachments import jobs, models, storage, views  # noqa: F401 (register them)
    from incubator.attachments.views import bp
    app.register_blueprint(bp)
    storage.init_app(app)
    views.init_app(app)
