"""Calendar feeds: a user's bookings as a secret iCalendar URL that calendar apps subscribe to."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.booking import operations
from incubator.booking.blueprint import bp
from incubator.booking.feed import feed_bookings, feed_owner, render_feed
from incubator.booking.queries import calendar_feed_of
from incubator.core.forms import ConfirmForm
from incubator.core.time import now_utc


@bp.route('/bookings/calendar-feed')
@login_required
def calendar_feed():
    return render_template('booking/calendar_feed.html', feed=calendar_feed_of(current_user),
                           confirm_form=ConfirmForm(), feed_url=None)


@bp.route('/bookings/calendar-feed/renew', methods=['POST'])
@login_required
def renew_calendar_feed():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for('booking.calendar_feed'))
    token = operations.renew_calendar_feed(current_user)
    # The URL is shown on this one answer and never again: it is not kept in the (readable) session cookie.
    response = Response(render_template(
        'booking/calendar_feed.html', feed=calendar_feed_of(current_user), confirm_form=form,
        feed_url=url_for('booking.calendar_feed_ics', token=token, _external=True)))
    response.headers['Cache-Control'] = 'no-store'
    return response


@bp.route('/bookings/calendar-feed/revoke', methods=['POST'])
@login_required
def revoke_calendar_feed():
    if ConfirmForm().validate_on_submit():
        operations.revoke_calendar_feed(current_user)
        flash(_('Your calendar feed has been turned off; calendar apps can no longer read it.'), 'info')
    return redirect(url_for('booking.calendar_feed'))


@bp.route('/calendar/<token>.ics')
def calendar_feed_ics(token):
    """No login: the token is the credential. Unknown, renewed or revoked tokens are not found."""
    user = feed_owner(token)
    if user is None:
        abort(404)
    now = now_utc()
    body = render_feed(user, feed_bookings(user, now), _host(), now,
                       link=lambda booking: url_for('booking.show', booking_id=booking.id, _external=True),
                       default_locale=current_app.config['BABEL_DEFAULT_LOCALE'])
    return Response(body, mimetype='text/calendar', headers={
        'Cache-Control': 'private, max-age=300',
        'Content-Disposition': 'inline; filename="wutong-bookings.ics"',
    })


def _host():
    """The host in event UIDs: the configured server name, so UIDs stay the same whatever address was used."""
    return (current_app.config.get('SERVER_NAME') or request.host).split(':')[0]
