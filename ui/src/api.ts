// The backend's commands and events, typed. Every command either answers or throws a UiError.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Answers, Catalogue, CitizenProfile } from "./catalogue";

export interface UiError {
  code: string;
  message_key: string;
  message: string;
  text: string;
  field?: string;
  problem_texts: { field: string; text: string }[];
  retry_after_secs?: number;
}

export function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "text" in e;
}

export interface AppInfo {
  version: string;
  demo: boolean;
  profile_exists: boolean;
  lang: "en" | "sw";
}

export interface Officer {
  number: string;
  name: string;
  role: string;
  may_capture: boolean;
  may_manage_officers: boolean;
  may_export: boolean;
  may_view_day_report: boolean;
  may_plan_outreaches: boolean;
  may_record_feedback: boolean;
}

export type PrintOutcome =
  | { kind: "printed"; printer: string }
  | { kind: "saved"; path: string; reason: "no_cups" | "no_default_printer" | "printer_refused"; detail: string };

export interface DayReportView {
  date: string;
  pdf_path: string;
  csv_path: string;
  citizens_served: number;
  applications: number;
  unsynced: number;
}

export type AppState = "draft" | "submitted" | "synced" | "queried" | "accepted" | "rejected";

export interface Home {
  officer: Officer;
  captured_today: number;
  counts: [AppState, number][];
  catalogue_version: number;
  /** The outreach running today, when one is planned. */
  outreach: { name: string; place: string; ends_on: string } | null;
  /** Today's outreach's services, or the whole catalogue. */
  services: { id: string; mda: string; name: string; fee_ksh: number; turnaround_days: number }[];
}

export interface Citizen extends CitizenProfile {
  id: string;
}

export interface ApplicationView {
  id: string;
  reference: string;
  citizen_id: string;
  service_id: string;
  service_name: string;
  state: AppState;
  review_note: string | null;
  revision: number;
  updated_at: string;
}

export interface FormCheck {
  ok: boolean;
  errors: { field: string; text: string }[];
  warnings: { field: string; text: string }[];
}

export interface Progress {
  records_sent: number;
  records_waiting: number;
  bytes_sent: number;
  bytes_received: number;
  events_received: number;
  batch_size: number;
}

export interface SyncView {
  enrolled: boolean;
  state: { pull_cursor: number; last_success_at: string | null; last_attempt_at: string | null; last_error: { code: string } | null; revoked_at: string | null };
  /** Why the last attempt failed and what to do, in the officer's language. */
  last_error_text: string | null;
  pending: number;
  progress: Progress | null;
}

export interface SyncFinished {
  ok: boolean;
  report: { pushed: { synced: number }; pulled: { decisions_applied: number } } | null;
  error: UiError | null;
}

export interface DeviceStatus {
  battery_percent: number | null;
  power: "mains" | "battery" | "unknown";
  disk_free_bytes: number | null;
  link_up: boolean;
  low_battery: boolean;
}

export interface NewApplication {
  citizen_id: string;
  service_id: string;
  catalogue_version?: number;
  form: Answers;
}

export type OutreachStatus = "draft" | "confirmed" | "running" | "closed";
export type ExpenseCategory = "transport" | "fuel" | "equipment_hire" | "allowances" | "meals" | "communication" | "other";
export type EquipmentKind = "tent" | "chairs" | "public_address" | "generator" | "batteries" | "printer" | "laptop" | "other";
export type EquipmentSource = "needed" | "centre" | "agency" | "hired";

export interface EquipmentLine {
  kind: EquipmentKind;
  quantity: number;
  source: EquipmentSource;
  agency?: string;
  asset_tag?: string;
}

export interface Expense {
  category: ExpenseCategory;
  amount_ksh: number;
  description: string;
  spent_on: string;
  receipt?: string;
}

export interface ServiceChecklist {
  service_id: string;
  impact: boolean;
  process_map: boolean;
  procedures: boolean;
  equipment: boolean;
  counters: boolean;
  staff: boolean;
  turnaround: boolean;
}

/** An outreach plan as the wire carries it (fieldkit_protocol::OutreachPlan). */
export interface OutreachPlan {
  id: string;
  revision: number;
  name: string;
  centre: string;
  county_code: string;
  place: string;
  starts_on: string;
  ends_on: string;
  services: string[];
  status: OutreachStatus;
  sub_county?: string;
  ward?: string;
  mdas?: string[];
  officers?: string[];
  laptops?: string[];
  equipment?: EquipmentLine[];
  checklists?: ServiceChecklist[];
  budget?: { imprest_ksh: number; expenses: Expense[] };
  gps?: { lat: number; lon: number };
  stakeholders?: Stakeholder[];
}

export type StakeholderKind = "county_commissioner" | "county_government" | "chief" | "village_elders" | "other";
export type NoticeStatus = "not_notified" | "notified" | "confirmed";

export interface Stakeholder {
  kind: StakeholderKind;
  name: string;
  status: NoticeStatus;
}

