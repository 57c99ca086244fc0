// The hotel app's controller: session, screens (by the URL hash), and when to sync.

import * as api from "./api.js";
import * as db from "./db.js";
import { $, h, replace } from "./dom.js";
import { renderForm } from "./form.js";
import { PARTY_FIELDS } from "./form-table.js";
import { vietnamWallClock } from "./form-text.js";
import * as i18n from "./i18n.js";
import * as outbox from "./outbox.js";
import { codeTables, FIELDS } from "./rules.js";
import * as bridge from "./sw-bridge.js";
import * as sync from "./sync.js";
import * as views from "./views.js";

const { _ } = i18n;
const PERIOD_MS = 60 * 1000; // pull police decisions this often while the app is open
const MAX_BACKOFF_MS = 10 * 1000;

const state = {
  session: null,
  codes: null,
  tables: null,
  entries: [],
  records: [],
  skew: 0,
  showAll: false,
  syncing: false,
  again: false,
  failures: 0,
  timer: null,
  nextRetry: null,
  lastSync: null,
  authNeeded: false,
  formOpen: false,
  form: null, // the open form ({isDirty}), to ask before a half-filled one is thrown away
  leaving: false,
  partyLeaders: {}, // party id → the leader's record id, while declaring a party
};

const view = () => $("#view");
const now = () => Date.now() + state.skew; // the server's clock, as best we know it

function ruleContext() {
  return { ...state.session.rules, now: now() };
}

// Service workers need a secure context, and every secure context has randomUUID.
const uuid = () => crypto.randomUUID();

// --- start ---------------------------------------------------------------------------

async function start() {
  const stored = await db.getMeta("language");
  await setLanguage(stored || i18n.preferred(navigator.languages || [navigator.language]), false);
  state.session = await db.getMeta("session");
  state.codes = await db.getMeta("codes");
  if (state.codes) state.tables = codeTables(state.codes);
  bridge.register({ onUpdate: offerUpdate, onMessage: (m) => m.type === "synced" && refresh() });
  let shownHash = location.hash;
  window.addEventListener("hashchange", async () => {
    // The phone's back button on a half-filled form asks first, as the form's own Back does.
    if (state.formOpen && state.form?.isDirty() && !state.leaving) {
      const target = location.hash;
      state.leaving = true;
      history.replaceState(null, "", shownHash || "#/");
      const leave = await confirmDialog(_("Leave this form? What you entered is not saved."));
      state.leaving = false;
      if (!leave) return;
      state.form = null;
      history.replaceState(null, "", target);
    }
    shownHash = location.hash;
    route();
    window.scrollTo(0, 0);
  });
  window.addEventListener("online", () => syncSoon());
  document.addEventListener(
    "visibilitychange",
    () => document.visibilityState === "visible" && syncSoon(),
  );
  if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});
  await refresh();
  route();
  if (state.session) syncSoon();
}

async function setLanguage(lang, remember = true) {
  await i18n.load(lang);
  if (remember) await db.setMeta("language", i18n.current());
  document.title = _("Guest declarations");
  $('link[rel="manifest"]').href = i18n.manifestOf(i18n.current());
  replace($("#lang"), i18n.languageName(i18n.nextLanguage(i18n.current())));
}

async function toggleLanguage() {
  await setLanguage(i18n.nextLanguage(i18n.current()));
  renderChrome();
  if (!state.formOpen) route();
}

// --- data ----------------------------------------------------------------------------

async function refresh() {
  if (state.session) {
    const establishmentId = state.session.establishment.id;
    state.entries = (await outbox.entries(establishmentId)).sort((a, b) => a.saved_at - b.saved_at);
    state.records = (await db.getAll("records")).filter(
      (r) => r.establishment_id === establishmentId,
    );
    state.lastSync = await db.getMeta("last_sync");
    state.skew = await db.getMeta("skew_ms", 0);
  }
  renderChrome();
  // The list follows the data; a form or a guest's page is never redrawn under the user.
  if (!state.formOpen && ["", "#/", "#"].includes(location.hash) && state.session && state.codes)
    showList();
}

