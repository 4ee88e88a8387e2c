// First start of a laptop: no profile yet. The ICT officer sets it up from the provisioning bundle
// headquarters made for it (and the one-time code given separately): the core opens the bundle
// before anything is created, then makes the profile for the laptop it names and enrols it.

import { useState } from "preact/hooks";
import { api, isUiError } from "./api";
import type { Lang } from "./i18n";

interface SetUpWords {
  title: string;
  help: string;
  number: string;
  name: string;
  pin: string;
  path: string;
  code: string;
  submit: string;
}

export const setUpWords: Record<Lang, SetUpWords> = {
  en: {
    title: "Set up this laptop",
    help: "ICT officer: give your officer number, name and a new PIN, then the path of this laptop's provisioning bundle and the one-time code headquarters gave you separately.",
    number: "Your officer number",
    name: "Your name",
    pin: "New PIN (6 or more digits)",
    path: "Provisioning bundle (path)",
    code: "One-time code",
    submit: "Set up",
  },
  sw: {
    title: "Andaa kompyuta hii",
    help: "Afisa wa TEHAMA: weka nambari yako ya afisa, jina na PIN mpya, kisha njia ya kifurushi cha usajili cha kompyuta hii na msimbo wa matumizi moja uliopewa kando na makao makuu.",
    number: "Nambari yako ya afisa",
    name: "Jina lako",
    pin: "PIN mpya (tarakimu 6 au zaidi)",
    path: "Kifurushi cha usajili (njia)",
    code: "Msimbo wa matumizi moja",
    submit: "Andaa",
  },
};

export function SetUpLaptop({ lang, onDone }: { lang: Lang; onDone: () => void }) {
  const t = setUpWords[lang];
  const [fields, setFields] = useState({ number: "", name: "", pin: "", path: "", code: "" });
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const field = (key: keyof typeof fields, label: string, type = "text") => (
    <label class="field">{label}<input id={`setup-${key}`} type={type} value={fields[key]} onInput={(e) => setFields({ ...fields, [key]: (e.target as HTMLInputElement).value })} /></label>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await api.setUpLaptop({ ...fields });
      onDone();
    } catch (err) {
      setError(isUiError(err) ? err.text : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card narrow" id="set-up-laptop" onSubmit={submit}>
      <h1>{t.title}</h1>
      <p>{t.help}</p>
      {field("number", t.number)}
      {field("name", t.name)}
      {field("pin", t.pin, "password")}
      {field("path", t.path)}
      {field("code", t.code)}
      {error && <em class="problem" id="set-up-error" role="alert">{error}</em>}
      <button id="set-up" type="submit" class="primary" disabled={busy}>{t.submit}</button>
    </form>
  );
}
