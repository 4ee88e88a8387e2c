// "Plan an outreach": the centre manager's plans and the form for one. The core checks the plan
// as it is typed (problems beside the fields, double bookings in a box of their own, the budget's
// balance); nothing here decides validity.

import { useEffect, useRef, useState } from "preact/hooks";
import {
  api, isUiError,
  type ClashView, type EquipmentKind, type EquipmentLine, type EquipmentSource, type ExpenseCategory, type Mda,
  type NoticeStatus, type OutreachPlan, type OutreachStatus, type PlanCheckView, type PlansView, type StakeholderKind,
} from "./api";
import { text, type Catalogue } from "./catalogue";
import { fill, type Lang, type Words } from "./i18n";

/** How long the manager pauses typing before the plan is checked. */
const CHECK_AFTER_MS = 400;

const NIL = "00000000-0000-0000-0000-000000000000";

const EXPENSE_CATEGORIES: ExpenseCategory[] = ["transport", "fuel", "equipment_hire", "allowances", "meals", "communication", "other"];
const EQUIPMENT_KINDS: EquipmentKind[] = ["tent", "chairs", "public_address", "generator", "batteries", "printer", "laptop", "other"];
const EQUIPMENT_SOURCES: EquipmentSource[] = ["needed", "centre", "agency", "hired"];
const STAKEHOLDER_KINDS: StakeholderKind[] = ["county_commissioner", "county_government", "chief", "village_elders", "other"];
const NOTICE_STATUSES: NoticeStatus[] = ["not_notified", "notified", "confirmed"];

/** Focus the first field when the form appears (module-level, so Preact calls it once). */
const focusOnMount = (element: HTMLElement | null) => {
  if (element) queueMicrotask(() => element.focus());
};

interface ExpenseDraft { category: ExpenseCategory; amount: string; description: string; spent_on: string; receipt: string }
interface EquipmentDraft { kind: EquipmentKind; quantity: string; source: EquipmentSource; agency: string; asset_tag: string }
interface StakeholderDraft { kind: StakeholderKind; name: string; status: NoticeStatus }

/** The form as typed: text as text, the core gets the plan built from it. */
interface PlanDraft {
  /** The plan as last loaded or saved (fields this form does not edit are kept from it). */
  base: OutreachPlan | null;
  name: string;
  centre: string;
  county_code: string;
  sub_county: string;
  ward: string;
  place: string;
  starts_on: string;
  ends_on: string;
  services: string[];
  mdas: string[];
  officers: string;
  laptops: string;
  generator: string;
  equipment: EquipmentDraft[];
  status: OutreachStatus;
  agreed: string[];
  imprest: string;
  expenses: ExpenseDraft[];
  lat: string;
  lon: string;
  stakeholders: StakeholderDraft[];
}

function emptyDraft(imprest: number): PlanDraft {
  return {
    base: null, name: "", centre: "", county_code: "", sub_county: "", ward: "", place: "", starts_on: "", ends_on: "",
    services: [], mdas: [], officers: "", laptops: "", generator: "", equipment: [], status: "draft", agreed: [],
    imprest: String(imprest), expenses: [],
    lat: "", lon: "", stakeholders: [],
  };
}

const allAgreed = (c: { impact: boolean; process_map: boolean; procedures: boolean; equipment: boolean; counters: boolean; staff: boolean; turnaround: boolean }) =>
  c.impact && c.process_map && c.procedures && c.equipment && c.counters && c.staff && c.turnaround;

function draftOf(plan: OutreachPlan): PlanDraft {
  const equipment = plan.equipment ?? [];
  const generatorAt = equipment.findIndex((e) => e.kind === "generator" && !!e.asset_tag);
  return {
    base: plan,
    name: plan.name, centre: plan.centre, county_code: plan.county_code, sub_county: plan.sub_county ?? "", ward: plan.ward ?? "",
    place: plan.place, starts_on: plan.starts_on, ends_on: plan.ends_on, services: [...plan.services], mdas: [...(plan.mdas ?? [])],
    officers: (plan.officers ?? []).join(", "), laptops: (plan.laptops ?? []).join(", "),
    generator: generatorAt >= 0 ? equipment[generatorAt].asset_tag ?? "" : "",
    equipment: equipment.filter((_, i) => i !== generatorAt).map((e) => ({
      kind: e.kind, quantity: String(e.quantity), source: e.source, agency: e.agency ?? "", asset_tag: e.asset_tag ?? "",
    })),
    status: plan.status,
    agreed: (plan.checklists ?? []).filter(allAgreed).map((c) => c.service_id),
    imprest: plan.budget ? String(plan.budget.imprest_ksh) : "",
    expenses: (plan.budget?.expenses ?? []).map((e) => ({
      category: e.category, amount: String(e.amount_ksh), description: e.description, spent_on: e.spent_on, receipt: e.receipt ?? "",
    })),
    lat: plan.gps ? String(plan.gps.lat) : "",
    lon: plan.gps ? String(plan.gps.lon) : "",
    stakeholders: (plan.stakeholders ?? []).map((h) => ({ ...h })),
  };
}

