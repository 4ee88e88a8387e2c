// The app's own words in English and Kiswahili. Error and validation messages come from the core
// already rendered in the officer's language; catalogue texts carry both languages themselves.

export type Lang = "en" | "sw";

const en = {
  appName: "Huduma Mashinani Field Kit",
  demoBanner: "DEMO — training data only, nothing is sent to production",
  officerNumber: "Officer number",
  pin: "PIN",
  signIn: "Sign in",
  signOut: "Sign out",
  lock: "Lock",
  unlock: "Unlock",
  locked: "Locked. Enter your PIN to continue.",
  home: "Home",
  queue: "Queue",
  sync: "Sync",
  language: "Kiswahili",
  contrast: "High contrast",
  today: "Applications on this laptop",
  servicesOffered: "Services",
  outreachToday: "Outreach today",
  capturedToday: "Captured today",
  findOrRegister: "Find or register a citizen",
  search: "Search by name, ID number, phone or reference",
  searchButton: "Search",
  noMatches: "No citizen found. Register them below.",
  register: "Register citizen",
  surname: "Surname",
  givenNames: "Given names",
  idNumber: "ID number (if any)",
  dateOfBirth: "Date of birth (YYYY-MM-DD)",
  sex: "Sex",
  female: "Female",
  male: "Male",
  intersex: "Intersex",
  phone: "Phone",
  county: "County (code or name)",
  choose: "Choose…",
  applyFor: "Apply for",
  chooseService: "Choose a service for",
  check: "Check",
  review: "Review",
  saveSubmit: "Save and submit",
  saveDraft: "Save as draft",
  back: "Back",
  saved: "Saved",
  draftSaved: "Draft saved as",
  open: "Open",
  reference: "Reference",
  nextCitizen: "Next citizen",
  sameCitizen: "Another service for this citizen",
  fixErrors: "Please correct the marked fields.",
  warnings: "Please check",
  documents: "Documents seen",
  addItem: "Add",
  removeItem: "Remove",
  yes: "Yes",
  no: "No",
  state: "State",
  service: "Service",
  updated: "Updated",
  note: "MDA note",
  syncNow: "Sync now",
  lastSuccess: "Last successful sync",
  never: "never",
  pending: "Waiting to be sent",
  lastError: "Last error",
  notEnrolled: "This laptop is not enrolled for sync yet. Ask the ICT officer.",
  progress: "Sent {sent} of {waiting} · {up} up · {down} down",
  syncDone: "Sync finished: {sent} sent, {decisions} decisions received.",
  battery: "Battery",
  onMains: "Mains",
  onBattery: "On battery",
  disk: "Free disk",
  linkUp: "Link up",
  linkDown: "No link",
  lowBattery: "Battery low: finish the citizen in front of you; large syncs wait unless you press Sync now.",
  shortcuts: "Alt+H home · Alt+N next citizen · Alt+Q queue · Alt+S sync · Alt+L language · Alt+C contrast",
  states: {
    draft: "Draft",
    submitted: "Queued",
    synced: "Sent",
    queried: "Queried",
    accepted: "Accepted",
    rejected: "Rejected",
  },
};

export type Words = typeof en;

