// A new declaration's defaults, before anything is scanned or typed.

import { PARTY_FIELDS } from "./form-table.js";
import { vietnamWallClock } from "./form-text.js";

const uuid = () => crypto.randomUUID();

/** The port of entry this establishment used most in its recent declarations. */
export function usualPort(records, entries) {
  const recent = [...records, ...entries.filter((e) => e.op === "create").map((e) => e.item)]
    .filter((r) => r.entry_port)
    .sort((a, b) => String(b.arrived_at || "").localeCompare(String(a.arrived_at || "")))
    .slice(0, 100);
  const counts = new Map();
  for (const r of recent) counts.set(r.entry_port, (counts.get(r.entry_port) || 0) + 1);
  let best = null;
  for (const [port, count] of counts) if (!best || count > best[1]) best = [port, count];
  return best ? best[0] : undefined;
}

/**
 * A new guest: what a scan cannot know is defaulted (arrival now, entry by e-visa today
 * through the usual port, for tourism). With `copyFrom`, the next guest of that party.
 */
export function newItem({ now, records, entries, partyLeaders }, copyFrom = null) {
  const arrived = vietnamWallClock(now);
  const item = {
    id: uuid(),
    document_type: "passport",
    entry_kind: "e_visa", // until the nationality says otherwise
    arrived_at: `${arrived}:00+07:00`,
    entry_date: arrived.slice(0, 10),
    entry_port: usualPort(records, entries),
    purpose: "tourism",
    party_id: uuid(),
    party_leader: true,
  };
  if (copyFrom) {
    for (const name of PARTY_FIELDS) if (copyFrom[name]) item[name] = copyFrom[name];
    item.party_leader = false;
    // A minor's guardian is the party's leader (kept only if a relationship is chosen).
    item.guardian_id = partyLeaders[copyFrom.party_id];
  }
  return item;
}
