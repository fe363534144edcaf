"""Finding and booking spaces, my bookings, the approval queue, the waitlist."""
from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from incubator.booking import operations, queries
from incubator.booking.blueprint import bp
from incubator.booking.forms import (
    ApproveForm,
    BookingForm,
    CancelForm,
    DeclineForm,
    RestoreQuotaForm,
    SearchForm,
    WaitlistForm,
)
from incubator.booking.models import Booking, BookingSeries, BookingStatus, CancelScope, WaitlistEntry
from incubator.booking.operations import BookingRefused
from incubator.core.errors import DomainError, error_response
from incubator.core.formatting import hours, site_period, yuan
from incubator.core.forms import ConfirmForm
from incubator.core.pagination import page_number
from incubator.core.params import query_date
from incubator.core.permissions import get_or_404, permission_required, require, visible_or_404
from incubator.core.time import now_utc
from incubator.sites.queries import list_sites
from incubator.spaces.models import SpaceKind
from incubator.startups.models import Startup


def _space_or_404(space_id):
    space = queries.load_space(space_id)
    if space is None:
        abort(404)
    require(current_user, 'space.view', space)
    return space


def _local_today(zone):
    return now_utc().astimezone(zone).date()


def _monday(day):
    return day - timedelta(days=day.weekday())


# --- find ---------------------------------------------------------------------------------

@bp.route('/spaces/')
@login_required
def spaces():
    """Every space one may book, or (with a period) the free ones of a kind for N people."""
    sites = list_sites(active_only=True)
    form = SearchForm(request.args, sites=sites)
    searched = bool(request.args.get('day'))
    results = None
    if searched and form.validate():
        start_at, end_at = form.period(_zone_of_search(form, sites))
        kind = SpaceKind(form.kind.data) if form.kind.data else None
        results = queries.find_free_spaces(kind, form.people.data or 1, start_at, end_at, site_id=form.site.data)
    elif not searched:
        form.day.data = form.day.data or _local_today(_zone_of_search(form, sites))
    return render_template('booking/spaces.html', form=form, results=results, searched=searched,
                           all_spaces=None if searched else queries.bookable_spaces())


def _zone_of_search(form, sites):
    """Search times are read in the chosen site's timezone, else the first site's (usually all the same)."""
    from incubator.core.time import default_timezone
    chosen = next((site for site in sites if site.id == form.site.data), None)
    return chosen.zone if chosen else default_timezone()


@bp.route('/spaces/<int:space_id>')
@login_required
def space(space_id):
    """The week calendar of a space; on a phone it shows one day of the week (``day``, else today or Monday)."""
    space = _space_or_404(space_id)
    today = _local_today(space.site.zone)
    day = query_date('day', None)
    first_day = _monday(day or query_date('week', today))
    if day is None:
        day = today if first_day <= today < first_day + timedelta(days=7) else first_day
    grid = queries.week_grid(space, first_day, now_utc(), viewer=current_user)
    return render_template('booking/space.html', space=space, grid=grid, first_day=first_day,
                           previous_week=first_day - timedelta(days=7), next_week=first_day + timedelta(days=7),
                           this_week=_monday(today), day=day, day_index=(day - first_day).days,
                           previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1))


# --- book -----------------------------------------------------------------------------------

