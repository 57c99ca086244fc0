// The app's frame around the screens: the establishment's name, the count of returned
// declarations (and the app's badge), the sync status line, the deadline banner.

import { $, h, replace } from "./dom.js";
import { _ } from "./i18n.js";
import * as views from "./views.js";

/** The header, the status line and the deadline banner, from the controller's state. */
export function drawChrome(state, { now, onSync, onSignIn }) {
  $("#title").textContent = state.session
    ? state.session.establishment.name
    : _("Guest declarations");
  $("#signout").hidden = !state.session;
  // Returned declarations wait for a correction: counted on the header (and the app's
  // icon, where the browser can badge it).
  const returned = state.session ? state.records.filter((r) => r.state === "returned").length : 0;
  const count = $("#returned-count");
  count.hidden = !returned;
  count.textContent = String(returned);
  count.title = _("Returned for correction: %(count)s", { count: returned });
  if (navigator.setAppBadge) {
    (returned ? navigator.setAppBadge(returned) : navigator.clearAppBadge()).catch(() => {});
  }
  $("#signout").textContent = _("Sign out");
  const status = $("#status");
  status.hidden = !state.session;
  if (state.session) {
    views.renderStatus(status, {
      unsent: state.entries.length,
      syncing: state.syncing,
      lastSync: state.lastSync,
      nextRetry: state.nextRetry,
      authNeeded: state.authNeeded,
      onSync,
      onSignIn,
    });
  }
  const due = state.session
    ? state.entries.filter(
        (e) => e.op === "create" && views.dueText(views.deadlineOf(e, state.session.rules), now),
      )
    : [];
  replace(
    $("#banners"),
    due.length
      ? h(
          "p.banner.warn",
          { id: "deadline-warning" },
          _(
            "%(count)s unsent declaration(s) close to or past the legal deadline. Connect to the internet and press Sync now.",
            { count: due.length },
          ),
        )
      : null,
  );
}
