// The app's screens and the keyboard map. State lives here; every change goes through the backend.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, events, isUiError, type AppInfo, type ApplicationView, type Citizen, type DeviceStatus, type Home, type Officer, type SyncView } from "./api";
import { answersToSend, text, type Answers, type Catalogue, type Service } from "./catalogue";
import { FeedbackScreen } from "./feedback";
import { ServiceForm } from "./form";
import { PlanningScreen } from "./planning";
import { SetUpLaptop } from "./setup";
import { TrainingPanel } from "./training";
import { bytes, fill, words, type Lang, type Words } from "./i18n";

type Screen =
  | { kind: "home" }
  | { kind: "citizen"; service?: Service }
  | { kind: "services"; citizen: Citizen }
  | { kind: "form"; citizen: Citizen; service: Service; draft?: Draft }
  | { kind: "saved"; citizen: Citizen; saved: ApplicationView }
  | { kind: "queue" }
  | { kind: "sync" }
  | { kind: "planning" }
  | { kind: "feedback" };

/** An application already in the store that the form continues: an autosaved draft, or one the
 * MDA queried (with its question). */
interface Draft {
  id: string;
  reference?: string;
  form: Answers;
  question?: string | null;
}

/** How long the officer pauses typing before the form is saved as a draft. */
const AUTOSAVE_AFTER_MS = 1500;

/** A ref that gives its element the keyboard focus as it appears, so the next keystroke lands
 * there (the HTML autofocus attribute works only once per page load, and screens here come and go
 * without one). A module-level function, so Preact calls it once when the element mounts, not on
 * every render. Preact may hand over an element of a new screen before the screen is attached to
 * the page, where focus() does nothing: so focus once the render has finished (a microtask, before
 * any further input is handled). */
const focusOnMount = (element: HTMLElement | null) => {
  if (!element) return;
  focusTarget = element;
  queueMicrotask(() => element.focus());
};

/** The element a screen last asked to have the focus. When the window itself gets the focus back
 * (the app's window appearing, or the officer switching back to it) and nothing inside has it,
 * the focus returns there, so typing goes where it should without reaching for the mouse. */
let focusTarget: HTMLElement | null = null;
window.addEventListener("focus", () => {
  const nothingFocused = document.activeElement === null || document.activeElement === document.body;
  if (nothingFocused && focusTarget?.isConnected) focusTarget.focus();
});

