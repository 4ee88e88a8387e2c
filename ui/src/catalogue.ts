// The service catalogue as the core sends it (Catalogue::to_json), and the form logic the UI needs
// to render it: which fields show, what the citizen's profile already answers. The core checks
// every answer again; nothing here decides validity.

import type { Lang } from "./i18n";

export interface Text {
  en: string;
  sw: string;
}

export type FieldType =
  | "text" | "name" | "national_id" | "kra_pin" | "phone" | "email" | "date" | "integer" | "decimal"
  | "choice" | "yes_no" | "sex" | "county" | "list";

export interface Condition {
  field: string;
  equals?: string | boolean;
  one_of?: string[];
  filled?: boolean;
  age_under?: unknown;
  age_at_least?: unknown;
}

export interface Field {
  id: string;
  type: FieldType;
  label: Text;
  help?: Text | null;
  required?: boolean;
  required_when?: Condition[];
  visible_when?: Condition[];
  prefill?: string | null;
  example?: string | null;
  choices?: { value: string; label: Text }[];
  fields?: Field[];
  min_items?: number | null;
  max_items?: number | null;
}

export interface DocumentSpec {
  id: string;
  label: Text;
  required?: boolean;
}

export interface Service {
  id: string;
  mda: string;
  name: Text;
  help: Text;
  fee_ksh?: number;
  turnaround_days: number;
  fields: Field[];
  documents?: DocumentSpec[];
}

export interface Catalogue {
  version: number;
  services: Service[];
}

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
  if (condition.equals !== undefined) {
    if (typeof condition.equals === "boolean") return value === condition.equals;
    return value === condition.equals;
  }
  if (condition.one_of) return typeof value === "string" && condition.one_of.includes(value);
  if (condition.filled !== undefined) return isFilled(value) === condition.filled;
  return true;
}

export function isVisible(field: Field, answers: Answers): boolean {
  return (field.visible_when ?? []).every((c) => holds(c, answers));
}

/** Profile attributes the citizen record carries, by the catalogue's attribute names. */
export interface CitizenProfile {
  id_number?: string | null;
  surname: string;
  given_names: string;
  date_of_birth: string;
  sex: string;
  phone?: string | null;
  county_code?: string | null;
  sub_county?: string | null;
  kra_pin?: string | null;
}

/** The profile's answer for a prefilled field, if the profile has one. */
export function prefilled(field: Field, citizen: CitizenProfile): string | undefined {
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
