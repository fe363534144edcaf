"""The dashboard's filters: sent by GET, so they carry no CSRF token. A value that is not a choice is ignored."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from incubator.core.forms import BaseForm
from incubator.projects.dashboard import SHOW_AWAITING, SHOW_OVERDUE, SHOW_REVIEWS_DUE, DashboardFilters
from incubator.projects.health import Health
from incubator.projects.models import ProjectField
from incubator.startups.models import Tier


class DashboardFilterForm(BaseForm):
    class Meta:
        csrf = False

    site = SelectField(_l('Site'), default='')
    tier = SelectField(_l('Tier'), default='', choices=lambda: [('', _l('All tiers')), *Tier.choices()])
    field = SelectField(_l('Field'), default='', choices=lambda: [('', _l('All fields')), *ProjectField.choices()])
    manager = SelectField(_l('Manager'), default='')
    health = SelectField(_l('Health'), default='', choices=lambda: [('', _l('Any health')), *Health.choices()])
    show = SelectField(_l('Show'), default='', choices=lambda: [
        ('', _l('All projects')), (SHOW_OVERDUE, _l('With overdue milestones')),
        (SHOW_AWAITING, _l('With submissions awaiting a decision')),
        (SHOW_REVIEWS_DUE, _l('With a review due this week'))])

    def __init__(self, *args, sites=(), managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [('', _l('All sites')), *((str(site.id), site.name) for site in sites)]
        self.manager.choices = [('', _l('All managers')), *((str(user.id), user.name) for user in managers)]

    def filters(self):
        """The filters as asked, or none at all when one of them is not understood (the caller says so)."""
        if self.errors:
            return DashboardFilters()

        def chosen(field, convert):
            return convert(field.data) if field.data else None
        return DashboardFilters(site_id=chosen(self.site, int), tier=chosen(self.tier, Tier),
                                field=chosen(self.field, ProjectField), manager_id=chosen(self.manager, int),
                                health=chosen(self.health, Health), show=self.show.data or None)

    def arguments(self):
        """The valid filters as query arguments, for page, CSV and summary links."""
        if self.errors:
            return {}
        return {field.name: field.data for field in self if field.data}
