// Training mode on the sign-in screen: the trainer starts (or starts again) a scenario in one
// click, and sees the demo officers' public PINs. Outside training mode, only the way in.

import { useEffect, useState } from "preact/hooks";
import { api, isUiError, type StartedView, type TrainingView } from "./api";
import type { Lang } from "./i18n";

export type ScenarioId = "first_day" | "no_network" | "low_battery" | "queried_application" | "lost_laptop_revoked";

interface TrainingWords {
  title: string;
  intro: string;
  officers: string;
  number: string;
  name: string;
  pin: string;
  start: string;
  startAgain: string;
  started: (s: StartedView) => string;
  scenario: Record<ScenarioId, { name: string; about: string }>;
  enterTraining: string;
  leaveTraining: string;
}

// Both languages share one shape, so a string missing in either fails the type check.
export const trainingWords: Record<Lang, TrainingWords> = {
  en: {
    title: "Training",
    intro: "Start a scenario for the class. Starting one again throws away what the class did and brings back the same people.",
    officers: "Demo officers",
    number: "Officer number",
    name: "Name",
    pin: "PIN",
    start: "Start",
    startAgain: "Start again",
    started: (s) => `Scenario ready: ${s.citizens} citizens, ${s.applications} applications, ${s.queried} queried. Sign in to begin.`,
    scenario: {
      first_day: { name: "First day at the tent", about: "Today's outreach is planned; nobody served yet." },
      no_network: { name: "No network all day", about: "A full queue and no link: everything waits safely on the laptop." },
      low_battery: { name: "Low battery", about: "The laptop runs on its last 12%: automatic sync holds back for big queues." },
      queried_application: { name: "A queried application", about: "An MDA asked a question: find the application, correct it, submit again." },
      lost_laptop_revoked: { name: "Lost laptop revoked", about: "The laptop was reported lost: it keeps its data but can no longer sync." },
    },
    enterTraining: "Training mode",
    leaveTraining: "Leave training mode",
  },
  sw: {
    title: "Mafunzo",
    intro: "Anzisha zoezi kwa darasa. Ukianzisha tena, kazi ya darasa inafutwa na watu wale wale wanarudi.",
    officers: "Maafisa wa majaribio",
    number: "Nambari ya afisa",
    name: "Jina",
    pin: "PIN",
    start: "Anza",
    startAgain: "Anza tena",
    started: (s) => `Zoezi liko tayari: raia ${s.citizens}, maombi ${s.applications}, ${s.queried} yenye maswali. Ingia ili kuanza.`,
    scenario: {
      first_day: { name: "Siku ya kwanza hemani", about: "Huduma Mashinani ya leo imepangwa; hakuna aliyehudumiwa bado." },
      no_network: { name: "Hakuna mtandao siku nzima", about: "Foleni imejaa na hakuna mtandao: kila kitu kinasubiri salama kwenye kompyuta." },
      low_battery: { name: "Betri iko chini", about: "Kompyuta inatumia asilimia 12 ya mwisho: usawazishaji wa kiotomatiki unasubiri foleni kubwa." },
      queried_application: { name: "Ombi lenye swali", about: "Taasisi imeuliza swali: tafuta ombi, lirekebishe, liwasilishe tena." },
      lost_laptop_revoked: { name: "Kompyuta iliyopotea imezuiwa", about: "Kompyuta iliripotiwa kupotea: data yake inabaki lakini haiwezi kusawazisha tena." },
    },
    enterTraining: "Hali ya mafunzo",
    leaveTraining: "Ondoka kwenye mafunzo",
  },
};

function problemText(e: unknown): string {
  return isUiError(e) ? e.text : String(e);
}

/** The trainer's panel (training mode) or the way into training mode (real work). */
export function TrainingPanel({ demo, lang }: { demo: boolean; lang: Lang }) {
  const t = trainingWords[lang];
  const [view, setView] = useState<TrainingView | null>(null);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (demo) api.training().then(setView).catch((e) => setMessage(problemText(e)));
  }, [demo]);
  const switchMode = (training: boolean) => api.switchMode(training).catch((e) => setMessage(problemText(e)));
  if (!demo) {
    return (
      <p class="narrow">
        <button id="enter-training" onClick={() => void switchMode(true)}>{t.enterTraining}</button>
      </p>
    );
  }
  const start = async (scenario: ScenarioId) => {
    setBusy(true);
    setMessage("");
    try {
      const started = await api.startScenario(scenario);
      setView(await api.training());
      setMessage(t.started(started));
    } catch (e) {
      setMessage(problemText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card narrow" id="training-panel" aria-labelledby="training-title">
      <h2 id="training-title">{t.title}</h2>
      <p>{t.intro}</p>
      <ul class="scenarios">
        {/* The core's scenario ids, which these words cover. */}
        {(view?.scenarios as ScenarioId[] | undefined)?.map((id) => (
          <li key={id}>
            <strong>{t.scenario[id].name}</strong> — {t.scenario[id].about}{" "}
            <button id={`scenario-${id}`} disabled={busy} onClick={() => void start(id)}>
              {view?.current === id ? t.startAgain : t.start}
            </button>
          </li>
        ))}
      </ul>
      {message && <p id="training-message" role="status">{message}</p>}
      <table id="demo-officers">
        <caption>{t.officers}</caption>
        <thead><tr><th>{t.number}</th><th>{t.name}</th><th>{t.pin}</th></tr></thead>
        <tbody>
          {view?.officers.map((o) => <tr key={o.number}><td>{o.number}</td><td>{o.name}</td><td>{o.pin}</td></tr>)}
        </tbody>
      </table>
      <button id="leave-training" onClick={() => void switchMode(false)}>{t.leaveTraining}</button>
    </section>
  );
}
