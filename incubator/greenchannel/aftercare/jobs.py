"""Scheduled work after green-channel decisions: the daily job that lets decisions take effect."""
from flask_babel import lazy_gettext as _l

from incubator.greenchannel.aftercare import notice
from incubator.scheduling.registry import daily, job


@job('greenchannel.take_effect', title=_l('Publish and enact green-channel decisions'),
     trigger={'trigger': 'cron', 'hour': 0, 'minute': 20}, period=daily,
     description=_l('Publish approved green-channel requests whose category needs a public notice, and let '
                    'each decision take effect once its notice is over with no objection awaiting review or '
                    'upheld.'))
def take_effect(period, now):
    return notice.take_effect_when_due(now)
