import { useState } from "react";
import {
  ActionGroup, Button, Checkbox, Form, FormGroup, Modal, ModalBody, ModalHeader, Radio, TextInput, Title,
} from "@patternfly/react-core";
import { SchedulePolicyInputSchema, type SchedulePolicyInput } from "../../shared/api";
import { useAction } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { PolicyFieldError } from "./PolicyFieldError";

type Kind = SchedulePolicyInput["kind"];
const WEEKDAYS = [
  ["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"],
] as const;
type Weekday = (typeof WEEKDAYS)[number][0];
const KINDS: Array<[Kind, string]> = [["interval", "Every N minutes"], ["daily", "Daily"], ["weekly", "Weekly"], ["monthly", "Monthly"]];

export const browserTimeZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return "UTC";
  }
};

interface Draft {
  name: string;
  kind: Kind;
  minutes: string;
  times: string;
  days: Weekday[];
  time: string;
  dates: string;
  keep: string;
  timeZone: string;
}

function draftOf(p?: SchedulePolicyInput): Draft {
  const d: Draft = { name: p?.name ?? "", kind: p?.kind ?? "daily", minutes: "60", times: "02:00", days: ["mon"], time: "02:00", dates: "1", keep: String(p?.keep ?? 7), timeZone: p?.timeZone ?? "" };
  if (p?.kind === "interval") d.minutes = String(p.minutes);
  if (p?.kind === "daily") d.times = p.times.join(", ");
  if (p?.kind === "weekly") Object.assign(d, { days: p.days, time: p.time });
  if (p?.kind === "monthly") Object.assign(d, { dates: p.dates.join(", "), time: p.time });
  return d;
}

const split = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const num = (s: string) => (s.trim() === "" ? NaN : Number(s));

/** The policy the draft describes, as the contract's request wants it (unchecked). */
function policyOf(d: Draft): Record<string, unknown> {
  const base = { name: d.name.trim(), kind: d.kind, keep: num(d.keep), ...(d.timeZone.trim() ? { timeZone: d.timeZone.trim() } : {}) };
  switch (d.kind) {
    case "interval": return { ...base, minutes: num(d.minutes) };
    case "daily": return { ...base, times: split(d.times) };
    case "weekly": return { ...base, days: d.days, time: d.time.trim() };
    case "monthly": return { ...base, dates: split(d.dates).map(num), time: d.time.trim() };
  }
}

