// The backend's commands and events, typed. Every command either answers or throws a UiError.
// The types are generated from the Rust views (src/generated/, `cargo run -p fieldkit-app-api
// --bin generate-ts`); the command names come from crates/app-api/commands.txt, and a Rust test
// checks that this file calls exactly those.

import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Command } from "./generated/commands";
import type {
  AppInfo, Application, ApplicationState, ApplicationView, Catalogue, Citizen, DeviceStatus, EnrolledView, FeedbackRecord,
  FormCheckView, HomeView, Lang, NewApplication, NewCitizen, NewFeedback, OfficerView, OutreachPlanInput, PlanCheckView,
  PlanExportView, PlanSavedView, PlansView, PrintView, ProgressView, ReportView, StartedView, SyncFinished, SyncView,
  TrainingView, UiError,
} from "./generated/types";

export type * from "./generated/types";

/** The names the screens use for some generated views. */
export type Home = HomeView;
export type Officer = OfficerView;
export type AppState = ApplicationState;

export function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "text" in e;
}

/** The one way to the backend: a command from the generated list. */
function call<T>(command: Command, args?: InvokeArgs): Promise<T> {
  return invoke<T>(command, args);
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  signIn: (number: string, pin: string) => call<OfficerView>("sign_in", { number, pin }),
  signOut: () => call<void>("sign_out"),
  lock: () => call<void>("lock"),
  unlock: (pin: string) => call<OfficerView>("unlock", { pin }),
  setLanguage: (lang: Lang) => call<Lang>("set_language", { lang }),
  home: () => call<HomeView>("home"),
  catalogue: () => call<Catalogue>("catalogue"),
  findCitizens: (query: string) => call<Citizen[]>("find_citizens", { query }),
  registerCitizen: (citizen: NewCitizen) => call<Citizen>("register_citizen", { citizen }),
  checkApplication: (application: NewApplication, draft?: string) =>
    call<FormCheckView>("check_application", { application, draft: draft ?? null }),
  saveApplication: (application: NewApplication, submit: boolean) =>
    call<ApplicationView>("save_application", { application, submit }),
  editApplication: (id: string, form: Record<string, unknown>) => call<ApplicationView>("edit_application", { id, form }),
  submitApplication: (id: string) => call<ApplicationView>("submit_application", { id }),
  citizen: (id: string) => call<Citizen>("citizen", { id }),
  application: (id: string) => call<Application>("application", { id }),
  applications: (filter?: ApplicationState) => call<ApplicationView[]>("applications", { filter: filter ?? null }),
  syncNow: () => call<void>("sync_now"),
  syncState: () => call<SyncView>("sync_state"),
  deviceStatus: () => call<DeviceStatus>("device_status"),
  printSlip: (id: string) => call<PrintView>("print_slip", { id }),
  dayReport: (date?: string) => call<ReportView>("day_report", { date: date ?? null }),
  outreachPlans: () => call<PlansView>("outreach_plans"),
  checkOutreachPlan: (plan: OutreachPlanInput) => call<PlanCheckView>("check_outreach_plan", { plan }),
  saveOutreachPlan: (plan: OutreachPlanInput, allowClashes: boolean) =>
    call<PlanSavedView>("save_outreach_plan", { plan, allowClashes }),
  exportOutreachPlan: (id: string) => call<PlanExportView>("export_outreach_plan", { id }),
  recordFeedback: (feedback: NewFeedback) => call<FeedbackRecord>("record_feedback", { feedback }),
  /** ICT officer: install the laptop's provisioning bundle (path on this laptop) with its one-time code. */
  importProvisioningBundle: (path: string, code: string) =>
    call<EnrolledView>("import_provisioning_bundle", { path, code }),
  /** First start: the ICT officer creates the profile from the provisioning bundle. */
  setUpLaptop: (fields: { number: string; name: string; pin: string; path: string; code: string }) =>
    call<EnrolledView>("set_up_laptop", fields),
  /** Training mode: the trainer's panel. */
  training: () => call<TrainingView>("training"),
  startScenario: (scenario: string) => call<StartedView>("start_scenario", { scenario }),
  /** Restarts the app in training mode (`training`) or for real work. */
  switchMode: (training: boolean) => call<void>("switch_mode", { training }),
};

export const events = {
  progress: (f: (p: ProgressView) => void): Promise<UnlistenFn> => listen<ProgressView>("sync-progress", (e) => f(e.payload)),
  finished: (f: (s: SyncFinished) => void): Promise<UnlistenFn> => listen<SyncFinished>("sync-finished", (e) => f(e.payload)),
  device: (f: (d: DeviceStatus) => void): Promise<UnlistenFn> => listen<DeviceStatus>("device-status", (e) => f(e.payload)),
  /** The session locked itself after the configured idle time. */
  locked: (f: () => void): Promise<UnlistenFn> => listen("session-locked", () => f()),
};
