"""Projects: the startup's members read them, its owners and the managers run them, the committee reads all.

A project, its milestones and submissions answer 404 to anyone else (another startup's members).
"""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role, is_staff
from incubator.core.permissions import hidden_unless, rule
from incubator.projects.models import MilestoneState, ProjectRole
from incubator.startups.permissions import is_owner


def role_in(user, project):
    """What ``user`` is to ``project``, as the transition tables name it; None if nothing.

    Staff roles come first: an administrator who also belongs to the startup decides as an administrator.
    """
    if user is None or not getattr(user, 'is_authenticated', False):
        return None
    if user.has_role(Role.admin):
        return ProjectRole.admin
    if user.has_role(Role.manager):
        return ProjectRole.manager
    membership = project.startup.membership_of(user)
    if membership is not None:
        return ProjectRole.owner if is_owner(user, project.startup) else ProjectRole.member
    if user.has_role(Role.committee):
        return ProjectRole.committee
    return None


@rule('projects.view_all')
def _view_all_projects(user, obj):
    return has_any_role(user, Role.admin, Role.manager, Role.committee)


@rule('startup.view_projects')
def _view_startup_projects(user, startup):
    return _view_all_projects(user, None) or startup.membership_of(user) is not None


@rule('startup.create_project')
def _create_project(user, startup):
    return is_staff(user) or is_owner(user, startup)


@rule('project.view')
def _view_project(user, project):
    return _view_startup_projects(user, project.startup)


@rule('project.edit')
def _edit_project(user, project):
    return is_staff(user) or is_owner(user, project.startup)


@rule('project.record_funding')
def _record_funding(user, project):
    return is_staff(user)


@rule('project.add_milestone')
def _add_milestone(user, project):
    return _edit_project(user, project)


@rule('milestone.view')
def _view_milestone(user, milestone):
    return _view_project(user, milestone.project)


@rule('milestone.edit')
def _edit_milestone(user, milestone):
    """Owners and managers edit what is still planned."""
    return milestone.state == MilestoneState.planned and _edit_project(user, milestone.project)


@rule('milestone.reschedule')
def _reschedule_milestone(user, milestone):
    return is_staff(user)


@rule('milestone.submit')
def _submit_progress(user, milestone):
    """The startup's members report progress (whether the milestone's state allows it is the operation's)."""
    return milestone.project.startup.membership_of(user) is not None


@rule('milestone.decide')
def _decide_milestone(user, milestone):
    return is_staff(user)


@rule('submission.view')
def _view_submission(user, submission):
    return _view_milestone(user, submission.milestone)


hidden_unless('Project', 'project.view')
hidden_unless('Milestone', 'milestone.view')
hidden_unless('ProgressSubmission', 'submission.view')


@rule('project.record_outcome')
def _record_outcome(user, project):
    """The outcome of a progress review: managers and administrators."""
    return is_staff(user)


@rule('submission.remove_evidence')
def _remove_evidence(user, submission):
    """The startup's members, while the submission is undecided (attachments asks whether it is locked)."""
    return _submit_progress(user, submission.milestone)


@rule('projects.dashboard')
def _see_dashboard(user, obj):
    """The managers' dashboard of every project, and its CSV export."""
    return is_staff(user)


@rule('projects.committee')
def _see_committee_view(user, obj):
    """The committee's read-only view of every project and its review outcomes (staff see it too)."""
    return _view_all_projects(user, obj)
