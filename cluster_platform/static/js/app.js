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

// A filter form asks as the user types (keyup, after a pause) and when it is sent. Enter pressed
// within the pause would ask twice for the same list, and leave the same address twice in the
// history: a form's request for exactly the query it asked for a moment ago is not sent again.
// (At htmx:confirm, before hx-sync="this:replace" would abort the request already under way.)
var REPEAT_WINDOW_MS = 1000;
document.addEventListener("htmx:confirm", function (event) {
  var form = event.detail.elt;
  if (event.detail.verb !== "get" || !form.matches("form")) {
    return;
  }
  var query = new URLSearchParams(new FormData(form)).toString();
  var last = form.lastFilterRequest;
  if (last && last.query === query && Date.now() - last.at < REPEAT_WINDOW_MS) {
    event.preventDefault();
    return;
  }
  form.lastFilterRequest = {query: query, at: Date.now()};
});
// A request that failed (an error answer, a lost connection) is no repeat to drop: the user's next
// press sends it again. (One aborted by hx-sync was replaced by a newer request, already noted.)
["htmx:afterRequest", "htmx:sendError"].forEach(function (name) {
  document.addEventListener(name, function (event) {
    var form = event.detail.elt;
    if (form && form.lastFilterRequest && !(name === "htmx:afterRequest" && event.detail.successful)) {
      form.lastFilterRequest = null;
    }
  });
});

// The search box of a long select (data-option-search: cluster_platform.forms.SearchableSelectMixin)
// only narrows the select's options. Its change is not its form's (a filter form would ask for its
// list again), and Enter there searches at once instead of sending the form.
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("[data-option-search]")) {
    event.stopPropagation();
  }
}, true);
document.addEventListener("keydown", function (event) {
  var box = event.target;
  if (event.key !== "Enter" || !box.matches || !box.matches("[data-option-search]")) {
    return;
  }
  event.preventDefault();
  htmx.trigger(box, "search");
});
