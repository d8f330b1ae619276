// The site's own script: small keyboard behaviour that Bootstrap 4 leaves out.
//
// A link that acts as a button (role="button": the dropdown toggles of the navbar, which keep an
// address for a browser without scripts) answers Space as a button does, not by scrolling.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key !== " " || !target.matches || !target.matches('a[role="button"]')) {
    return;
  }
  event.preventDefault();
  target.click();
});
