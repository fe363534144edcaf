"""Forms of progress reviews: the startup's self-assessment, the manager's ratings, findings and decision."""
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.widgets import HiddenInput

from incubator.core.forms import BaseForm, max_length, required
from incubator.projects.models import ReviewOutcome
from incubator.projects.reviews.models import KpiRatingLevel

MAX_TEXT = 10_000


class SelfAssessmentForm(BaseForm):
    self_assessment = TextAreaField(_l('How did the period go? What was achieved, what held you back?'),
                                    validators=[required(), max_length(MAX_TEXT)])


class KpiRatingForm(BaseForm):
    """One KPI's rating inside the decision form."""

    class Meta:
        csrf = False

    kpi_target_id = IntegerField(widget=HiddenInput(), validators=[required()])
    rating = SelectField(_l('Rating'), choices=lambda: [('', _l('Choose a rating'))] + KpiRatingLevel.choices(),
                         validators=[required()])
    comment = StringField(_l('Comment'), validators=[max_length(500)])


class ReviewDecisionForm(BaseForm):
    ratings = FieldList(FormField(KpiRatingForm), max_entries=500)
    findings = TextAreaField(_l('Findings'), validators=[required(), max_length(MAX_TEXT)])
    outcome = SelectField(_l('Decision'), choices=lambda: [('', _l('Choose a decision'))] + ReviewOutcome.choices(),
                          validators=[required()])

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not self.ratings.entries:      # a blank form (a sent one brings its own entries)
            while len(self.ratings) < len(targets):
                self.ratings.append_entry()
            for entry, target in zip(self.ratings, targets, strict=False):
                entry.kpi_target_id.data = target.id

    def rating_values(self):
        """``{kpi target id: (rating, comment)}``, for ``decide_review``."""
        return {entry.kpi_target_id.data: (entry.rating.data, entry.comment.data) for entry in self.ratings}
