// Signing in (the network is needed once) and out (nothing of the guests stays behind).

import * as api from "./api.js";
import * as db from "./db.js";
import { confirmDialog } from "./dialogs.js";
import * as i18n from "./i18n.js";
import * as outbox from "./outbox.js";
import { codeTables } from "./rules.js";
import * as views from "./views.js";

const { _ } = i18n;

/** The sign-in screen. `app`: the controller's state and the steps it lends. */
export function showSignIn(app) {
  const { state } = app;
  // Signing in again over a live session: a sync finishing meanwhile must not redraw
  // the list over the password being typed (route() clears this on the way out).
  state.formOpen = Boolean(state.session);
  views.renderSignIn(app.view(), {
    username: state.session ? state.session.user.username : "",
    onLanguage: app.toggleLanguage,
    onSubmit: async (username, password, message, second) => {
      message.textContent = "";
      let answer;
      let me;
      let codes;
      try {
        answer = await api.signIn(username, password, i18n.current(), second.code);
        const token = answer.access_token;
        me = await api.request("/me", { token, language: i18n.current() });
        codes = await api.request("/codes", {});
      } catch (failure) {
        if (failure instanceof api.NetworkError)
          message.textContent = _(
            "No connection to the server. Signing in needs the network once.",
          );
        else message.textContent = failure.message;
        if (failure.code === "second_factor_required" || failure.code === "invalid_code")
          second.askCode();
        return;
      }
      if (!me.establishment) {
        message.textContent = _(
          "This app is for lodging establishments. Police and administrators use the web pages.",
        );
        return;
      }
      const previous = state.session;
      const session = {
        token: answer.access_token,
        token_id: answer.token.id,
        user: me.user,
        establishment: me.establishment,
        rules: me.rules,
      };
      if (previous && previous.establishment.id !== session.establishment.id)
        await db.clear("records");
      await db.setMeta("session", session);
      await db.setMeta("codes", codes);
      await db.setMeta("skew_ms", Date.parse(me.server_time) - Date.now());
      state.session = session;
      state.codes = codes;
      state.tables = codeTables(codes);
      state.authNeeded = false;
      await app.refresh();
      app.go("#/");
      app.syncSoon();
    },
  });
}

/** Sign out: the token is revoked, the guests' data leaves the phone. */
export async function signOut(app) {
  const { state } = app;
  const unsent = await outbox.entries(state.session.establishment.id);
  if (unsent.length) {
    const ok = await confirmDialog(
      _(
        "%(count)s declaration(s) have not been sent. They stay on this phone and are sent when someone of this establishment signs in again. Sign out anyway?",
        { count: unsent.length },
      ),
    );
    if (!ok) return;
  }
  const { token, token_id: tokenId } = state.session;
  api.request(`/auth/tokens/${tokenId}`, { method: "DELETE", token }).catch(() => {});
  await db.remove("meta", "session");
  await db.clear("records"); // guests' personal data does not stay on a signed-out phone
  clearTimeout(state.timer);
  state.session = null;
  state.entries = [];
  state.records = [];
  app.renderChrome();
  app.go("#/");
}