function renderChrome() {
  $("#title").textContent = state.session
    ? state.session.establishment.name
    : _("Guest declarations");
  $("#signout").hidden = !state.session;
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
      onSync: () => syncNow(),
      onSignIn: () => showSignIn(),
    });
  }
  const due = state.session
    ? state.entries.filter(
        (e) => e.op === "create" && views.dueText(views.deadlineOf(e, state.session.rules), now()),
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

// --- sync scheduling -------------------------------------------------------------------

function schedule(delay) {
  clearTimeout(state.timer);
  state.nextRetry = Date.now() + delay;
  state.timer = setTimeout(() => syncNow(), delay);
}

function syncSoon() {
  schedule(0);
}

async function syncNow() {
  if (!state.session || state.authNeeded) return;
  if (state.syncing) {
    state.again = true;
    return;
  }
  clearTimeout(state.timer);
  state.syncing = true;
  state.nextRetry = null;
  renderChrome();
  try {
    await sync.run();
    state.failures = 0;
    schedule(PERIOD_MS);
  } catch (error) {
    if (error instanceof api.AuthError) {
      state.authNeeded = true; // everything stays in the outbox
    } else {
      // Network errors, timeouts, 5xx, a refused batch: back off, keep trying.
      state.failures += 1;
      const backoff = Math.min(1000 * 2 ** state.failures, MAX_BACKOFF_MS);
      schedule(backoff * (0.8 + Math.random() * 0.4));
    }
  } finally {
    state.syncing = false;
    await refresh();
    if (state.again) {
      state.again = false;
      syncSoon();
    }
  }
}

// --- screens -------------------------------------------------------------------------

function route() {
  state.formOpen = false;
  state.form = null;
  if (!state.session || !state.codes) {
    showSignIn();
    return;
  }
  const [, screen, arg] = (location.hash || "#/").split("/");
  const key = arg ? decodeURIComponent(arg) : null;
  if (screen === "new") showForm(newItem());
  else if (screen === "entry") showEntry(key);
  else if (screen === "guest") showRecord(key);
  else showList();
}

function go(hash) {
  if (location.hash === hash) {
    route();
    window.scrollTo(0, 0);
  } else location.hash = hash;
}

function showList() {
  views.renderList(view(), {
    entries: state.entries,
    records: state.records,
    rules: state.session.rules,
    now: now(),
    showAll: state.showAll,
    onToggle: () => {
      state.showAll = !state.showAll;
      showList();
    },
    onNew: () => go("#/new"),
  });
}

/** The port of entry this establishment used most in its recent declarations. */
function usualPort() {
  const recent = [
    ...state.records,
    ...state.entries.filter((e) => e.op === "create").map((e) => e.item),
  ]
    .filter((r) => r.entry_port)
    .sort((a, b) => String(b.arrived_at || "").localeCompare(String(a.arrived_at || "")))
    .slice(0, 100);
  const counts = new Map();
  for (const r of recent) counts.set(r.entry_port, (counts.get(r.entry_port) || 0) + 1);
  let best = null;
  for (const [port, count] of counts) if (!best || count > best[1]) best = [port, count];
  return best ? best[0] : undefined;
}

function newItem(copyFrom = null) {
  const arrived = vietnamWallClock(now());
  const item = {
    id: uuid(),
    document_type: "passport",
    entry_kind: "e_visa", // until the nationality says otherwise
    arrived_at: `${arrived}:00+07:00`,
    entry_date: arrived.slice(0, 10),
    entry_port: usualPort(),
    purpose: "tourism",
    party_id: uuid(),
    party_leader: true,
  };
  if (copyFrom) {
    for (const name of PARTY_FIELDS) if (copyFrom[name]) item[name] = copyFrom[name];
    item.party_leader = false;
    // A minor's guardian is the party's leader (kept only if a relationship is chosen).
    item.guardian_id = state.partyLeaders[copyFrom.party_id];
  }
  return item;
}

/** The scan screen, loaded on first use (it is not part of the app shell). */
async function openScanner(expect, onType) {
  let scanner;
  try {
    scanner = await import("./scan/scanner.js");
  } catch {
    toast(
      _(
        "The passport reader is not on this phone yet: open it once with the network. Meanwhile, type the lines.",
      ),
    );
    onType();
    return null;
  }
  return scanner.scan({ expect, onType });
}

function showForm(item, { op = "create", title } = {}) {
  state.formOpen = true;
  state.form = renderForm(view(), {
    item: { ...item, op },
    codes: state.codes,
    tables: state.tables,
    ctx: ruleContext,
    title: title || _("New guest"),
    onScan: openScanner,
    onCancel: async () => {
      if (
        state.form?.isDirty() &&
        !(await confirmDialog(_("Leave this form? What you entered is not saved.")))
      )
        return;
      state.form = null;
      go("#/");
    },
    onSave: async (candidate, { another }) => {
      const saved = candidate;
      try {
        await outbox.save({
          id: saved.id,
          op,
          establishmentId: state.session.establishment.id,
          item: saved,
        });
      } catch (error) {
        if (error instanceof outbox.Locked) {
          toast(_("This entry is being sent right now; try again in a moment."));
          return;
        }
        toast(_("Could not save on this phone: %(error)s", { error: error.message }));
        return;
      }
      toast(_("Saved on this phone."));
      if (saved.party_leader) state.partyLeaders[saved.party_id] = saved.id;
      bridge.requestBackgroundSync();
      await refresh();
      if (another) {
        showForm(newItem(saved), { title: _("Next guest of this party") });
        window.scrollTo(0, 0);
      } else {
        state.form = null;
        go("#/");
      }
      syncSoon();
    },
  });
  return state.form;
}

async function showEntry(key) {
  const entry = await outbox.entry(key);
  if (!entry) {
    go("#/");
    return;
  }
  views.renderEntry(view(), {
    entry,
    onBack: () => go("#/"),
    onEdit: async () => {
      const fresh = await outbox.entry(key);
      if (!fresh || fresh.state === "sending") {
        toast(_("This entry is being sent right now; try again in a moment."));
        return;
      }
      const form = showForm(fresh.item, { op: fresh.op, title: _("Edit guest") });
      form.show({ errors: fresh.errors || [], warnings: fresh.warnings || [] });
    },
    onDiscard: async () => {
      if (
        !(await confirmDialog(
          _("Delete this entry from the phone? It has not been sent to the police."),
        ))
      )
        return;
      try {
        await outbox.discard(key);
      } catch {
        toast(_("This entry is being sent right now; try again in a moment."));
        return;
      }
      await refresh();
      go("#/");
    },
  });
}

function showRecord(id) {
  const record = state.records.find((r) => r.id === id);
  if (!record) {
    go("#/");
    return;
  }
  const pending = state.entries.find((e) => e.id === id && e.op !== "create");
  views.renderRecord(view(), {
    record,
    pending,
    codeName: (list, code) => i18n.codeName(state.codes[list], code),
    onBack: () => go("#/"),
    onCorrect: () => {
      const item = {};
      for (const name of FIELDS) {
        const value = record[name];
        if (value !== null && value !== undefined && name !== "declared_at") item[name] = value;
      }
      showForm(item, { op: "correct", title: _("Correct the declaration") });
    },
    onCheckout: async () => {
      if (!(await confirmDialog(_("Check %(name)s out now?", { name: record.full_name })))) return;
      await queueChange(record, "checkout", { departed_at: new Date(now()).toISOString() });
    },
    onCancel: async () => {
      const reason = await reasonDialog(_("Why is this declaration cancelled?"));
      if (!reason) return;
      await queueChange(record, "cancel", { reason });
    },
  });
}

async function queueChange(record, op, item) {
  await outbox.save({ id: record.id, op, establishmentId: state.session.establishment.id, item });
  toast(_("Saved on this phone."));
  bridge.requestBackgroundSync();
  await refresh();
  go("#/");
  syncSoon();
}

// --- sign-in and sign-out ----------------------------------------------------------------

function showSignIn() {
  // Signing in again over a live session: a sync finishing meanwhile must not redraw
  // the list over the password being typed (route() clears this on the way out).
  state.formOpen = Boolean(state.session);
  views.renderSignIn(view(), {
    username: state.session ? state.session.user.username : "",
    onLanguage: toggleLanguage,
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
      await refresh();
      go("#/");
      syncSoon();
    },
  });
}

