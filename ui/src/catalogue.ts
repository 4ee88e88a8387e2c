// The form logic the UI needs to render the catalogue (its types are generated from the Rust
// catalogue, src/generated/types.ts): which fields show, what the citizen's profile already
// answers. The core checks every answer again; nothing here decides validity.

import type { Condition, Field, ProfileAttribute, Service, Text } from "./generated/types";
import type { Lang } from "./i18n";

export type { Catalogue, Condition, Document, Field, FieldType, Service, Text } from "./generated/types";

export type Answers = Record<string, unknown>;

export function text(t: Text | null | undefined, lang: Lang): string {
  return t ? t[lang] || t.en : "";
}

function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Whether one condition holds for `answers`. Age conditions need dates the core evaluates;
 * here they count as holding, so the field shows and the core decides. */
export function holds(condition: Condition, answers: Answers): boolean {
  const value = answers[condition.field];
  if (condition.equals !== undefined && condition.equals !== null) {
    if (typeof condition.equals === "boolean") return value === condition.equals;
    return value === condition.equals;
  }
  if (condition.one_of) return typeof value === "string" && condition.one_of.includes(value);
  if (condition.filled !== undefined && condition.filled !== null) return isFilled(value) === condition.filled;
  return true;
}

export function isVisible(field: Pick<Field, "visible_when">, answers: Answers): boolean {
  return (field.visible_when ?? []).every((c) => holds(c, answers));
}

/** The citizen attributes a field can be prefilled from (a `Citizen` is one). */
export type CitizenProfile = Partial<Record<ProfileAttribute, string | null>>;

/** The profile's answer for a prefilled field, if the profile has one. */
export function prefilled(field: Pick<Field, "prefill">, citizen: CitizenProfile): string | undefined {
  if (!field.prefill) return undefined;
  const value = (citizen as unknown as Record<string, unknown>)[field.prefill];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** The answers to send: visible fields only, empty strings dropped (the core fills prefilled
 * fields from the profile and reports what is missing). */
export function answersToSend(service: Service, answers: Answers): Answers {
  const out: Answers = {};
  for (const field of service.fields) {
    if (!isVisible(field, answers)) continue;
    const value = answers[field.id];
    if (isFilled(value)) out[field.id] = value;
  }
  if (isFilled(answers.documents)) out.documents = answers.documents;
  return out;
}
