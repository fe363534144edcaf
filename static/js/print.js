// A button marked data-print prints the page (the CSP forbids inline handlers).
document.addEventListener('click', (event) => {
  if (event.target.closest('[data-print]')) {
    window.print();
  }
});