/** Whole shillings or counts as typed; anything else is sent as 0 so the core names the field. */
const whole = (s: string) => (/^\d{1,15}$/.test(s.trim()) ? Number(s.trim()) : 0);
const list = (s: string) => s.split(",").map((x) => x.trim()).filter((x) => x !== "");
const optional = (s: string) => (s.trim() === "" ? undefined : s.trim());

/** Whether the plan names a generator tag: it is then the first equipment line. */
const hasGenerator = (d: PlanDraft) => d.generator.trim() !== "";

function planOf(d: PlanDraft): OutreachPlan {
  const base = d.base ?? { id: NIL, revision: 0 };
  const equipment: EquipmentLine[] = [
    ...(hasGenerator(d) ? [{ kind: "generator" as const, quantity: 1, source: "centre" as const, asset_tag: d.generator.trim() }] : []),
    ...d.equipment.map((e) => ({
      kind: e.kind, quantity: whole(e.quantity), source: e.source,
      agency: e.source === "agency" ? optional(e.agency) : undefined, asset_tag: optional(e.asset_tag),
    })),
  ];
  // Checklists for services the form does not tick as agreed stay as they were.
  const kept = (d.base?.checklists ?? []).filter((c) => d.services.includes(c.service_id) && !d.agreed.includes(c.service_id));
  const agreed = d.agreed.filter((id) => d.services.includes(id)).map((service_id) => ({
    service_id, impact: true, process_map: true, procedures: true, equipment: true, counters: true, staff: true, turnaround: true,
  }));
  const budget = d.imprest.trim() === "" && d.expenses.length === 0 ? undefined : {
    imprest_ksh: whole(d.imprest),
    expenses: d.expenses.map((e) => ({
      category: e.category, amount_ksh: whole(e.amount), description: e.description, spent_on: e.spent_on.trim(), receipt: optional(e.receipt),
    })),
  };
  return {
    ...(d.base ?? {}),
    id: base.id,
    revision: base.revision,
    name: d.name,
    centre: d.centre,
    county_code: d.county_code,
    place: d.place,
    starts_on: d.starts_on.trim(),
    ends_on: d.ends_on.trim(),
    services: d.services,
    status: d.status,
    sub_county: optional(d.sub_county),
    ward: optional(d.ward),
    mdas: d.mdas,
    officers: list(d.officers),
    laptops: list(d.laptops),
    equipment,
    checklists: [...kept, ...agreed],
    budget,
    gps: gpsOf(d),
    stakeholders: d.stakeholders.map((h) => ({ kind: h.kind, name: h.name.trim(), status: h.status })),
  };
}

/** Both coordinates or neither; a half-typed point is sent as out of range so the core names it. */
function gpsOf(d: PlanDraft): OutreachPlan["gps"] {
  if (d.lat.trim() === "" && d.lon.trim() === "") return undefined;
  const number = (t: string) => (/^-?\d{1,3}(\.\d+)?$/.test(t.trim()) ? Number(t.trim()) : 999);
  return { lat: number(d.lat), lon: number(d.lon) };
}

