"""Tolerance-for-failure cases (容错免责): filed, assessed against the three distinctions, decided by the cases
committee, recorded with a decision letter, appealed once, closed. Confidential: others get 404."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from incubator.attachments.registry import register_owner
    from incubator.cases import models, notifications, permissions, sections, statistics_views, views  # noqa: F401
    from incubator.committees.registry import register_subject
    from incubator.projects.reviews.signals import review_stopped
    from incubator.projects.sections import register_section

    app.register_blueprint(views.bp)
    app.register_blueprint(statistics_views.bp)
    register_owner(models.Case, kind=models.SUBJECT_KIND, view_permission='case.view',
                   remove_permission='case.remove_evidence', is_locked=lambda case: case.is_decided,
                   on_download=sections.record_download)
    register_subject(models.SUBJECT_KIND, model=models.Case, view_permission='case.view', url=sections.case_path,
                     title=lambda case: case.number or f'#{case.id}', name=_l('Tolerance-for-failure case'),
                     outcomes=models.CaseOutcome)
    review_stopped.connect(sections.draft_case_from_review, weak=False)
    register_section('project', 'cases/_project_section.html', sections.project_section)
    register_section('review', 'cases/_review_section.html', sections.review_section)
