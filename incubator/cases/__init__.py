"""Tolerance-for-failure cases (容错免责): filed, assessed against the three distinctions, decided by the cases
committee, recorded with a decision letter, appealed once, closed. Confidential: others get 404."""


def init_app(app):
    from incubator.cases import models  # noqa: F401 (register the tables)