function errorText(e: unknown): string {
  return isUiError(e) ? e.text : String(e);
}

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [lang, setLang] = useState<Lang>("en");
  const [contrast, setContrast] = useState(false);
  const [officer, setOfficer] = useState<Officer | null>(null);
  const [locked, setLocked] = useState(false);
  const [screen, setScreen] = useState<Screen>({ kind: "home" });
  const [device, setDevice] = useState<DeviceStatus | null>(null);
  const [notice, setNotice] = useState<string>("");
  const w = words[lang];
  // Event handlers are registered once; they read the language chosen since through this.
  const langNow = useRef<Lang>(lang);
  langNow.current = lang;

  useEffect(() => {
    api.appInfo().then((i) => { setInfo(i); setLang(i.lang); }).catch((e) => setNotice(errorText(e)));
    api.deviceStatus().then(setDevice).catch(() => undefined);
    const off = [
      events.device(setDevice),
      events.finished((f) => {
        setNotice(f.ok && f.report ? fill(words[langNow.current].syncDone, { sent: f.report.pushed.synced, decisions: f.report.pulled.decisions_applied }) : f.error?.text ?? "");
      }),
      events.locked(() => setLocked(true)),
    ];
    return () => off.forEach((p) => p.then((u) => u()));
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.body.classList.toggle("contrast", contrast);
  }, [lang, contrast]);

  const switchLanguage = async () => {
    const next: Lang = lang === "en" ? "sw" : "en";
    await api.setLanguage(next);
    setLang(next);
  };

  // A command refused because the session idled out shows the lock screen instead.
  const guard = (e: unknown) => {
    if (isUiError(e) && e.code === "session_locked" && officer) setLocked(true);
    else setNotice(errorText(e));
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || !officer || locked) return;
      const key = e.key.toLowerCase();
      const go: Record<string, () => void> = {
        h: () => setScreen({ kind: "home" }),
        n: () => setScreen({ kind: "citizen" }),
        q: () => setScreen({ kind: "queue" }),
        s: () => setScreen({ kind: "sync" }),
        l: () => void switchLanguage(),
        c: () => setContrast((c) => !c),
        ...(officer.may_plan_outreaches ? { o: () => setScreen({ kind: "planning" }) } : {}),
        ...(officer.may_record_feedback ? { f: () => setScreen({ kind: "feedback" }) } : {}),
      };
      if (go[key]) {
        e.preventDefault();
        go[key]();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const header = (
    <header>
      <strong>{w.appName}</strong>
      {officer && !locked && (
        <nav>
          <button id="nav-home" onClick={() => setScreen({ kind: "home" })}>{w.home}</button>
          <button id="nav-citizen" onClick={() => setScreen({ kind: "citizen" })}>{w.nextCitizen}</button>
          <button id="nav-queue" onClick={() => setScreen({ kind: "queue" })}>{w.queue}</button>
          <button id="nav-sync" onClick={() => setScreen({ kind: "sync" })}>{officer.role === "ict_officer" ? w.enrol : w.sync}</button>
          {officer.may_plan_outreaches && <button id="nav-planning" onClick={() => setScreen({ kind: "planning" })}>{w.planning}</button>}
          {officer.may_record_feedback && <button id="nav-feedback" onClick={() => setScreen({ kind: "feedback" })}>{w.feedback}</button>}
          <button id="lock" onClick={() => api.lock().then(() => setLocked(true)).catch(guard)}>{w.lock}</button>
          <button id="sign-out" onClick={() => api.signOut().then(() => { setOfficer(null); setScreen({ kind: "home" }); })}>{w.signOut}</button>
        </nav>
      )}
      <button id="language" onClick={() => void switchLanguage()}>{w.language}</button>
      <button id="contrast" aria-pressed={contrast} onClick={() => setContrast(!contrast)}>{w.contrast}</button>
    </header>
  );

  let body;
  if (!officer && info && !info.profile_exists && !info.demo) {
    body = <SetUpLaptop lang={lang} onDone={() => api.appInfo().then(setInfo).catch((e) => setNotice(errorText(e)))} />;
  } else if (!officer) {
    body = (
      <div>
        <SignIn w={w} onSignedIn={(o) => { setOfficer(o); setLocked(false); setScreen({ kind: "home" }); setNotice(""); }} />
        {info && <TrainingPanel demo={info.demo} lang={lang} />}
      </div>
    );
  }
  else if (screen.kind === "home") body = <HomeScreen w={w} lang={lang} go={setScreen} guard={guard} />;
  else if (screen.kind === "citizen") {
    const service = screen.service;
    body = <CitizenScreen w={w} lang={lang} service={service} onChosen={(c) => setScreen(service ? { kind: "form", citizen: c, service } : { kind: "services", citizen: c })} guard={guard} />;
  }
  else if (screen.kind === "services") body = <ServicePicker w={w} lang={lang} citizen={screen.citizen} onChosen={(s) => setScreen({ kind: "form", citizen: screen.citizen, service: s })} guard={guard} />;
  else if (screen.kind === "form") body = <FormScreen key={screen.service.id + (screen.draft?.id ?? "")} w={w} lang={lang} citizen={screen.citizen} service={screen.service} draft={screen.draft} onSaved={(saved) => setScreen({ kind: "saved", citizen: screen.citizen, saved })} onBack={() => setScreen({ kind: "services", citizen: screen.citizen })} guard={guard} />;
  else if (screen.kind === "saved") body = <Saved w={w} guard={guard} saved={screen.saved} next={() => setScreen({ kind: "citizen" })} same={() => setScreen({ kind: "services", citizen: screen.citizen })} />;
  else if (screen.kind === "queue") body = <QueueScreen w={w} guard={guard} open={(citizen, service, draft) => setScreen({ kind: "form", citizen, service, draft })} />;
  else if (screen.kind === "planning" && officer.may_plan_outreaches) body = <PlanningScreen w={w} lang={lang} guard={guard} />;
  else if (screen.kind === "feedback" && officer.may_record_feedback) body = <FeedbackScreen w={w} lang={lang} guard={guard} />;
  // The ICT officer does not sync (they may not read applications); their sync screen enrols the laptop.
  else if (screen.kind === "sync") body = officer.role === "ict_officer" ? <EnrolScreen w={w} guard={guard} /> : <SyncPanel w={w} guard={guard} />;
  else body = <HomeScreen w={w} lang={lang} go={setScreen} guard={guard} />;

  return (
    <div class="app">
      {info?.demo && <div class="demo" id="demo-banner">{w.demoBanner}</div>}
      {header}
      {/* Locking hides the screen but keeps it: the form being typed is there after the PIN. */}
      {officer && locked && <main><Unlock w={w} officer={officer} onUnlocked={() => { setLocked(false); setNotice(""); }} /></main>}
      <main hidden={!!officer && locked}>{body}</main>
      {notice && <div class="notice" id="notice" role="status">{notice}</div>}
      <StatusBar w={w} device={device} />
      {officer && <footer class="shortcuts">{w.shortcuts}</footer>}
    </div>
  );
}

