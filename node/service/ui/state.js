// The staff UI's shared state, and how it moves from view to view.

export const TOKEN_KEY = "akari.token";
export const state = {
  token: null,
  operator: null,
  permissions: {},
  status: null,
  answer: null,
  summary: null,
  // A record the result page has fetched, for the record view to show
  // without asking for it (and auditing its opening) again.
  opened: null,
  cleanup: [],
  // The message on screen, when it can be worded again (showMessage).
  message: null,
  // The view on screen (its template) and how it re-translates itself
  // when the language is switched (null: its data-i18n texts only).
  view: null,
  relabel: null,
  // How the view on screen follows a change of mode made elsewhere (another
  // tablet, the CLI) that a status poll brings (null: it need not).
  modeChanged: null,
};

// Shows `route` ("home", "person/123"): the router (app.js) draws the view
// on the hashchange; going to the view already shown draws it again.
export function go(route) {
  const next = "#/" + route;
  if (window.location.hash === next) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = next;
}