async function signOut() {
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
  renderChrome();
  go("#/");
}

// --- small dialogs -----------------------------------------------------------------------

function toast(message) {
  const el = h("p.toast", { role: "status" }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

/** A modal with `content` and Yes/No (or OK/Back); resolves with `answer()` or `refusal`. */
function ask(content, { yes, no, answer, refusal }) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog.dialog",
      {},
      content,
      h(
        "div.actions",
        {},
        h(
          "button.primary",
          { type: "button", id: "dialog-yes", onclick: () => close(answer()) },
          yes,
        ),
        h(
          "button.secondary",
          { type: "button", id: "dialog-no", onclick: () => close(refusal) },
          no,
        ),
      ),
    );
    function close(value) {
      dialog.close();
      dialog.remove();
      resolve(value);
    }
    dialog.addEventListener("cancel", () => close(refusal));
    document.body.append(dialog);
    dialog.showModal();
  });
}

const confirmDialog = (message) =>
  ask(h("p", {}, message), { yes: _("Yes"), no: _("No"), answer: () => true, refusal: false });

function reasonDialog(question) {
  const input = h("input", { id: "reason", type: "text", maxlength: 500 });
  const asked = ask([h("label", { for: "reason" }, question), input], {
    yes: _("OK"),
    no: _("Back"),
    answer: () => input.value.trim(),
    refusal: null,
  });
  input.focus();
  return asked;
}

function offerUpdate(apply) {
  const banner = h(
    "p.banner.update",
    { id: "update-banner" },
    _("A new version of the app is available."),
    " ",
    h("button.secondary", { type: "button", onclick: apply }, _("Reload")),
  );
  $("#banners").after(banner);
}

// --- wiring --------------------------------------------------------------------------

$("#lang").addEventListener("click", toggleLanguage);
$("#signout").addEventListener("click", signOut);
start().catch((error) => {
  replace(
    view(),
    h("p.banner.warn", {}, _("The app could not start: %(error)s", { error: error.message })),
  );
});
