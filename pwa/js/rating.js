// Rating the police's decision on a guest's declaration (1–5 stars and a comment): saved
// on the phone and sent once, like every other change.

import { h } from "./dom.js";
import { _ } from "./i18n.js";

const STARS = [1, 2, 3, 4, 5];

/** The rating box of a guest's page, or a line saying where the rating stands. */
export function ratingBox(record, pending, onRate) {
  const decision = record.decision;
  if (!decision) return null;
  if (decision.rated) return h("p.hint", { id: "rated" }, _("You rated this decision. Thank you."));
  if (pending) return h("p.notice", { id: "rating-pending" }, _("Rating saved on this phone"));
  let chosen = 0;
  const stars = STARS.map((n) =>
    h(
      "button.star",
      {
        type: "button",
        dataset: { stars: n },
        "aria-pressed": "false",
        "aria-label": _("%(n)s of 5", { n }),
        onclick: () => {
          chosen = n;
          for (const star of stars) {
            const on = Number(star.dataset.stars) <= n;
            star.setAttribute("aria-pressed", String(on));
            star.classList.toggle("on", on);
          }
          send.disabled = false;
        },
      },
      "★",
    ),
  );
  const comment = h("input", { id: "rating-comment", type: "text", maxlength: 1000 });
  const send = h(
    "button.primary",
    {
      type: "button",
      id: "send-rating",
      disabled: true,
      onclick: () =>
        onRate({ decision_id: decision.id, rating: chosen, comment: comment.value.trim() }),
    },
    _("Send the rating"),
  );
  return h(
    "fieldset.rating",
    { id: "rating" },
    h("legend", {}, _("How was the police's handling of this declaration?")),
    h("div.stars", { role: "group", "aria-label": _("Stars") }, stars),
    h("label", { for: "rating-comment" }, _("Comment (optional)")),
    comment,
    send,
  );
}
