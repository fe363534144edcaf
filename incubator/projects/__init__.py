"""Startup projects: fundings, milestones with KPI targets, progress submissions, manager decisions, health."""


def init_app(app):
    from incubator.attachments.registry import register_owner
    from incubator.projects import (  # noqa: F401 (register them; latest keeps the derived health inputs)
        dashboard_views,
        latest,
        models,
        notifications,
        permissions,
        views,
    )
    from incubator.projects.blueprint import bp
    from incubator.projects.cli import projects_cli
    app.register_blueprint(bp)
    app.cli.add_command(projects_cli)
    app.jinja_env.globals['page_sections'] = _page_sections
    register_owner(models.ProgressSubmission, kind='progress_submission', view_permission='submission.view',
                   remove_permission='submission.remove_evidence', is_locked=_evidence_locked)


def _page_sections(page, obj):
    """The sections higher domains add to the project and review pages, for the current user."""
    from flask_login import current_user

    from incubator.projects.sections import sections_for
    return sections_for(page, obj, current_user)


def _evidence_locked(submission):
    """Evidence stays once the submission is decided or its milestone accepted."""
    from incubator.projects.models import MilestoneState
    return submission.is_decided or submission.milestone.state == MilestoneState.accepted
