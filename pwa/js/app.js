// The hotel app's controller: session, screens (by the URL hash), and when to sync.

import * as api from "./api.js";
import * as db from "./db.js";
import { $, h, replace } from "./dom.js";
import { renderForm } from "./form.js";
import * as i18n from "./i18n.js";
import * as outbox from "./outbox.js";
import { codeTables } from "./rules.js";
import { drawChrome } from "./chrome.js";
import { showEntry, showRecord } from "./guest.js";
import { confirmDialog, offerUpdate, openScanner, toast } from "./dialogs.js";
import { newItem } from "./newguest.js";
import { showSignIn, signOut } from "./signin.js";
import * as bridge from "./sw-bridge.js";
import * as sync from "./sync.js";
import { renderList } from "./guestlist.js";
import { fetchPdf } from "./receipt.js";

const { _ } = i18n;
const PERIOD_MS = 60 * 1000; // pull police decisions this often while the app is open
// A server that is down answers nothing, and costs a phone little to ask: after an
// outage the first retry comes within this (a busy server says Retry-After instead).
const MAX_BACKOFF_MS = 4 * 1000;

const state = {
  session: null,
  codes: null,
  tables: null,
  entries: [],
  records: [],
  skew: 0,
  listView: "in_house", // the guest list: in_house, leaving or all (guestlist.js)
  query: "", // the guest list's search
  listLimit: 0, // rows of the guest list drawn (0: the first page)
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
const _uuid = () => crypto.randomUUID();

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
  // Shown once drawn with what the phone knows (the hotel's name, the list): no jump
  // from a placeholder on a slow phone (app.css .loading).
  document.body.classList.remove("loading");
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
  drawChrome(state, {
    now: now(),
    onSync: () => syncNow(),
    onSignIn: () => showSignIn(controller),
  });
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
      // Network errors, timeouts, 5xx, a refused batch: back off, keep trying. A server
      // that says when (Retry-After: it is shedding load) is taken at its word, spread
      // over half as long again so that phones do not come back all at once.
      state.failures += 1;
      const asked = error?.retryAfter;
      if (asked != null) {
        schedule(asked * 1000 * (1 + Math.random() * 0.5));
      } else {
        const backoff = Math.min(1000 * 2 ** state.failures, MAX_BACKOFF_MS);
        schedule(backoff * (0.5 + Math.random() * 0.5));
      }
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
    showSignIn(controller);
    return;
  }
  const [, screen, arg] = (location.hash || "#/").split("/");
  const key = arg ? decodeURIComponent(arg) : null;
  if (screen === "new") showForm(newItem(newGuestContext()));
  else if (screen === "entry") showEntry(controller, key);
  else if (screen === "guest") showRecord(controller, key);
  else showList();
}

function go(hash) {
  if (location.hash === hash) {
    route();
    window.scrollTo(0, 0);
  } else location.hash = hash;
}

function showList() {
  renderList(view(), {
    entries: state.entries,
    records: state.records,
    rules: state.session.rules,
    now: now(),
    view: state.listView,
    query: state.query,
    limit: state.listLimit,
    onView: (key) => {
      state.listView = key;
      state.listLimit = 0;
      showList();
    },
    onQuery: (text) => {
      state.query = text;
      state.listLimit = 0;
      showList();
    },
    onMore: (limit) => {
      state.listLimit = limit;
      showList();
    },
    onNew: () => go("#/new"),
    onDayPdf: (day) => pdf(`/receipts/day/pdf?day=${day}`, `receipts-${day}.pdf`),
    // Two taps: the button, then yes.
    onCheckout: async (record) => {
      if (!(await confirmDialog(_("Check %(name)s out now?", { name: record.full_name })))) return;
      await queueChanges([record], "checkout", { departed_at: new Date(now()).toISOString() });
    },
    onCheckoutRoom: async (room, guests) => {
      const leaving = guests.filter((r) => r.stay_status === "in_house");
      const question = _("Check out the %(count)s guest(s) of room %(room)s now?", {
        count: leaving.length,
        room,
      });
      if (!(await confirmDialog(question))) return;
      await queueChanges(leaving, "checkout", { departed_at: new Date(now()).toISOString() });
    },
  });
}

const newGuestContext = () => ({
  now: now(),
  records: state.records,
  entries: state.entries,
  partyLeaders: state.partyLeaders,
});

// What the sign-in and guest screens may do to the controller.
const controller = {
  state,
  view,
  refresh,
  go,
  syncSoon,
  toggleLanguage,
  renderChrome,
  showForm,
  queueChange,
  pdf,
  now,
};

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
        showForm(newItem(newGuestContext(), saved), { title: _("Next guest of this party") });
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

async function queueChange(record, op, item) {
  await queueChanges([record], op, item);
}

/** A PDF from the server (online only): shared or saved. */
async function pdf(path, filename) {
  try {
    await fetchPdf(path, state.session.token, filename);
  } catch {
    toast(_("The PDF needs the network. The receipt on the screen works without it."));
  }
}

/** Save the same change of several records on the phone; sent when there is a network. */
async function queueChanges(records, op, item) {
  const establishmentId = state.session.establishment.id;
  for (const record of records) await outbox.save({ id: record.id, op, establishmentId, item });
  toast(_("Saved on this phone."));
  bridge.requestBackgroundSync();
  await refresh();
  go("#/");
  syncSoon();
}

// --- wiring --------------------------------------------------------------------------

$("#lang").addEventListener("click", toggleLanguage);
$("#signout").addEventListener("click", () => signOut(controller));
start().catch((error) => {
  replace(
    view(),
    h("p.banner.warn", {}, _("The app could not start: %(error)s", { error: error.message })),
  );
});