/** The part of the plan a form field edits, as the core's problem paths begin. */
const ROOTS: Partial<Record<keyof PlanDraft, string>> = {
  generator: "equipment", imprest: "budget", expenses: "budget", agreed: "checklists", status: "checklists", lat: "gps", lon: "gps",
};
const rootOf = (path: string) => path.split(/[.[]/)[0];

/** The problems at `field` or inside it (`officers[1]`, `budget.expenses[0].amount_ksh`): all of
 * them once a save was tried, else only in the parts already edited (a new, empty plan is not
 * shown as a page of errors). */
function problemsAt(check: PlanCheckView | null, saveProblems: { field: string; text: string }[] | null, touched: Set<string>, field: string): string[] {
  const all = saveProblems ?? (check?.problems ?? []).filter((p) => touched.has(rootOf(p.field)));
  return all.filter((p) => p.field === field || p.field.startsWith(`${field}[`) || p.field.startsWith(`${field}.`)).map((p) => p.text);
}

function Problems({ texts, id }: { texts: string[]; id: string }) {
  if (texts.length === 0) return null;
  return <em class="problem" id={id}>{texts.join(" ")}</em>;
}

interface Props { w: Words; lang: Lang; guard: (e: unknown) => void }

export function PlanningScreen({ w, lang, guard }: Props) {
  const [view, setView] = useState<PlansView | null>(null);
  const [catalogue, setCatalogue] = useState<(Catalogue & { mdas?: Mda[] }) | null>(null);
  const [draft, setDraft] = useState<PlanDraft | null>(null);
  const [check, setCheck] = useState<PlanCheckView | null>(null);
  const [checking, setChecking] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ field: string; text: string }[] | null>(null);
  const [saved, setSaved] = useState("");
  const [exported, setExported] = useState("");
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const asked = useRef(0);

  const reload = () => api.outreachPlans().then(setView).catch(guard);
  useEffect(() => {
    void reload();
    api.catalogue().then((c) => setCatalogue(c as Catalogue & { mdas?: Mda[] })).catch(guard);
  }, []);

  // Check the plan once typing pauses; an answer to an older question is dropped.
  useEffect(() => {
    if (!draft) return undefined;
    const question = ++asked.current;
    setChecking(true);
    const timer = setTimeout(() => {
      api.checkOutreachPlan(planOf(draft))
        .then((answer) => { if (question === asked.current) { setCheck(answer); setChecking(false); } })
        .catch((e) => { if (question === asked.current) setChecking(false); guard(e); });
    }, CHECK_AFTER_MS);
    return () => clearTimeout(timer);
  }, [draft, lang]);

  const edit = (change: Partial<PlanDraft>) => {
    setDraft((d) => (d ? { ...d, ...change } : d));
    setTouched((t) => new Set([...t, ...Object.keys(change).map((k) => ROOTS[k as keyof PlanDraft] ?? k)]));
    setSaveProblems(null);
    setSaved("");
  };

  const start = (next: PlanDraft) => {
    asked.current++;
    setCheck(null);
    setSaveProblems(null);
    setSaved("");
    setTouched(new Set(next.base ? Object.keys(next).map((k) => ROOTS[k as keyof PlanDraft] ?? k) : []));
    setDraft(next);
  };

  const save = async (allowClashes: boolean) => {
    if (!draft) return;
    setBusy(true);
    try {
      const result = await api.saveOutreachPlan(planOf(draft), allowClashes);
      if (result.saved) {
        asked.current++;
        setDraft(draftOf(result.plan));
        setSaved(fill(w.planSaved, { name: result.plan.name, revision: result.plan.revision }));
        await reload();
      } else {
        setCheck((c) => ({ ok: false, problems: c?.problems ?? [], budget: c?.budget ?? null, clashes: result.clashes }));
      }
    } catch (err) {
      if (isUiError(err) && err.problem_texts.length > 0) setSaveProblems(err.problem_texts);
      else guard(err);
    } finally {
      setBusy(false);
    }
  };

  const exportPlan = async (plan: OutreachPlan) => {
    try {
      const paths = await api.exportOutreachPlan(plan.id);
      setExported(fill(w.planExported, { name: plan.name, pdf: paths.pdf_path, ics: paths.ics_path }));
    } catch (err) { guard(err); }
  };

  return (
    <section id="planning">
      <h1>{w.planning}</h1>
      <PlanList w={w} view={view} open={(plan) => start(draftOf(plan))} exportPlan={(p) => void exportPlan(p)} />
      {exported && <p id="export-outcome" role="status">{exported}</p>}
      <button id="new-plan" class="primary" onClick={() => start(emptyDraft(view?.default_imprest_ksh ?? 50000))}>{w.newPlan}</button>
      {draft && view && (
        <PlanForm
          key={draft.base?.id ?? "new"}
          w={w} lang={lang} draft={draft} view={view} catalogue={catalogue} check={check} checking={checking}
          saveProblems={saveProblems} touched={touched} busy={busy} saved={saved} edit={edit} save={(allow) => void save(allow)}
          exportPlan={() => draft.base && void exportPlan(draft.base)}
        />
      )}
    </section>
  );
}

