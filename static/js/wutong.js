// A form marked data-confirm asks before it is sent (cancelling a booking, revoking a feed, …).
document.addEventListener('submit', function (event) {
  var message = event.target.getAttribute('data-confirm');
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// What a page has just worked out for the user (the booking preview) is brought into view: on a phone it sits
// below the form that asked for it.
window.addEventListener('load', function () {
  var shown = document.querySelector('[data-scroll-into-view]');
  if (shown) {
    // After the browser has put back the scroll position of the page the form was sent from.
    window.setTimeout(function () { shown.scrollIntoView({block: 'start'}); }, 0);
  }
});