function SignIn({ w, onSignedIn }: { w: Words; onSignedIn: (o: Officer) => void }) {
  const [number, setNumber] = useState("");
  const [pin, setPin] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      onSignedIn(await api.signIn(number, pin));
    } catch (err) {
      setError(errorText(err));
      setPin("");
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card narrow" onSubmit={submit}>
      <h1>{w.signIn}</h1>
      <label class="field">{w.officerNumber}<input id="officer-number" ref={focusOnMount} value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} /></label>
      <label class="field">{w.pin}<input id="pin" type="password" inputMode="numeric" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} /></label>
      {error && <em class="problem" id="sign-in-error" role="alert">{error}</em>}
      <button id="sign-in" type="submit" class="primary" disabled={busy}>{w.signIn}</button>
    </form>
  );
}

function Unlock({ w, officer, onUnlocked }: { w: Words; officer: Officer; onUnlocked: () => void }) {
  const [pin, setPin] = useState("");
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api.unlock(pin);
      onUnlocked();
    } catch (err) {
      setError(errorText(err));
      setPin("");
    }
  };
  return (
    <form class="card narrow" onSubmit={submit}>
      <h1>{w.locked}</h1>
      <p>{officer.name} ({officer.number})</p>
      <label class="field">{w.pin}<input id="unlock-pin" type="password" ref={focusOnMount} value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} /></label>
      {error && <em class="problem" role="alert">{error}</em>}
      <button id="unlock" type="submit" class="primary">{w.unlock}</button>
    </form>
  );
}