@bp.route('/spaces/<int:space_id>/book', methods=['GET', 'POST'])
@login_required
def create(space_id):
    space = _space_or_404(space_id)
    require(current_user, 'space.book', space)
    startups = queries.startups_user_books_for(current_user)
    form = BookingForm(startups=startups)
    if request.method == 'GET':
        _prefill(form, space, request.args)
    preview = None
    status = 200
    if form.validate_on_submit():
        startup = next(startup for startup in startups if startup.id == form.startup.data)
        start_at, end_at = form.period(space.site.zone)
        recurrence = form.recurrence_value
        now = now_utc()
        if form.confirm.data:
            try:
                if recurrence is None:
                    booking = operations.create_booking(current_user, space, startup, start_at, end_at,
                                                        seats=form.seats.data, purpose=form.purpose.data, now=now)
                    when = site_period(booking.start_at, booking.end_at, space.site.zone)
                    if booking.status == BookingStatus.awaiting_payment:
                        flash(_('Held for you: pay now to confirm the booking.'), 'warning')
                    elif booking.status == BookingStatus.pending:
                        flash(_('Requested: %(space)s, %(when)s. A manager will approve or decline it, and you '
                                'will be told.', space=space.name, when=when), 'info')
                    else:
                        flash(_('Booked: %(space)s, %(when)s.', space=space.name, when=when), 'success')
                    return redirect(url_for('booking.show', booking_id=booking.id))
                bookings = operations.book_series(current_user, space, startup, start_at, end_at, recurrence,
                                                  count=form.count.data, until=form.until.data,
                                                  seats=form.seats.data, purpose=form.purpose.data, now=now)
                if bookings[0].status == BookingStatus.pending:
                    flash(ngettext('Requested %(num)d occurrence of %(space)s. A manager will approve or decline '
                                   'it, and you will be told.',
                                   'Requested %(num)d occurrences of %(space)s. A manager will approve or decline '
                                   'them, and you will be told.', len(bookings), space=space.name), 'info')
                else:
                    flash(ngettext('Booked %(num)d occurrence of %(space)s.',
                                   'Booked %(num)d occurrences of %(space)s.', len(bookings), space=space.name),
                          'success')
                unpaid = [booking for booking in bookings if booking.status == BookingStatus.awaiting_payment]
                if unpaid:
                    flash(_('Held for you: pay now to confirm the booking.'), 'warning')
                    return redirect(url_for('booking.show', booking_id=unpaid[0].id))
                return redirect(url_for('booking.mine'))
            except BookingRefused as refused:
                form.form_errors.extend(str(problem) for problem in refused.problems)
                status = refused.status_code
            except DomainError as error:
                form.form_errors.append(str(error))
                status = error.status_code
        # A single booking just refused: its reasons are the whole preview (checking the slot again would only
        # repeat them). A series shows which of its occurrences are still free.
        times = [] if status != 200 and recurrence is None else queries.occurrence_times(
            space, start_at, end_at, recurrence, count=form.count.data, until=form.until.data)
        if len(times) > operations.MAX_OCCURRENCES:
            form.form_errors.append(_('A recurring booking has at most %(count)d occurrences.',
                                      count=operations.MAX_OCCURRENCES))
        elif times:
            preview = queries.preview_occurrences(space, startup, current_user, times, form.seats.data, now)
        form.confirm.data = ''
    # A refused confirmation answers with its error's status (409 for a slot taken meanwhile), so a client or
    # a load test tells it from a preview; the page is the same form with the reasons.
    return render_template('booking/form.html', space=space, form=form, preview=preview, startups=startups,
                           suspensions=queries.open_suspensions([startup.id for startup in startups])), status


def _prefill(form, space, args):
    """From a calendar slot or a search result: ``day``, ``start``, ``end`` (and ``seats``)."""
    day = query_date('day', _local_today(space.site.zone))
    form.day.data = day
    for name in ('start', 'end'):
        try:
            getattr(form, name).data = time.fromisoformat(args.get(name, ''))
        except ValueError:
            pass
    if form.start.data and not form.end.data:
        end = (datetime.combine(day, form.start.data) + timedelta(minutes=max(60, space.min_booking_minutes)))
        form.end.data = end.time()
    if args.get('seats', '').isdigit():
        form.seats.data = int(args['seats'])


@bp.route('/spaces/<int:space_id>/waitlist', methods=['POST'])
@login_required
def join_waitlist(space_id):
    space = _space_or_404(space_id)
    require(current_user, 'space.book', space)
    startups = queries.startups_user_books_for(current_user)
    form = WaitlistForm(startups=startups)
    if not form.validate_on_submit():
        flash(_('The waitlist request was incomplete; please try again.'), 'danger')
        return redirect(url_for('booking.create', space_id=space.id))
    startup = next(startup for startup in startups if startup.id == form.startup.data)
    start_at, end_at = form.period(space.site.zone)
    try:
        operations.join_waitlist(current_user, space, startup, start_at, end_at, seats=form.seats.data)
    except DomainError as error:
        flash(str(error), 'danger')
        return redirect(url_for('booking.space', space_id=space.id, week=form.day.data.isoformat()))
    flash(_('You are on the waitlist. We will tell you if this time becomes free.'), 'success')
    return redirect(url_for('booking.mine'))