export interface PlansView {
  plans: { plan: OutreachPlan; waiting_upload: boolean }[];
  counties: { code: string; name: string }[];
  default_imprest_ksh: number;
}

export interface ClashView {
  kind: "officer" | "laptop" | "equipment";
  id: string;
  other_id: string;
  other_name: string;
  first_day: string;
  last_day: string;
  /** In the officer's language. */
  text: string;
}

export interface BudgetView {
  imprest: number;
  spent: number;
  balance: number;
  expenses_without_receipt: number;
  warning: string | null;
  expenses: { balance_after: number; goes_negative: boolean; warning: string | null }[];
}

export interface PlanCheckView {
  ok: boolean;
  problems: { field: string; text: string }[];
  clashes: ClashView[];
  budget: BudgetView | null;
}

export interface PlanSavedView {
  saved: boolean;
  plan: OutreachPlan;
  clashes: ClashView[];
}

export type ComplaintCategory = "discrimination" | "poor_service" | "corruption" | "other";
export type ComplaintBody = "ombudsman" | "eacc" | "ncic" | "huduma_centre";

export interface NewFeedback {
  service_id?: string | null;
  satisfaction?: number | null;
  comment?: string | null;
  complaint?: {
    category: string;
    routed_to?: string | null;
    details: string;
    consent: boolean;
    anonymous: boolean;
    contact?: string | null;
  } | null;
}

export interface FeedbackRecord {
  id: string;
  given_on: string;
  satisfaction?: number;
  complaint?: { category: ComplaintCategory; routed_to: ComplaintBody };
}

/** The catalogue's MDAs (the catalogue JSON carries them beside the services). */
export interface Mda {
  id: string;
  name: { en: string; sw: string };
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  signIn: (number: string, pin: string) => invoke<Officer>("sign_in", { number, pin }),
  signOut: () => invoke<void>("sign_out"),
  lock: () => invoke<void>("lock"),
  unlock: (pin: string) => invoke<Officer>("unlock", { pin }),
  setLanguage: (lang: "en" | "sw") => invoke<string>("set_language", { lang }),
  home: () => invoke<Home>("home"),
  catalogue: () => invoke<Catalogue>("catalogue"),
  findCitizens: (query: string) => invoke<Citizen[]>("find_citizens", { query }),
  registerCitizen: (citizen: Record<string, unknown>) => invoke<Citizen>("register_citizen", { citizen }),
  checkApplication: (application: NewApplication, draft?: string) =>
    invoke<FormCheck>("check_application", { application, draft: draft ?? null }),
  saveApplication: (application: NewApplication, submit: boolean) =>
    invoke<ApplicationView>("save_application", { application, submit }),
  editApplication: (id: string, form: Answers) => invoke<ApplicationView>("edit_application", { id, form }),
  submitApplication: (id: string) => invoke<ApplicationView>("submit_application", { id }),
  citizen: (id: string) => invoke<Citizen>("citizen", { id }),
  application: (id: string) => invoke<{ id: string; form: Answers; service_id: string; citizen_id: string; review_note: string | null; state: AppState }>("application", { id }),
  applications: (filter?: AppState) => invoke<ApplicationView[]>("applications", { filter: filter ?? null }),
  syncNow: () => invoke<void>("sync_now"),
  syncState: () => invoke<SyncView>("sync_state"),
  deviceStatus: () => invoke<DeviceStatus>("device_status"),
  printSlip: (id: string) => invoke<{ reference: string; outcome: PrintOutcome }>("print_slip", { id }),
  dayReport: (date?: string) => invoke<DayReportView>("day_report", { date: date ?? null }),
  outreachPlans: () => invoke<PlansView>("outreach_plans"),
  checkOutreachPlan: (plan: OutreachPlan) => invoke<PlanCheckView>("check_outreach_plan", { plan }),
  saveOutreachPlan: (plan: OutreachPlan, allowClashes: boolean) => invoke<PlanSavedView>("save_outreach_plan", { plan, allowClashes }),
  exportOutreachPlan: (id: string) => invoke<{ pdf_path: string; ics_path: string }>("export_outreach_plan", { id }),
  recordFeedback: (feedback: NewFeedback) => invoke<FeedbackRecord>("record_feedback", { feedback }),
  /** ICT officer: install the laptop's provisioning bundle (path on this laptop) with its one-time code. */
  importProvisioningBundle: (path: string, code: string) =>
    invoke<{ device_id: string; server_url: string }>("import_provisioning_bundle", { path, code }),
};

export const events = {
  progress: (f: (p: Progress) => void): Promise<UnlistenFn> => listen<Progress>("sync-progress", (e) => f(e.payload)),
  finished: (f: (s: SyncFinished) => void): Promise<UnlistenFn> => listen<SyncFinished>("sync-finished", (e) => f(e.payload)),
  device: (f: (d: DeviceStatus) => void): Promise<UnlistenFn> => listen<DeviceStatus>("device-status", (e) => f(e.payload)),
  /** The session locked itself after the configured idle time. */
  locked: (f: () => void): Promise<UnlistenFn> => listen("session-locked", () => f()),
};