function PlanList({ w, view, open, exportPlan }: { w: Words; view: PlansView | null; open: (p: OutreachPlan) => void; exportPlan: (p: OutreachPlan) => void }) {
  if (!view) return null;
  if (view.plans.length === 0) return <p id="no-plans">{w.noPlans}</p>;
  return (
    <table id="plans-table">
      <thead><tr><th>{w.planName}</th><th>{w.planDates}</th><th>{w.planStatus}</th><th>{w.planUpload}</th><th></th></tr></thead>
      <tbody>
        {view.plans.map(({ plan, waiting_upload }, i) => (
          <tr key={plan.id} data-plan={plan.name}>
            <td>{plan.name}</td>
            <td>{plan.starts_on} – {plan.ends_on}</td>
            <td>{w.outreachStatus[plan.status]}</td>
            <td>{waiting_upload ? w.waitingUpload : w.uploaded}</td>
            <td>
              <button id={`open-plan-${i}`} onClick={() => open(plan)}>{w.open}</button>
              <button id={`export-plan-${i}`} onClick={() => exportPlan(plan)}>{w.exportPlan}</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface FormProps {
  w: Words; lang: Lang; draft: PlanDraft; view: PlansView; catalogue: (Catalogue & { mdas?: Mda[] }) | null;
  check: PlanCheckView | null; checking: boolean; saveProblems: { field: string; text: string }[] | null; touched: Set<string>;
  busy: boolean; saved: string; edit: (c: Partial<PlanDraft>) => void; save: (allowClashes: boolean) => void; exportPlan: () => void;
}

function PlanForm(props: FormProps) {
  const { w, lang, draft, view, catalogue, check, checking, saveProblems, touched, busy, saved, edit, save } = props;
  const at = (field: string) => problemsAt(check, saveProblems, touched, field);
  const clashes: ClashView[] = check?.clashes ?? [];
  const allProblems = saveProblems ?? (check?.problems ?? []).filter((p) => touched.has(rootOf(p.field)));
  const mdaOf = (serviceId: string) => catalogue?.services.find((s) => s.id === serviceId)?.mda;

  const textField = (key: keyof PlanDraft, id: string, label: string, field: string, placeholder = "", first = false) => (
    <div class={`field${at(field).length ? " has-problem" : ""}`}>
      <label for={id}>{label}</label>
      <input id={id} ref={first ? focusOnMount : undefined} placeholder={placeholder} value={draft[key] as string}
        aria-invalid={at(field).length > 0} aria-describedby={at(field).length ? `problem-${id}` : undefined}
        onInput={(e) => edit({ [key]: (e.target as HTMLInputElement).value } as Partial<PlanDraft>)} />
      <Problems texts={at(field)} id={`problem-${id}`} />
    </div>
  );

  const toggleService = (id: string, on: boolean) => {
    const services = on ? [...draft.services, id] : draft.services.filter((s) => s !== id);
    const mda = mdaOf(id);
    let mdas = draft.mdas;
    if (mda && on && !mdas.includes(mda)) mdas = [...mdas, mda];
    if (mda && !on && !services.some((s) => mdaOf(s) === mda)) mdas = mdas.filter((m) => m !== mda);
    edit({ services, mdas });
  };

  const setExpense = (i: number, change: Partial<ExpenseDraft>) =>
    edit({ expenses: draft.expenses.map((e, j) => (j === i ? { ...e, ...change } : e)) });
  const setStakeholder = (i: number, change: Partial<StakeholderDraft>) =>
    edit({ stakeholders: draft.stakeholders.map((h, j) => (j === i ? { ...h, ...change } : h)) });
  const setEquipment = (i: number, change: Partial<EquipmentDraft>) =>
    edit({ equipment: draft.equipment.map((e, j) => (j === i ? { ...e, ...change } : e)) });
  // The generator, when named, is equipment line 0 on the wire.
  const equipmentField = (i: number) => `equipment[${i + (hasGenerator(draft) ? 1 : 0)}]`;
  const budget = check?.budget ?? null;
  const statuses: OutreachStatus[] = draft.status === "draft" || draft.status === "confirmed" ? ["draft", "confirmed"] : ["draft", "confirmed", draft.status];

  return (
    <form class="card plan-form" id="plan-form" onSubmit={(e) => { e.preventDefault(); if (clashes.length === 0) save(false); }}>
      <h2>{draft.base ? fill(w.editingPlan, { name: draft.base.name, revision: draft.base.revision }) : w.newPlan}</h2>
      {textField("name", "plan-name", w.planName, "name", "", true)}
      {textField("centre", "plan-centre", w.planCentre, "centre")}
      <div class={`field${at("county_code").length ? " has-problem" : ""}`}>
        <label for="plan-county">{w.planCounty}</label>
        <select id="plan-county" value={draft.county_code} onChange={(e) => edit({ county_code: (e.target as HTMLSelectElement).value })}>
          <option value="">{w.choose}</option>
          {view.counties.map((c) => <option key={c.code} value={c.code}>{c.name} ({c.code})</option>)}
        </select>
        <Problems texts={at("county_code")} id="problem-plan-county" />
      </div>
      {textField("sub_county", "plan-sub-county", w.planSubCounty, "sub_county")}
      {textField("ward", "plan-ward", w.planWard, "ward")}
      {textField("place", "plan-place", w.planPlace, "place")}
      <div class="two">
        {textField("lat", "plan-gps-lat", w.planGpsLat, "gps")}
        {textField("lon", "plan-gps-lon", w.planGpsLon, "gps")}
      </div>
      <div class="two">
        {textField("starts_on", "plan-starts-on", w.planStartsOn, "starts_on", "YYYY-MM-DD")}
        {textField("ends_on", "plan-ends-on", w.planEndsOn, "ends_on", "YYYY-MM-DD")}
      </div>

      {textField("officers", "plan-officers", w.planOfficers, "officers", "FD001, FD002")}
      {textField("laptops", "plan-laptops", w.planLaptops, "laptops", "K7QM, M2PX")}
      {textField("generator", "plan-generator", w.planGenerator, hasGenerator(draft) ? "equipment[0]" : "generator", "GEN-02")}
      {/* Right below what can be double-booked (dates, people, laptops, the generator). */}
      {clashes.length > 0 && (
        <div class="clashes" id="plan-clashes" role="alert" aria-labelledby="plan-clashes-title">
          <h3 id="plan-clashes-title">{w.clashesTitle}</h3>
          <ul>{clashes.map((c) => <li key={`${c.kind}-${c.id}-${c.other_id}`} data-kind={c.kind}>{c.text}</li>)}</ul>
        </div>
      )}
      <p id="plan-check-status" role="status">
        {checking ? w.checkingPlan : !check ? "" : clashes.length > 0 ? fill(w.clashCount, { n: clashes.length }) : w.noClashes}
      </p>
      <fieldset id="plan-services">
        <legend>{w.planServices}</legend>
        {(catalogue?.services ?? []).map((s) => (
          <label key={s.id} class="check">
            <input type="checkbox" id={`plan-service-${s.id}`} checked={draft.services.includes(s.id)}
              onChange={(e) => toggleService(s.id, (e.target as HTMLInputElement).checked)} />
            {text(s.name, lang)}
          </label>
        ))}
        <Problems texts={at("services")} id="problem-plan-services" />
      </fieldset>

      <fieldset id="plan-mdas">
        <legend>{w.planMdas}</legend>
        {(catalogue?.mdas ?? []).map((m) => (
          <label key={m.id} class="check">
            <input type="checkbox" id={`plan-mda-${m.id}`} checked={draft.mdas.includes(m.id)}
              onChange={(e) => edit({ mdas: (e.target as HTMLInputElement).checked ? [...draft.mdas, m.id] : draft.mdas.filter((x) => x !== m.id) })} />
            {text(m.name, lang)}
          </label>
        ))}
        <Problems texts={at("mdas")} id="problem-plan-mdas" />
      </fieldset>


      <fieldset id="plan-equipment">
        <legend>{w.planEquipment}</legend>
        {draft.equipment.map((e, i) => (
          <div key={i} class="row">
            <label class="field">{w.equipmentKind}
              <select id={`equipment-${i}-kind`} value={e.kind} onChange={(ev) => setEquipment(i, { kind: (ev.target as HTMLSelectElement).value as EquipmentKind })}>
                {EQUIPMENT_KINDS.map((k) => <option key={k} value={k}>{w.equipmentKinds[k]}</option>)}
              </select>
            </label>
            <label class="field">{w.equipmentQuantity}
              <input id={`equipment-${i}-quantity`} inputMode="numeric" value={e.quantity} onInput={(ev) => setEquipment(i, { quantity: (ev.target as HTMLInputElement).value })} />
            </label>
            <label class="field">{w.equipmentSource}
              <select id={`equipment-${i}-source`} value={e.source} onChange={(ev) => setEquipment(i, { source: (ev.target as HTMLSelectElement).value as EquipmentSource })}>
                {EQUIPMENT_SOURCES.map((s) => <option key={s} value={s}>{w.equipmentSources[s]}</option>)}
              </select>
            </label>
            {e.source === "agency" && (
              <label class="field">{w.equipmentAgency}
                <input id={`equipment-${i}-agency`} value={e.agency} onInput={(ev) => setEquipment(i, { agency: (ev.target as HTMLInputElement).value })} />
              </label>
            )}
            <label class="field">{w.equipmentTag}
              <input id={`equipment-${i}-tag`} value={e.asset_tag} onInput={(ev) => setEquipment(i, { asset_tag: (ev.target as HTMLInputElement).value })} />
            </label>
            <button type="button" id={`equipment-${i}-remove`} onClick={() => edit({ equipment: draft.equipment.filter((_, j) => j !== i) })}>{w.removeItem}</button>
            <Problems texts={at(equipmentField(i))} id={`problem-equipment-${i}`} />
          </div>
        ))}
        <button type="button" id="add-equipment" onClick={() => edit({ equipment: [...draft.equipment, { kind: "tent", quantity: "1", source: "centre", agency: "", asset_tag: "" }] })}>{w.addItem}: {w.planEquipment}</button>
      </fieldset>

      <fieldset id="plan-stakeholders">
        <legend>{w.planStakeholders}</legend>
        {draft.stakeholders.map((h, i) => (
          <div key={i} class="row">
            <label class="field">{w.stakeholderKind}
              <select id={`stakeholder-${i}-kind`} value={h.kind} onChange={(ev) => setStakeholder(i, { kind: (ev.target as HTMLSelectElement).value as StakeholderKind })}>
                {STAKEHOLDER_KINDS.map((k) => <option key={k} value={k}>{w.stakeholderKinds[k]}</option>)}
              </select>
            </label>
            <label class="field">{w.stakeholderName}
              <input id={`stakeholder-${i}-name`} value={h.name} onInput={(ev) => setStakeholder(i, { name: (ev.target as HTMLInputElement).value })} />
            </label>
            <label class="field">{w.stakeholderStatus}
              <select id={`stakeholder-${i}-status`} value={h.status} onChange={(ev) => setStakeholder(i, { status: (ev.target as HTMLSelectElement).value as NoticeStatus })}>
                {NOTICE_STATUSES.map((n) => <option key={n} value={n}>{w.noticeStatuses[n]}</option>)}
              </select>
            </label>
            <button type="button" id={`stakeholder-${i}-remove`} onClick={() => edit({ stakeholders: draft.stakeholders.filter((_, j) => j !== i) })}>{w.removeItem}</button>
            <Problems texts={at(`stakeholders[${i}]`)} id={`problem-stakeholder-${i}`} />
          </div>
        ))}
        <button type="button" id="add-stakeholder" onClick={() => edit({ stakeholders: [...draft.stakeholders, { kind: "chief", name: "", status: "not_notified" }] })}>{w.addItem}: {w.planStakeholders}</button>
      </fieldset>

      <div class="field">
        <label for="plan-status">{w.planStatus}</label>
        <select id="plan-status" value={draft.status} onChange={(e) => edit({ status: (e.target as HTMLSelectElement).value as OutreachStatus })}>
          {statuses.map((s) => <option key={s} value={s}>{w.outreachStatus[s]}</option>)}
        </select>
      </div>
      {draft.status !== "draft" && draft.services.length > 0 && (
        <fieldset id="plan-checklists">
          <legend>{w.planChecklists}</legend>
          {draft.services.map((id) => (
            <label key={id} class="check">
              <input type="checkbox" id={`plan-checklist-${id}`} checked={draft.agreed.includes(id)}
                onChange={(e) => edit({ agreed: (e.target as HTMLInputElement).checked ? [...draft.agreed, id] : draft.agreed.filter((x) => x !== id) })} />
              {text(catalogue?.services.find((s) => s.id === id)?.name, lang) || id}
            </label>
          ))}
          <Problems texts={at("checklists")} id="problem-plan-checklists" />
        </fieldset>
      )}

      <fieldset id="plan-budget">
        <legend>{w.planBudget}</legend>
        {textField("imprest", "plan-imprest", w.planImprest, "budget.imprest_ksh")}
        {draft.expenses.map((e, i) => {
          const line = budget?.expenses[i];
          const field = `budget.expenses[${i}]`;
          return (
            <div key={i} class={`row${line?.goes_negative ? " negative" : ""}`} data-expense={i}>
              <label class="field">{w.expenseCategory}
                <select id={`expense-${i}-category`} value={e.category} onChange={(ev) => setExpense(i, { category: (ev.target as HTMLSelectElement).value as ExpenseCategory })}>
                  {EXPENSE_CATEGORIES.map((c) => <option key={c} value={c}>{w.expenseCategories[c]}</option>)}
                </select>
              </label>
              <label class="field">{w.expenseAmount}
                <input id={`expense-${i}-amount`} inputMode="numeric" value={e.amount} onInput={(ev) => setExpense(i, { amount: (ev.target as HTMLInputElement).value })} />
              </label>
              <label class="field">{w.expenseDescription}
                <input id={`expense-${i}-description`} value={e.description} onInput={(ev) => setExpense(i, { description: (ev.target as HTMLInputElement).value })} />
              </label>
              <label class="field">{w.expenseDate}
                <input id={`expense-${i}-date`} placeholder="YYYY-MM-DD" value={e.spent_on} onInput={(ev) => setExpense(i, { spent_on: (ev.target as HTMLInputElement).value })} />
              </label>
              <label class="field">{w.expenseReceipt}
                <input id={`expense-${i}-receipt`} value={e.receipt} onInput={(ev) => setExpense(i, { receipt: (ev.target as HTMLInputElement).value })} />
              </label>
              <button type="button" id={`expense-${i}-remove`} onClick={() => edit({ expenses: draft.expenses.filter((_, j) => j !== i) })}>{w.removeItem}</button>
              {line && <small id={`expense-${i}-balance`}>{fill(w.balanceAfter, { balance: ksh(line.balance_after) })}</small>}
              {line?.warning && <em class="problem" id={`expense-${i}-warning`} role="alert">{line.warning}</em>}
              <Problems texts={at(field)} id={`problem-expense-${i}`} />
            </div>
          );
        })}
        <button type="button" id="add-expense" onClick={() => edit({ expenses: [...draft.expenses, { category: "transport", amount: "", description: "", spent_on: "", receipt: "" }] })}>{w.addItem}: {w.expense}</button>
        {budget && (
          <p id="plan-balance" class={budget.balance < 0 ? "problem" : ""}>
            {fill(w.balance, { balance: ksh(budget.balance), spent: ksh(budget.spent), imprest: ksh(budget.imprest) })}
            {budget.expenses_without_receipt > 0 && ` · ${fill(w.withoutReceipt, { n: budget.expenses_without_receipt })}`}
          </p>
        )}
        {budget?.warning && <p class="problem" id="budget-warning" role="alert">{budget.warning}</p>}
      </fieldset>

      {allProblems.length > 0 && (
        <div class="problem" id="plan-problems" role="alert">
          <p>{w.fixErrors} ({allProblems.length})</p>
          <ul>{allProblems.map((p) => <li key={p.field + p.text}>{p.text}</li>)}</ul>
        </div>
      )}
      <div class="actions">
        {clashes.length > 0 && <span class="problem" id="save-blocked">{w.saveBlocked}</span>}
        <button type="submit" id="save-plan" class="primary" disabled={busy || clashes.length > 0} aria-describedby={clashes.length > 0 ? "save-blocked" : undefined}>{w.savePlan}</button>
        {clashes.length > 0 && <button type="button" id="save-plan-anyway" disabled={busy} onClick={() => save(true)}>{w.savePlanAnyway}</button>}
        {draft.base && <button type="button" id="export-plan" onClick={props.exportPlan}>{w.exportPlan}</button>}
      </div>
      {saved && <p id="plan-saved" role="status">{saved}</p>}
    </form>
  );
}

function ksh(n: number): string {
  return `KSh ${n.toLocaleString("en-KE")}`;
}