@bp.route('/waitlist/<int:entry_id>/leave', methods=['POST'])
@login_required
def leave_waitlist(entry_id):
    entry = get_or_404(WaitlistEntry, entry_id, 'waitlist_entry.manage')
    if ConfirmForm().validate_on_submit():
        try:
            operations.leave_waitlist(current_user, entry)
            flash(_('You have left the waitlist.'), 'success')
        except DomainError as error:
            flash(str(error), 'danger')
    return redirect(url_for('booking.mine'))


# --- my bookings, one booking ---------------------------------------------------------------

@bp.route('/bookings/')
@login_required
def mine():
    now, past = now_utc(), _wants_past()
    return render_template('booking/mine.html', past=past,
                           bookings=queries.bookings_of_user(current_user, now, past, page_number()),
                           waitlist=queries.waitlist_of_user(current_user, now),
                           owned=[m.startup for m in current_user.memberships if m.role.value == 'owner'],
                           now=now, confirm_form=ConfirmForm())


def _wants_past():
    """Booking lists show upcoming bookings, or past ones with ``?when=past``."""
    return request.args.get('when') == 'past'


@bp.route('/bookings/<int:booking_id>')
@login_required
def show(booking_id):
    booking = queries.booking_with_details(booking_id)
    if booking is None:
        abort(404)
    require(current_user, 'booking.view', booking)
    return render_template('booking/show.html', booking=booking, now=now_utc(), confirm_form=ConfirmForm(),
                           decline_form=DeclineForm(), cancel_form=CancelForm())


@bp.route('/bookings/series/<int:series_id>')
@login_required
def series(series_id):
    """The occurrences of a recurring booking, each cancellable, and all still to come at once."""
    series = get_or_404(BookingSeries, series_id, 'booking_series.view',
                        options=[joinedload(BookingSeries.space), joinedload(BookingSeries.startup)])
    now = now_utc()
    bookings = queries.bookings_of_series(series)
    upcoming = [booking for booking in bookings if booking.is_active and booking.end_at > now]
    return render_template('booking/series.html', series=series, bookings=bookings, upcoming=upcoming, now=now,
                           confirm_form=ConfirmForm(), cancel_form=CancelForm())


@bp.route('/bookings/<int:booking_id>/cancel', methods=['POST'])
@login_required
def cancel(booking_id):
    booking = get_or_404(Booking, booking_id, 'booking.cancel')
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_('The cancellation request was incomplete; please try again.'), 'danger')
        return redirect(_back(url_for('booking.show', booking_id=booking.id)))
    try:
        cancellation = operations.cancel_booking(current_user, booking, restore_quota=form.restore_quota.data == '1',
                                                 scope=CancelScope(form.scope.data))
    except DomainError as error:
        flash(str(error), 'danger')
    else:
        _flash_cancellation(cancellation)
    return redirect(_back(url_for('booking.show', booking_id=booking.id)))


def _flash_cancellation(cancellation):
    """Say what the cancellation really did: free hours back only when some were used, a refund only when paid."""
    count = len(cancellation.bookings)
    message = (_('The booking is cancelled.') if count == 1 else
               ngettext('%(num)d booking is cancelled.', '%(num)d bookings are cancelled.', count))
    if cancellation.free_minutes_given_back:
        message = _('%(sentence)s %(next)s', sentence=message, next=_(
            'Free hours given back: %(hours)s h.', hours=hours(cancellation.free_minutes_given_back)))
    if cancellation.free_minutes_kept:
        message = _('%(sentence)s %(next)s', sentence=message, next=_(
            'Past the cancellation cutoff, the free hours stay used: %(hours)s h.',
            hours=hours(cancellation.free_minutes_kept)))
    flash(message, 'warning' if cancellation.free_minutes_kept else 'success')
    if cancellation.refunded_fen:
        flash(_('%(amount)s will be refunded to the card or account it was paid with.',
                amount=yuan(cancellation.refunded_fen)), 'info')


