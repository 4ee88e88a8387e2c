// "Citizen feedback" (Huduma Halisi): a rating, a comment, and optionally a complaint routed to the
// body that handles it, with the citizen's consent and, if they wish, anonymously. The core checks
// it whole; a refusal names each field.

import { useEffect, useState } from "preact/hooks";
import { api, isUiError, type ComplaintBody, type ComplaintCategory, type NewFeedback } from "./api";
import { text, type Catalogue } from "./catalogue";
import { fill, type Lang, type Words } from "./i18n";

const CATEGORIES: ComplaintCategory[] = ["discrimination", "poor_service", "corruption", "other"];
const BODIES: ComplaintBody[] = ["ombudsman", "eacc", "ncic", "huduma_centre"];

/** Where a complaint goes unless the officer chooses otherwise (as the core's default_body). */
export function defaultBody(category: ComplaintCategory | ""): ComplaintBody | "" {
  switch (category) {
    case "corruption": return "eacc";
    case "discrimination": return "ncic";
    case "poor_service": return "huduma_centre";
    case "other": return "ombudsman";
    default: return "";
  }
}

const focusOnMount = (element: HTMLElement | null) => {
  if (element) queueMicrotask(() => element.focus());
};

interface Draft {
  service_id: string;
  rating: number | null;
  comment: string;
  complaining: boolean;
  category: ComplaintCategory | "";
  routed_to: ComplaintBody | "";
  details: string;
  consent: boolean;
  anonymous: boolean;
  contact: string;
}

const EMPTY: Draft = {
  service_id: "", rating: null, comment: "", complaining: false, category: "", routed_to: "", details: "",
  consent: false, anonymous: false, contact: "",
};

function toSend(d: Draft): NewFeedback {
  return {
    service_id: d.service_id || null,
    satisfaction: d.rating,
    comment: d.comment.trim() === "" ? null : d.comment,
    complaint: d.complaining
      ? {
        category: d.category,
        routed_to: d.routed_to || null,
        details: d.details,
        consent: d.consent,
        anonymous: d.anonymous,
        contact: d.anonymous || d.contact.trim() === "" ? null : d.contact,
      }
      : null,
  };
}

export function FeedbackScreen({ w, lang, guard }: { w: Words; lang: Lang; guard: (e: unknown) => void }) {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [refused, setRefused] = useState("");
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => { api.catalogue().then(setCatalogue).catch(guard); }, []);

  const edit = (change: Partial<Draft>) => {
    setDraft({ ...draft, ...change });
    setDone("");
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const record = await api.recordFeedback(toSend(draft));
      const routed = record.complaint ? ` ${fill(w.complaintRouted, { body: w.complaintBodies[record.complaint.routed_to] })}` : "";
      setDone(`${w.feedbackRecorded}${routed}`);
      setProblems({});
      setRefused("");
      setDraft(EMPTY);
    } catch (err) {
      if (isUiError(err) && err.problem_texts.length > 0) {
        setProblems(Object.fromEntries(err.problem_texts.map((p) => [p.field, p.text])));
        setRefused(err.problem_texts.map((p) => p.text).join(" "));
      } else guard(err);
    } finally {
      setBusy(false);
    }
  };

  const problem = (field: string) => problems[field] && <em class="problem" id={`problem-${field}`}>{problems[field]}</em>;

  return (
    <form class="card" id="feedback-form" onSubmit={(e) => void submit(e)}>
      <h1>{w.feedback}</h1>
      <fieldset id="feedback-rating" class={problems.satisfaction ? "has-problem" : ""}>
        <legend>{w.rating}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} class="check">
            <input type="radio" name="rating" id={`rating-${n}`} value={n} checked={draft.rating === n}
              ref={n === 1 ? focusOnMount : undefined} onChange={() => edit({ rating: n })} />
            {n} · {w.ratings[n - 1]}
          </label>
        ))}
        {draft.rating !== null && <button type="button" id="rating-clear" onClick={() => edit({ rating: null })}>{w.noRating}</button>}
        {problem("satisfaction")}
      </fieldset>
      <div class="field">
        <label for="feedback-service">{w.feedbackService}</label>
        <select id="feedback-service" value={draft.service_id} onChange={(e) => edit({ service_id: (e.target as HTMLSelectElement).value })}>
          <option value="">{w.noService}</option>
          {(catalogue?.services ?? []).map((s) => <option key={s.id} value={s.id}>{text(s.name, lang)}</option>)}
        </select>
        {problem("service_id")}
      </div>
      <div class="field">
        <label for="feedback-comment">{w.comment}</label>
        <textarea id="feedback-comment" rows={3} value={draft.comment} onInput={(e) => edit({ comment: (e.target as HTMLTextAreaElement).value })} />
        {problem("comment")}
      </div>
      <label class="check">
        <input type="checkbox" id="feedback-complaint" checked={draft.complaining} onChange={(e) => edit({ complaining: (e.target as HTMLInputElement).checked })} />
        {w.addComplaint}
      </label>
      {draft.complaining && (
        <fieldset id="complaint">
          <legend>{w.complaint}</legend>
          <div class="field">
            <label for="complaint-category">{w.complaintCategory}</label>
            <select id="complaint-category" value={draft.category} onChange={(e) => {
              const category = (e.target as HTMLSelectElement).value as ComplaintCategory | "";
              edit({ category, routed_to: defaultBody(category) });
            }}>
              <option value="">{w.choose}</option>
              {CATEGORIES.map((c) => <option key={c} value={c}>{w.complaintCategories[c]}</option>)}
            </select>
            {problem("complaint_category")}
          </div>
          <div class="field">
            <label for="complaint-details">{w.complaintDetails}</label>
            <textarea id="complaint-details" rows={3} value={draft.details} onInput={(e) => edit({ details: (e.target as HTMLTextAreaElement).value })} />
            {problem("complaint_details")}
          </div>
          <div class="field">
            <label for="complaint-routed-to">{w.complaintRoutedTo}</label>
            <select id="complaint-routed-to" value={draft.routed_to} onChange={(e) => edit({ routed_to: (e.target as HTMLSelectElement).value as ComplaintBody | "" })}>
              <option value="">{w.choose}</option>
              {BODIES.map((b) => <option key={b} value={b}>{w.complaintBodies[b]}</option>)}
            </select>
            {problem("complaint_routed_to")}
          </div>
          <label class="check">
            <input type="checkbox" id="complaint-consent" checked={draft.consent} aria-required="true" onChange={(e) => edit({ consent: (e.target as HTMLInputElement).checked })} />
            {w.complaintConsent}
          </label>
          {problem("complaint_consent")}
          <label class="check">
            <input type="checkbox" id="complaint-anonymous" checked={draft.anonymous} onChange={(e) => edit({ anonymous: (e.target as HTMLInputElement).checked })} />
            {w.complaintAnonymous}
          </label>
          {!draft.anonymous && (
            <div class="field">
              <label for="complaint-contact">{w.complaintContact}</label>
              <input id="complaint-contact" type="tel" value={draft.contact} onInput={(e) => edit({ contact: (e.target as HTMLInputElement).value })} />
              {problem("complaint_contact")}
            </div>
          )}
        </fieldset>
      )}
      {problems.feedback && <em class="problem" id="problem-feedback">{problems.feedback}</em>}
      {refused && <p class="problem" id="feedback-refused" role="alert">{refused}</p>}
      <div class="actions">
        <button type="submit" id="record-feedback" class="primary" disabled={busy}>{w.recordFeedback}</button>
      </div>
      {done && <p id="feedback-saved" role="status">{done}</p>}
    </form>
  );
}