/** Create or edit a schedule policy: when protection runs and how many copies it keeps. */
export function PolicyForm({ policy, onClose }: { policy?: SchedulePolicyInput; onClose(): void }) {
  const editing = policy !== undefined;
  const [d, setD] = useState<Draft>(() => draftOf(policy));
  const [tried, setTried] = useState(false);
  const save = useAction("policies.save");
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));

  const parsed = SchedulePolicyInputSchema.safeParse(policyOf(d));
  const errors: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "form");
      errors[key] ??= (key === "keep" || key === "minutes") && Number.isNaN(num(d[key])) ? "enter a number" : issue.message;
    }
  }
  const engineField = save.error?.field?.replace(/^policy\./, "").split(".")[0];
  const err = (field: string) => (tried ? errors[field] : undefined) ?? (engineField === field ? save.error?.message : undefined);

  const submit = async () => {
    setTried(true);
    if (!parsed.success) return;
    const saved = await save.run({ policy: parsed.data });
    if (saved) onClose();
  };
  const zonePlaceholder = browserTimeZone();

  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="policy-form-title">
      <ModalHeader>
        <Title headingLevel="h2" id="policy-form-title">{editing ? `Edit policy ${policy.name}` : "Create schedule policy"}</Title>
      </ModalHeader>
      <ModalBody>
        <Form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <FormGroup label="Name" isRequired fieldId="policy-name">
            <TextInput id="policy-name" value={d.name} onChange={(_e, v) => set({ name: v })} isRequired readOnlyVariant={editing ? "default" : undefined} validated={err("name") ? "error" : "default"} />
            <PolicyFieldError error={err("name")} hint={editing ? "A policy keeps its name; create a new one to rename it." : "Lowercase letters, digits, '-' and '.'"} />
          </FormGroup>
          <FormGroup role="radiogroup" isInline fieldId="policy-kind" label="Runs" isRequired>
            {KINDS.map(([k, label]) => (
              <Radio key={k} id={`policy-kind-${k}`} name="policy-kind" label={label} isChecked={d.kind === k} onChange={() => set({ kind: k })} />
            ))}
          </FormGroup>
          {d.kind === "interval" && (
            <FormGroup label="Minutes" isRequired fieldId="policy-minutes">
              <TextInput id="policy-minutes" type="number" min={1} max={10080} value={d.minutes} onChange={(_e, v) => set({ minutes: v })} validated={err("minutes") ? "error" : "default"} />
              <PolicyFieldError error={err("minutes")} hint="From 1 to 10080 (a week). This is also the RPO of a migration on this policy." />
            </FormGroup>
          )}
          {d.kind === "daily" && (
            <FormGroup label="Times" isRequired fieldId="policy-times">
              <TextInput id="policy-times" value={d.times} onChange={(_e, v) => set({ times: v })} placeholder="02:00, 14:00" validated={err("times") ? "error" : "default"} />
              <PolicyFieldError error={err("times")} hint="Comma-separated, HH:MM (24-hour)." />
            </FormGroup>
          )}
          {d.kind === "weekly" && (
            <FormGroup role="group" label="Days" isRequired isInline fieldId="policy-days">
              {WEEKDAYS.map(([day, label]) => (
                <Checkbox key={day} id={`policy-day-${day}`} label={label} isChecked={d.days.includes(day)}
                  onChange={(_e, on) => set({ days: on ? [...d.days, day] : d.days.filter((x) => x !== day) })} />
              ))}
              <PolicyFieldError error={err("days") && "choose at least one day"} />
            </FormGroup>
          )}
          {d.kind === "monthly" && (
            <FormGroup label="Dates" isRequired fieldId="policy-dates">
              <TextInput id="policy-dates" value={d.dates} onChange={(_e, v) => set({ dates: v })} placeholder="1, 15" validated={err("dates") ? "error" : "default"} />
              <PolicyFieldError error={err("dates") && "dates are numbers from 1 to 31, comma-separated"} hint="Comma-separated days of the month, 1–31; a date past a month's end runs on its last day." />
            </FormGroup>
          )}
          {(d.kind === "weekly" || d.kind === "monthly") && (
            <FormGroup label="Time" isRequired fieldId="policy-time">
              <TextInput id="policy-time" value={d.time} onChange={(_e, v) => set({ time: v })} placeholder="02:00" validated={err("time") ? "error" : "default"} />
              <PolicyFieldError error={err("time")} hint="HH:MM (24-hour)." />
            </FormGroup>
          )}
          <FormGroup label="Copies to keep" isRequired fieldId="policy-keep">
            <TextInput id="policy-keep" type="number" min={1} max={1000} value={d.keep} onChange={(_e, v) => set({ keep: v })} validated={err("keep") ? "error" : "default"} />
            <PolicyFieldError error={err("keep")} />
          </FormGroup>
          {d.kind !== "interval" && (
            <FormGroup label="Time zone" fieldId="policy-tz">
              <TextInput id="policy-tz" value={d.timeZone} onChange={(_e, v) => set({ timeZone: v })} placeholder={zonePlaceholder} validated={err("timeZone") ? "error" : "default"} />
              <PolicyFieldError error={err("timeZone")} hint={`Optional: an IANA zone such as Europe/Paris. Empty means the engine's zone (this computer: ${zonePlaceholder}).`} />
            </FormGroup>
          )}
          <ErrorAlert headingLevel="h3" error={save.error} title="The policy was not saved" />
          <ActionGroup>
            <Button type="submit" variant="primary" isLoading={save.busy} isDisabled={save.busy}>{editing ? "Save policy" : "Create policy"}</Button>
            <Button variant="link" onClick={onClose}>Cancel</Button>
          </ActionGroup>
        </Form>
      </ModalBody>
    </Modal>
  );
}
