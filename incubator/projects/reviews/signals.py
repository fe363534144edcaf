"""Signals of progress reviews, for domains above projects to react without being imported here."""
from blinker import Namespace

_signals = Namespace()

#: Sent after a review decided to stop its project (``sender`` is the ProgressReview, ``user`` who decided).
#: The tolerance-for-failure domain connects here to propose opening a case and to link it from the review.
review_stopped = _signals.signal('review-stopped')
