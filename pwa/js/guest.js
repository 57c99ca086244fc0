// The screens of one guest: an entry not sent yet, and a record the server holds.

import { confirmDialog, reasonDialog, toast } from "./dialogs.js";
import * as i18n from "./i18n.js";
import * as outbox from "./outbox.js";
import { FIELDS } from "./rules.js";
import * as views from "./views.js";

const { _ } = i18n;

/** An unsent entry: edit it, or delete it from the phone. */
export async function showEntry(app, key) {
  const { go, view, showForm, refresh } = app;
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

/** A guest's page: the record as the server has it, and what may be done with it. */
export function showRecord(app, id) {
  const { state, go, view, showForm, queueChange, pdf, now } = app;
  const record = state.records.find((r) => r.id === id);
  if (!record) {
    go("#/");
    return;
  }
  const pending = state.entries.find(
    (e) => e.id === id && ["correct", "checkout", "cancel"].includes(e.op),
  );
  const rating = state.entries.find((e) => e.id === id && e.op === "rate");
  views.renderRecord(view(), {
    record,
    pending,
    rating,
    onRate: (item) => queueChange(record, "rate", item),
    onPdf: (r) => pdf(`/receipts/declarations/${r.id}/pdf`, `receipt-${r.receipt_number}.pdf`),
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
