import { describe, expect, it } from "vitest";
import { answersToSend, holds, isVisible, prefilled, type Condition, type Field, type Service } from "./catalogue";
// The core decides visibility when it checks a form (fieldkit_domain's `form::is_visible`); the
// UI decides it again as the officer types. These are every built-in field that shows on a
// choice, a yes/no or whether another field is answered, under answers that meet and that break
// each condition, as the core decided (`cargo run -p fieldkit-app-api --bin generate-ts`).
import visibility from "./generated/visibility.json";

const reason = {
  id: "reason",
  type: "choice",
  label: { en: "Reason", sw: "Sababu" },
  choices: [{ value: "lost", label: { en: "Lost", sw: "Imepotea" } }, { value: "damaged", label: { en: "Damaged", sw: "Imeharibika" } }],
} as Field;
const abstract = {
  id: "police_abstract_number",
  type: "text",
  label: { en: "Police abstract", sw: "Taarifa ya polisi" },
  visible_when: [{ field: "reason", equals: "lost" }],
} as Field;
const surname = { id: "surname", type: "name", label: { en: "Surname", sw: "Jina la ukoo" }, prefill: "surname" } as Field;
const service = {
  id: "national-id.replacement",
  mda: "nrb",
  name: { en: "Replacement ID", sw: "Kitambulisho mbadala" },
  help: { en: "", sw: "" },
  turnaround_days: 30,
  fields: [reason, abstract, surname],
} as Service;

describe("visibility", () => {
  it("shows a field only when its conditions hold", () => {
    expect(isVisible(abstract, { reason: "lost" })).toBe(true);
    expect(isVisible(abstract, { reason: "damaged" })).toBe(false);
    expect(isVisible(abstract, {})).toBe(false);
    expect(isVisible(reason, {})).toBe(true);
  });

  it("reads one_of, filled and yes/no conditions", () => {
    expect(holds({ field: "a", one_of: ["x", "y"] }, { a: "y" })).toBe(true);
    expect(holds({ field: "a", one_of: ["x", "y"] }, { a: "z" })).toBe(false);
    expect(holds({ field: "a", filled: true }, { a: "  " })).toBe(false);
    expect(holds({ field: "a", filled: false }, {})).toBe(true);
    expect(holds({ field: "a", equals: true }, { a: true })).toBe(true);
    expect(holds({ field: "a", equals: true }, { a: "true" })).toBe(false);
  });
});

describe("answers", () => {
  it("sends visible, filled answers only", () => {
    const sent = answersToSend(service, { reason: "damaged", police_abstract_number: "OB 1", surname: "", documents: ["id_card"] });
    expect(sent).toEqual({ reason: "damaged", documents: ["id_card"] });
  });

  it("prefills from the citizen's profile when it has the value", () => {
    const citizen = { surname: "Ng'ang'a", given_names: "Wambui", date_of_birth: "1990-04-12", sex: "female" };
    expect(prefilled(surname, citizen)).toBe("Ng'ang'a");
    expect(prefilled({ ...surname, prefill: "kra_pin" }, citizen)).toBeUndefined();
    expect(prefilled(reason, citizen)).toBeUndefined();
  });
});

describe("isVisible agrees with the core on the built-in catalogue", () => {
  const cases = visibility as { service: string; field: string; visible_when: Condition[]; answers: Record<string, unknown>; visible: boolean }[];
  it("has cases of both kinds to check", () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(cases.some((c) => c.visible) && cases.some((c) => !c.visible)).toBe(true);
  });
  it.each(cases.map((c) => [`${c.service} ${c.field} ${JSON.stringify(c.answers)}`, c] as const))("%s", (_, c) => {
    expect(isVisible({ visible_when: c.visible_when }, c.answers)).toBe(c.visible);
  });
});
