"""Anonymised precedents written from decided cases: drafted and anonymised by a manager, reviewed by another,
then searched by managers and committee members when assessing new cases (issue #15, point 7)."""


def init_app(app):
    from incubator.cases.precedents import models, permissions  # noqa: F401 (register them)
    from incubator.cases.precedents.views import bp
    app.register_blueprint(bp)
