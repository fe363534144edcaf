"""Progress reviews: whoever sees the project sees its reviews (committee members too); the startup's members
answer the self-assessment; managers and administrators decide. Others get 404."""
from incubator.auth.permissions import is_staff
from incubator.core.permissions import can, hidden_unless, rule


@rule('review.view')
def _view_review(user, review):
    return can(user, 'project.view', review.project)


@rule('review.self_assess')
def _self_assess(user, review):
    """The startup's members (whether the state allows it is the operation's)."""
    return review.project.startup.membership_of(user) is not None


@rule('review.decide')
def _decide(user, review):
    return is_staff(user)


@rule('reviews.list_mine')
def _list_my_reviews(user, obj):
    """The "my reviews" list: the reviews a manager or administrator decides."""
    return is_staff(user)


hidden_unless('ProgressReview', 'review.view')
