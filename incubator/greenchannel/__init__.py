"""Green-channel resource requests: one window that checks and routes, departments reviewing in parallel,
working-day clocks that pause and escalate, and the committee's decision (README "Green-channel requests")."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from incubator.attachments.registry import register_owner
    from incubator.committees.registry import register_subject
    from incubator.greenchannel import jobs, models, notifications, permissions, views  # noqa: F401 (register them)
    from incubator.notifications.operations import link_to
    app.register_blueprint(views.bp)
    register_owner(models.GreenRequest, kind=models.SUBJECT_KIND, view_permission='green_request.view',
                   remove_permission='green_request.edit', is_locked=_request_locked)
    register_owner(models.DepartmentReview, kind='green_review', view_permission='green_review.view',
                   is_locked=lambda review: review.is_done)
    register_subject(models.SUBJECT_KIND, model=models.GreenRequest, view_permission='green_request.view',
                     url=lambda request: link_to('greenchannel.show', green_request_id=request.id),
                     title=lambda request: f'{request.reference} {request.startup.name}',
                     name=_l('Green-channel request'), outcomes=models.Outcome, reference=models.reference_of)


def _request_locked(request):
    """The startup's files stay once the window has the request, except while it is returned to them."""
    from incubator.greenchannel.models import RequestState
    return request.state not in (RequestState.draft, RequestState.returned)