@bp.route('/bookings/<int:booking_id>/check-in', methods=['POST'])
@login_required
def check_in(booking_id):
    booking = get_or_404(Booking, booking_id, 'booking.check_in')
    if ConfirmForm().validate_on_submit():
        try:
            operations.check_in(current_user, booking)
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('Checked in. Welcome!'), 'success')
    return redirect(_back(url_for('booking.show', booking_id=booking.id)))


def _back(default):
    from incubator.core.forms import safe_next_path
    return safe_next_path(request.form.get('next')) or default


# --- the approval queue ---------------------------------------------------------------------

@bp.route('/bookings/approvals')
@permission_required('bookings.approve')
def approvals():
    return render_template('booking/approvals.html', requests=queries.pending_requests(page_number()))


@bp.route('/bookings/<int:booking_id>/approve', methods=['POST'])
@permission_required('bookings.approve')
def approve(booking_id):
    booking = get_or_404(Booking, booking_id)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            approved = operations.approve_booking(current_user, booking, with_series=bool(form.with_series.data))
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('Booking approved; the booker has been told.') if len(approved) == 1 else
                  _('%(count)d bookings approved; the booker has been told.', count=len(approved)), 'success')
    return redirect(url_for('booking.approvals'))


@bp.route('/bookings/<int:booking_id>/decline', methods=['POST'])
@permission_required('bookings.approve')
def decline(booking_id):
    booking = get_or_404(Booking, booking_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_('Give the booker a reason for declining.'), 'danger')
        return redirect(url_for('booking.approvals'))
    try:
        declined = operations.decline_booking(current_user, booking, form.reason.data,
                                              with_series=bool(form.with_series.data))
    except DomainError as error:
        flash(str(error), 'danger')
    else:
        flash(_('Booking declined; the booker has been told why.') if len(declined) == 1 else
              _('%(count)d bookings declined; the booker has been told why.', count=len(declined)), 'success')
    return redirect(url_for('booking.approvals'))


@bp.route('/startups/<int:startup_id>/bookings')
@login_required
def startup_bookings(startup_id):
    startup, header = _startup_header(startup_id)
    now, past = now_utc(), _wants_past()
    return render_template('booking/startup.html', past=past,
                           bookings=queries.bookings_of_startup(startup, now, past, page_number()),
                           now=now, confirm_form=ConfirmForm(), **header)


@bp.route('/startups/<int:startup_id>/free-hours')
@login_required
def startup_ledger(startup_id):
    """The quota ledger, a year at a time: free hours used of the allowance, paid hours and charges per month."""
    startup, header = _startup_header(startup_id)
    this_year = now_utc().astimezone(startup.site.zone).year
    # Bookings lie at most two years ahead (the longest horizon).
    years = range(min(startup.admitted_on.year, this_year), this_year + 3)
    year = request.args.get('year', type=int)
    year = year if year in years else this_year
    return render_template('booking/ledger.html', year=year, years=years,
                           ledger=queries.quota_ledger(startup, year, header['suspension']),
                           kind_labels=SpaceKind.translated_labels(), **header)


def _startup_header(startup_id):
    """The startup, and what ``booking/_startup_header.html`` shows above both of its booking pages."""
    startup, no_shows, suspension = queries.startup_with_header(startup_id)
    visible_or_404(startup, 'startup.view_bookings')
    return startup, {'startup': startup, 'no_shows': no_shows, 'suspension': suspension,
                     'restore_form': RestoreQuotaForm()}


@bp.route('/startups/<int:startup_id>/free-hours/restore', methods=['POST'])
@login_required
def restore_free_quota(startup_id):
    """Give a startup whose free quota a review suspended its free hours back (managers, administrators)."""
    startup = get_or_404(Startup, startup_id, 'startup.view_bookings')
    require(current_user, 'startup.restore_free_quota', startup)
    form = RestoreQuotaForm()
    if not form.validate_on_submit():
        return error_response(400, next(iter(form.errors.values()))[0] if form.errors else None)
    operations.restore_free_quota(startup, user=current_user, note=form.note.data)
    flash(_('The free booking hours of %(name)s are restored; its owners have been told.', name=startup.name),
          'success')
    return redirect(_back(url_for('booking.startup_ledger', startup_id=startup.id)))
