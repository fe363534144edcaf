// A form marked data-confirm asks before it is sent (cancelling a booking, revoking a feed, …).
document.addEventListener('submit', function (event) {
  var message = event.target.getAttribute('data-confirm');
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
