// A service's form, rendered from the catalogue: one input per visible field (lists as repeated
// groups), the documents checklist, the core's problems shown beside each field.

import { useState } from "preact/hooks";
import { isVisible, prefilled, text, type Answers, type CitizenProfile, type Field, type Service } from "./catalogue";
import type { Lang, Words } from "./i18n";

interface Props {
  service: Service;
  citizen: CitizenProfile;
  answers: Answers;
  onChange: (answers: Answers) => void;
  problems: Record<string, string>;
  lang: Lang;
  w: Words;
}

function inputType(field: Field): string {
  switch (field.type) {
    case "integer":
    case "decimal":
      return "text";
    case "email":
      return "email";
    case "phone":
      return "tel";
    default:
      return "text";
  }
}

function FieldInput(props: { field: Field; value: unknown; set: (v: unknown) => void; lang: Lang; w: Words; idPrefix: string }) {
  const { field, value, set, lang, w, idPrefix } = props;
  const id = `${idPrefix}${field.id}`;
  const str = typeof value === "string" ? value : "";
  switch (field.type) {
    case "choice":
      return (
        <select id={id} value={str} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
          <option value="">{w.choose}</option>
          {(field.choices ?? []).map((c) => (
            <option key={c.value} value={c.value}>{text(c.label, lang)}</option>
          ))}
        </select>
      );
    case "sex":
      return (
        <select id={id} value={str} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
          <option value="">{w.choose}</option>
          <option value="female">{w.female}</option>
          <option value="male">{w.male}</option>
          <option value="intersex">{w.intersex}</option>
        </select>
      );
    case "yes_no":
      return (
        <select
          id={id}
          value={value === true ? "yes" : value === false ? "no" : ""}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            set(v === "yes" ? true : v === "no" ? false : undefined);
          }}
        >
          <option value="">{w.choose}</option>
          <option value="yes">{w.yes}</option>
          <option value="no">{w.no}</option>
        </select>
      );
    default:
      return (
        <input
          id={id}
          type={inputType(field)}
          value={str}
          placeholder={field.example ?? (field.type === "date" ? "YYYY-MM-DD" : "")}
          onInput={(e) => set((e.target as HTMLInputElement).value)}
        />
      );
  }
}

function ListInput(props: { field: Field; value: unknown; set: (v: unknown) => void; lang: Lang; w: Words; problems: Record<string, string> }) {
  const { field, set, lang, w, problems } = props;
  const items = Array.isArray(props.value) ? (props.value as Answers[]) : [];
  const update = (index: number, item: Answers) => set(items.map((old, i) => (i === index ? item : old)));
  return (
    <div class="list" id={`field-${field.id}`}>
      {items.map((item, index) => (
        <fieldset key={index} class="list-item">
          <legend>{text(field.label, lang)} {index + 1}</legend>
          {(field.fields ?? []).filter((f) => isVisible(f, item)).map((sub) => (
            <label key={sub.id} class="field">
              <span>{text(sub.label, lang)}{sub.required ? " *" : ""}</span>
              <FieldInput field={sub} value={item[sub.id]} set={(v) => update(index, { ...item, [sub.id]: v })} lang={lang} w={w} idPrefix={`field-${field.id}-${index}-`} />
              {problems[`${field.id}[${index}].${sub.id}`] && <em class="problem">{problems[`${field.id}[${index}].${sub.id}`]}</em>}
            </label>
          ))}
          <button type="button" onClick={() => set(items.filter((_, i) => i !== index))}>{w.removeItem}</button>
        </fieldset>
      ))}
      {(field.max_items == null || items.length < field.max_items) && (
        <button type="button" id={`add-${field.id}`} onClick={() => set([...items, {}])}>{w.addItem}: {text(field.label, lang)}</button>
      )}
    </div>
  );
}

export function ServiceForm({ service, citizen, answers, onChange, problems, lang, w }: Props) {
  const [, rerender] = useState(0);
  const set = (id: string, value: unknown) => {
    onChange({ ...answers, [id]: value });
    rerender((n) => n + 1);
  };
  const documents = Array.isArray(answers.documents) ? (answers.documents as string[]) : [];
  return (
    <div class="form">
      {service.fields.filter((f) => isVisible(f, answers)).map((field) => {
        const fromProfile = prefilled(field, citizen);
        const problem = problems[field.id];
        return (
          <div key={field.id} class={`field${problem ? " has-problem" : ""}`}>
            <label for={`field-${field.id}`}>
              {text(field.label, lang)}{field.required ? " *" : ""}
            </label>
            {field.type === "list" ? (
              <ListInput field={field} value={answers[field.id]} set={(v) => set(field.id, v)} lang={lang} w={w} problems={problems} />
            ) : fromProfile !== undefined && answers[field.id] === undefined ? (
              <output id={`field-${field.id}`} class="prefilled">{fromProfile}</output>
            ) : (
              <FieldInput field={field} value={answers[field.id]} set={(v) => set(field.id, v)} lang={lang} w={w} idPrefix="field-" />
            )}
            {field.help && <small>{text(field.help, lang)}</small>}
            {problem && <em class="problem" id={`problem-${field.id}`} role="alert">{problem}</em>}
          </div>
        );
      })}
      {(service.documents ?? []).length > 0 && (
        <fieldset class="documents">
          <legend>{w.documents}</legend>
          {(service.documents ?? []).map((d) => (
            <label key={d.id} class="check">
              <input
                type="checkbox"
                id={`doc-${d.id}`}
                checked={documents.includes(d.id)}
                onChange={(e) => {
                  const on = (e.target as HTMLInputElement).checked;
                  set("documents", on ? [...documents, d.id] : documents.filter((x) => x !== d.id));
                }}
              />
              {text(d.label, lang)}{d.required ? " *" : ""}
            </label>
          ))}
          {problems.documents && <em class="problem" id="problem-documents" role="alert">{problems.documents}</em>}
        </fieldset>
      )}
    </div>
  );
}