function HomeScreen({ w, lang, go, guard }: { w: Words; lang: Lang; go: (s: Screen) => void; guard: (e: unknown) => void }) {
  const [home, setHome] = useState<Home | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  // The backend names services in the officer's language: ask again when it changes.
  useEffect(() => { api.home().then(setHome).catch(guard); }, [lang]);
  useEffect(() => { api.catalogue().then(setCatalogue).catch(guard); }, []);
  if (!home) return null;
  const start = (id: string) => {
    const service = catalogue?.services.find((s) => s.id === id);
    go({ kind: "citizen", service });
  };
  return (
    <section>
      <h1>{home.officer.name}</h1>
      <h2>{w.today}</h2>
      <dl class="counts" id="counts">
        <div data-state="captured-today"><dt>{w.capturedToday}</dt><dd id="captured-today">{home.captured_today}</dd></div>
        {home.counts.map(([state, n]) => (
          <div key={state} data-state={state}><dt>{w.states[state]}</dt><dd>{n}</dd></div>
        ))}
      </dl>
      {home.officer.may_view_day_report && <DayReportButton w={w} guard={guard} />}
      {home.officer.may_capture && (
        <>
          <button id="start-capture" class="primary big" ref={focusOnMount} onClick={() => go({ kind: "citizen" })}>{w.findOrRegister}</button>
          <h2>{home.outreach ? `${w.outreachToday}: ${home.outreach.name} · ${home.outreach.place}` : w.servicesOffered}</h2>
          <div class="service-grid" id="offered">
            {home.services.map((s) => (
              <button key={s.id} id={`offer-${s.id}`} class="big" disabled={!catalogue} onClick={() => start(s.id)}>
                {s.name}<small>{s.fee_ksh ? `KSh ${s.fee_ksh}` : ""}</small>
              </button>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function DayReportButton({ w, guard }: { w: Words; guard: (e: unknown) => void }) {
  const [summary, setSummary] = useState("");
  const make = async () => {
    try {
      const r = await api.dayReport();
      setSummary(fill(w.reportSaved, { date: r.date, citizens: r.citizens_served, applications: r.applications, unsynced: r.unsynced, pdf: r.pdf_path, csv: r.csv_path }));
    } catch (err) { guard(err); }
  };
  return (
    <>
      <button id="day-report" onClick={() => void make()}>{w.dayReport}</button>
      {summary && <p id="report-summary" role="status">{summary}</p>}
    </>
  );
}

function CitizenScreen({ w, lang, service, onChosen, guard }: { w: Words; lang: Lang; service?: Service; onChosen: (c: Citizen) => void; guard: (e: unknown) => void }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Citizen[] | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({ sex: "" });
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const search = async (e: Event) => {
    e.preventDefault();
    try { setFound(await api.findCitizens(query)); } catch (err) { guard(err); }
  };
  const register = async (e: Event) => {
    e.preventDefault();
    const citizen: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(draft)) if (v.trim() !== "") citizen[k] = v;
    try {
      onChosen(await api.registerCitizen({ surname: "", given_names: "", date_of_birth: "", sex: "", ...citizen }));
    } catch (err) {
      if (isUiError(err) && err.field) {
        setProblems({ [err.field]: err.text });
        setError(err.text);
      } else guard(err);
    }
  };
  const input = (key: string, label: string, type = "text") => (
    <label class="field">{label}
      <input id={`citizen-${key}`} type={type} value={draft[key] ?? ""} onInput={(e) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value })} />
      {problems[key] && <em class="problem" role="alert">{problems[key]}</em>}
    </label>
  );
  return (
    <section class="two">
      <form class="card" onSubmit={search}>
        <h2>{w.findOrRegister}{service ? ` · ${text(service.name, lang)}` : ""}</h2>
        <input id="search" ref={focusOnMount} placeholder={w.search} value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <button id="search-button" type="submit">{w.searchButton}</button>
        {found && found.length === 0 && <p>{w.noMatches}</p>}
        <ul class="results">
          {(found ?? []).map((c, i) => (
            <li key={c.id}><button type="button" class="result" id={`result-${i}`} onClick={() => onChosen(c)}>{c.surname}, {c.given_names} · {c.id_number ?? "—"} · {c.date_of_birth}</button></li>
          ))}
        </ul>
      </form>
      <form class="card" onSubmit={register}>
        <h2>{w.register}</h2>
        {input("surname", w.surname)}
        {input("given_names", w.givenNames)}
        {input("id_number", w.idNumber)}
        {input("date_of_birth", w.dateOfBirth)}
        <label class="field">{w.sex}
          <select id="citizen-sex" value={draft.sex} onChange={(e) => setDraft({ ...draft, sex: (e.target as HTMLSelectElement).value })}>
            <option value="">{w.choose}</option><option value="female">{w.female}</option><option value="male">{w.male}</option><option value="intersex">{w.intersex}</option>
          </select>
          {problems.sex && <em class="problem">{problems.sex}</em>}
        </label>
        {input("phone", w.phone, "tel")}
        {input("county_code", w.county)}
        {error && <em class="problem" id="register-error">{error}</em>}
        <button id="register" type="submit" class="primary">{w.register}</button>
      </form>
    </section>
  );
}

function ServicePicker({ w, lang, citizen, onChosen, guard }: { w: Words; lang: Lang; citizen: Citizen; onChosen: (s: Service) => void; guard: (e: unknown) => void }) {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  useEffect(() => { api.catalogue().then(setCatalogue).catch(guard); }, []);
  return (
    <section>
      <h1>{w.chooseService} {citizen.given_names} {citizen.surname}</h1>
      <div class="service-grid">
        {(catalogue?.services ?? []).map((s, i) => (
          <button key={s.id} id={`service-${s.id}`} class="big" ref={i === 0 ? focusOnMount : undefined} onClick={() => onChosen(s)}>
            {text(s.name, lang)}<small>{s.fee_ksh ? `KSh ${s.fee_ksh}` : ""}</small>
          </button>
        ))}
      </div>
    </section>
  );
}

function FormScreen(props: { w: Words; lang: Lang; citizen: Citizen; service: Service; draft?: Draft; onSaved: (a: ApplicationView) => void; onBack: () => void; guard: (e: unknown) => void }) {
  const { w, lang, citizen, service, onSaved, onBack, guard } = props;
  const [answers, setAnswers] = useState<Answers>(props.draft?.form ?? {});
  const [draftId, setDraftId] = useState<string | undefined>(props.draft?.id);
  const [autosaved, setAutosaved] = useState<string>(props.draft?.reference ?? "");
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [warnings, setWarnings] = useState<string[]>([]);
  const [reviewing, setReviewing] = useState(false);
  const [busy, setBusy] = useState(false);
  const request = () => ({ citizen_id: citizen.id, service_id: service.id, form: answersToSend(service, answers) });
  const show = (list: { field: string; text: string }[]) => Object.fromEntries(list.map((p) => [p.field, p.text]));

  // Never lose what is being typed: a pause in typing saves the form as a draft in the
  // encrypted store (created once, then edited). The draft's creation is remembered as a promise
  // so a save that starts while it is on its way edits it rather than creating a second one.
  const creating = useRef<Promise<string> | null>(props.draft ? Promise.resolve(props.draft.id) : null);
  const draftNow = async (): Promise<string | undefined> => (creating.current ? await creating.current : draftId);
  const saveDraft = async (): Promise<void> => {
    const id = await draftNow();
    if (id) {
      const saved = await api.editApplication(id, answersToSend(service, answers));
      setAutosaved(saved.reference);
      return;
    }
    creating.current = api.saveApplication(request(), false).then((saved) => {
      setDraftId(saved.id);
      setAutosaved(saved.reference);
      return saved.id;
    });
    creating.current.catch(() => { creating.current = null; });
    await creating.current;
  };
  useEffect(() => {
    if (!dirty) return undefined;
    const timer = setTimeout(() => {
      setDirty(false);
      saveDraft().catch(guard);
    }, AUTOSAVE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [answers, dirty]);

  const check = async (e?: Event) => {
    e?.preventDefault();
    try {
      const result = await api.checkApplication(request(), await draftNow());
      setProblems(show(result.errors));
      setWarnings(result.warnings.map((p) => p.text));
      setReviewing(result.ok);
    } catch (err) { guard(err); }
  };
  const save = async (submit: boolean) => {
    setBusy(true);
    setDirty(false);
    try {
      const id = await draftNow();
      if (id) {
        const edited = await api.editApplication(id, answersToSend(service, answers));
        onSaved(submit ? await api.submitApplication(id) : edited);
      } else {
        onSaved(await api.saveApplication(request(), submit));
      }
    } catch (err) {
      if (isUiError(err) && err.problem_texts.length > 0) {
        setProblems(show(err.problem_texts));
        setReviewing(false);
      } else guard(err);
    } finally {
      setBusy(false);
    }
  };
  const errorCount = Object.keys(problems).length;
  return (
    <form class="card" onSubmit={(e) => { e.preventDefault(); reviewing ? void save(true) : void check(); }}>
      <h1>{w.applyFor}: {text(service.name, lang)}</h1>
      <p>{citizen.given_names} {citizen.surname} · {citizen.id_number ?? ""}</p>
      {props.draft?.question && <p class="question" id="mda-question"><strong>{w.note}:</strong> {props.draft.question}</p>}
      {autosaved && <p class="autosaved" id="autosaved">{w.draftSaved}: {autosaved}</p>}
      {errorCount > 0 && <p class="problem" id="form-errors" role="alert">{w.fixErrors} ({errorCount})</p>}
      {warnings.length > 0 && <ul class="warnings">{warnings.map((t) => <li key={t}>{w.warnings}: {t}</li>)}</ul>}
      <fieldset disabled={reviewing} class={reviewing ? "review" : ""}>
        <ServiceForm service={service} citizen={citizen} answers={answers} onChange={(a) => { setAnswers(a); setDirty(true); setReviewing(false); }} problems={problems} lang={lang} w={w} />
      </fieldset>
      <div class="actions">
        <button type="button" onClick={reviewing ? () => setReviewing(false) : onBack}>{w.back}</button>
        <button type="button" id="save-draft" onClick={() => void save(false)} disabled={busy}>{w.saveDraft}</button>
        {reviewing
          ? <SaveButton label={w.saveSubmit} busy={busy} />
          : <button type="submit" id="check" class="primary">{w.review}</button>}
      </div>
    </form>
  );
}

/** Appears after the review: focused, so Enter saves (Enter, Enter: check, then save). */
function SaveButton({ label, busy }: { label: string; busy: boolean }) {
  return <button type="submit" id="save-submit" class="primary" disabled={busy} ref={focusOnMount}>{label}</button>;
}

function Saved({ w, saved, next, same, guard }: { w: Words; saved: ApplicationView; next: () => void; same: () => void; guard: (e: unknown) => void }) {
  const [printed, setPrinted] = useState("");
  const [printing, setPrinting] = useState(false);
  const print = async () => {
    setPrinting(true);
    try {
      const { outcome } = await api.printSlip(saved.id);
      setPrinted(outcome.kind === "printed" ? fill(w.slipPrinted, { printer: outcome.printer }) : fill(w.slipSaved, { why: w.notPrinted[outcome.reason], path: outcome.path }));
    } catch (err) { guard(err); } finally { setPrinting(false); }
  };
  // Alt+P prints from this screen (the app's other shortcuts are in App).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key.toLowerCase() === "p" && saved.state !== "draft") { e.preventDefault(); void print(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  return (
    <section class="card narrow">
      <h1>{w.saved}</h1>
      <p>{saved.service_name}</p>
      <p class="reference">{w.reference}: <strong id="saved-reference">{saved.reference}</strong></p>
      <p>{w.states[saved.state]}</p>
      <button ref={focusOnMount} id="next-citizen" class="primary" onClick={next}>{w.nextCitizen} (Alt+N)</button>
      <button id="same-citizen" onClick={same}>{w.sameCitizen}</button>
      {saved.state !== "draft" && <button id="print-slip" disabled={printing} onClick={() => void print()}>{w.printSlip}</button>}
      {printed && <p id="slip-outcome" role="status">{printed}</p>}
    </section>
  );
}

function QueueScreen({ w, guard, open }: { w: Words; guard: (e: unknown) => void; open: (c: Citizen, s: Service, d: Draft) => void }) {
  const [list, setList] = useState<ApplicationView[] | null>(null);
  useEffect(() => { api.applications().then(setList).catch(guard); }, []);
  const reopen = async (view: ApplicationView) => {
    try {
      const [application, citizen, catalogue] = await Promise.all([api.application(view.id), api.citizen(view.citizen_id), api.catalogue()]);
      const service = catalogue.services.find((s) => s.id === application.service_id);
      if (service) open(citizen, service, { id: application.id, reference: view.reference, form: application.form, question: application.review_note });
    } catch (err) { guard(err); }
  };
  return (
    <section>
      <h1>{w.queue}</h1>
      <table id="queue-table">
        <thead><tr><th>{w.reference}</th><th>{w.service}</th><th>{w.state}</th><th>{w.note}</th><th>{w.updated}</th><th></th></tr></thead>
        <tbody>
          {(list ?? []).map((a) => (
            <tr key={a.id} data-reference={a.reference} data-state={a.state}>
              <td>{a.reference}</td><td>{a.service_name}</td><td>{w.states[a.state]}</td><td>{a.review_note ?? ""}</td><td>{a.updated_at.slice(0, 16).replace("T", " ")}</td>
              <td>{(a.state === "draft" || a.state === "queried") && <button id={`open-${a.reference}`} onClick={() => void reopen(a)}>{w.open}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SyncPanel({ w, guard }: { w: Words; guard: (e: unknown) => void }) {
  const [view, setView] = useState<SyncView | null>(null);
  const refresh = () => api.syncState().then(setView).catch(guard);
  useEffect(() => {
    void refresh();
    const off = [
      events.progress((p) => setView((v) => (v ? { ...v, progress: p } : v))),
      events.finished(() => void refresh()),
    ];
    return () => off.forEach((p) => p.then((u) => u()));
  }, []);
  if (!view) return null;
  const p = view.progress;
  return (
    <section class="card" id="sync-panel">
      <h1>{w.sync}</h1>
      {!view.enrolled && <p class="problem">{w.notEnrolled}</p>}
      <dl>
        <dt>{w.lastSuccess}</dt><dd id="last-success">{view.state.last_success_at ?? w.never}</dd>
        <dt>{w.pending}</dt><dd id="pending">{view.pending}</dd>
        {view.last_error_text && <><dt>{w.lastError}</dt><dd id="last-error" class="problem">{view.last_error_text}</dd></>}
      </dl>
      {p && <p id="progress">{fill(w.progress, { sent: p.records_sent, waiting: p.records_waiting, up: bytes(p.bytes_sent), down: bytes(p.bytes_received) })}</p>}
      <button id="sync-now" class="primary" disabled={!view.enrolled} onClick={() => api.syncNow().catch(guard)}>{w.syncNow}</button>
    </section>
  );
}

/** The ICT officer installs the provisioning bundle from headquarters (first start, or again after
 * a revocation): the file's path (the desktop mounts the stick; the app has no file-system access
 * of its own) and the one-time code that came separately. The core checks both; a wrong code or a
 * changed file changes nothing. */
function EnrolScreen({ w, guard }: { w: Words; guard: (e: unknown) => void }) {
  const [path, setPath] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    setDone("");
    try {
      const enrolled = await api.importProvisioningBundle(path, code);
      setDone(fill(w.enrolled, { device: enrolled.device_id, server: enrolled.server_url }));
      setPath("");
      setCode("");
    } catch (err) {
      if (isUiError(err) && err.code === "session_locked") guard(err);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" id="enrol-form" onSubmit={submit}>
      <h1>{w.enrolTitle}</h1>
      <p>{w.enrolHelp}</p>
      <label class="field">{w.bundlePath}<input id="bundle-path" ref={focusOnMount} value={path} spellcheck={false} autoComplete="off" onInput={(e) => setPath((e.target as HTMLInputElement).value)} /></label>
      <label class="field">{w.oneTimeCode}<input id="one-time-code" value={code} spellcheck={false} autoComplete="off" placeholder="XXXX-XXXX-XXXX-XXXX" onInput={(e) => setCode((e.target as HTMLInputElement).value)} /></label>
      {error && <em class="problem" id="enrol-error" role="alert">{error}</em>}
      {done && <p id="enrolled" role="status">{done}</p>}
      <button id="enrol" type="submit" class="primary" disabled={busy || !path.trim() || !code.trim()}>{w.enrol}</button>
    </form>
  );
}

function StatusBar({ w, device }: { w: Words; device: DeviceStatus | null }) {
  if (!device) return null;
  return (
    <div class={`status${device.low_battery ? " low" : ""}`} id="status-bar">
      <span id="power">{device.power === "battery" ? w.onBattery : w.onMains}{device.battery_percent != null ? ` · ${w.battery} ${device.battery_percent}%` : ""}</span>
      <span id="disk">{w.disk}: {device.disk_free_bytes != null ? bytes(device.disk_free_bytes) : "?"}</span>
      <span id="link">{device.link_up ? w.linkUp : w.linkDown}</span>
      {device.low_battery && <strong id="low-battery">{w.lowBattery}</strong>}
    </div>
  );
}