const sw: Words = {
  appName: "Huduma Mashinani — Kifaa cha Uwandani",
  demoBanner: "MAJARIBIO — data ya mafunzo tu, hakuna kinachotumwa kwa mfumo halisi",
  officerNumber: "Nambari ya afisa",
  pin: "PIN",
  signIn: "Ingia",
  signOut: "Toka",
  lock: "Funga",
  unlock: "Fungua",
  locked: "Imefungwa. Weka PIN yako kuendelea.",
  home: "Mwanzo",
  queue: "Foleni",
  sync: "Sawazisha",
  language: "English",
  contrast: "Utofautishaji wa juu",
  today: "Maombi kwenye kompyuta hii",
  servicesOffered: "Huduma",
  outreachToday: "Huduma Mashinani ya leo",
  capturedToday: "Yaliyopokelewa leo",
  findOrRegister: "Tafuta au sajili mwananchi",
  search: "Tafuta kwa jina, nambari ya kitambulisho, simu au kumbukumbu",
  searchButton: "Tafuta",
  noMatches: "Hakuna mwananchi aliyepatikana. Msajili hapa chini.",
  register: "Sajili mwananchi",
  surname: "Jina la ukoo",
  givenNames: "Majina mengine",
  idNumber: "Nambari ya kitambulisho (kama ipo)",
  dateOfBirth: "Tarehe ya kuzaliwa (YYYY-MM-DD)",
  sex: "Jinsia",
  female: "Mwanamke",
  male: "Mwanamume",
  intersex: "Jinsia mbili",
  phone: "Simu",
  county: "Kaunti (nambari au jina)",
  choose: "Chagua…",
  applyFor: "Omba",
  chooseService: "Chagua huduma kwa",
  check: "Kagua",
  review: "Pitia",
  saveSubmit: "Hifadhi na uwasilishe",
  saveDraft: "Hifadhi kama rasimu",
  back: "Rudi",
  saved: "Imehifadhiwa",
  draftSaved: "Rasimu imehifadhiwa kama",
  open: "Fungua",
  reference: "Kumbukumbu",
  nextCitizen: "Mwananchi anayefuata",
  sameCitizen: "Huduma nyingine kwa mwananchi huyu",
  fixErrors: "Tafadhali sahihisha sehemu zilizowekwa alama.",
  warnings: "Tafadhali angalia",
  documents: "Hati zilizoonekana",
  addItem: "Ongeza",
  removeItem: "Ondoa",
  yes: "Ndiyo",
  no: "Hapana",
  state: "Hali",
  service: "Huduma",
  updated: "Imesasishwa",
  note: "Ujumbe wa wizara",
  syncNow: "Sawazisha sasa",
  lastSuccess: "Usawazishaji uliofaulu mwisho",
  never: "bado",
  pending: "Yanasubiri kutumwa",
  lastError: "Hitilafu ya mwisho",
  notEnrolled: "Kompyuta hii bado haijasajiliwa kwa usawazishaji. Muulize afisa wa TEHAMA.",
  progress: "Yametumwa {sent} kati ya {waiting} · {up} juu · {down} chini",
  syncDone: "Usawazishaji umekamilika: {sent} yametumwa, maamuzi {decisions} yamepokelewa.",
  battery: "Betri",
  onMains: "Umeme",
  onBattery: "Kwa betri",
  disk: "Nafasi ya diski",
  linkUp: "Mtandao upo",
  linkDown: "Hakuna mtandao",
  lowBattery: "Betri iko chini: maliza na mwananchi aliye mbele yako; usawazishaji mkubwa unasubiri usipobonyeza Sawazisha sasa.",
  shortcuts: "Alt+H mwanzo · Alt+N anayefuata · Alt+Q foleni · Alt+S sawazisha · Alt+L lugha · Alt+C utofautishaji",
  states: {
    draft: "Rasimu",
    submitted: "Kwenye foleni",
    synced: "Imetumwa",
    queried: "Imeulizwa",
    accepted: "Imekubaliwa",
    rejected: "Imekataliwa",
  },
};

export const words: Record<Lang, Words> = { en, sw };

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** Bytes as the status bar shows them. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** Every key of one language exists in the other (a test holds this). */
export function missingKeys(a: object, b: object, prefix = ""): string[] {
  const missing: string[] = [];
  for (const [key, value] of Object.entries(a)) {
    const other = (b as Record<string, unknown>)[key];
    if (other === undefined) missing.push(prefix + key);
    else if (typeof value === "object" && value !== null) missing.push(...missingKeys(value, other as object, `${prefix}${key}.`));
  }
  return missing;
}
