import { INCIDENT_SCENARIOS } from './incident-scenarios';
import type { IncidentScenario } from './scenario-types';
import {
  INCIDENT_COMMANDERS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  membersOf,
  SERVICES,
  type IncidentSeverity,
  type IncidentStatus,
  type TimelineKind,
} from './seed-catalog';
import type { SeedIncident, SeedTimelineEntry, TimelineDetails } from './seed-records';
import { randomFor, type Random } from './seed-random';
import { atOffset, DAY_MINUTES, wholeSeconds } from './seed-time';
import { createSlotFiller } from './template-slots';

const FIRST_INCIDENT_NUMBER = 2000;
const HISTORY_COUNT = 41;
const PINNED_SEV1_NUMBER = 2031;

interface IncidentPlan {
  readonly key: string;
  readonly status: IncidentStatus;
  readonly severity?: IncidentSeverity;
  readonly escalated?: boolean;
  /** Use every line of the script. */
  readonly complete?: boolean;
  readonly placement: { readonly daysAgo: number } | { readonly openForLastMinutes: number };
  readonly pinnedNumber?: number;
}

/** The incidents still open: the newest ones. */
const OPEN_INCIDENTS: readonly IncidentPlan[] = [
  { key: 'psp-authorisation-timeouts', status: 'identified', severity: 'SEV1', escalated: true, complete: true, placement: { openForLastMinutes: 25 }, pinnedNumber: PINNED_SEV1_NUMBER },
  { key: 'payments-webhook-backlog', status: 'investigating', severity: 'SEV2', escalated: false, placement: { openForLastMinutes: 12 } },
  { key: 'search-indexer-lag', status: 'identified', severity: 'SEV3', escalated: false, placement: { openForLastMinutes: 140 } },
  { key: 'push-backlog', status: 'mitigated', severity: 'SEV3', escalated: false, placement: { openForLastMinutes: 420 } },
  { key: 'dwh-etl-failure', status: 'investigating', severity: 'SEV4', escalated: false, placement: { openForLastMinutes: 300 } },
  { key: 'email-dkim-failure', status: 'identified', severity: 'SEV3', escalated: false, placement: { openForLastMinutes: 760 } },
];

/** The last incident on login: resolved a few days ago, with its whole story told. */
const LATEST_LOGIN_INCIDENT: IncidentPlan = { key: 'login-saml-cert', status: 'resolved', severity: 'SEV2', escalated: false, complete: true, placement: { daysAgo: 4.3 } };

const PACE_BY_SEVERITY: Readonly<Record<IncidentSeverity, number>> = { SEV1: 1, SEV2: 1.5, SEV3: 2.5, SEV4: 4 };

interface PlannedEntry {
  readonly minutes: number;
  readonly author: string;
  readonly kind: TimelineKind;
  readonly body: string;
  readonly details: TimelineDetails;
}

type SeedTimelineEntryDraft = Omit<SeedTimelineEntry, 'incident_id'>;

interface DraftIncident {
  readonly incident: Omit<SeedIncident, 'id'>;
  readonly entries: readonly SeedTimelineEntryDraft[];
  readonly pinnedNumber?: number;
}

export function generateIncidents(now: Date): { incidents: SeedIncident[]; timeline: SeedTimelineEntry[] } {
  const drafts = [...historyPlans(), LATEST_LOGIN_INCIDENT, ...OPEN_INCIDENTS].map((plan, index) => draftIncident(plan, index, now));
  const numbered = numberChronologically(drafts);
  return {
    incidents: numbered.map(({ id, draft }) => ({ id, ...draft.incident })),
    timeline: numbered.flatMap(({ id, draft }) => draft.entries.map((entry) => ({ incident_id: id, ...entry }))),
  };
}

/** Resolved incidents from 7 to 178 days ago; every scenario at least once. */
function historyPlans(): IncidentPlan[] {
  const random = randomFor('incident-history');
  const keys = [...random.shuffle(INCIDENT_SCENARIOS), ...random.shuffle(INCIDENT_SCENARIOS)].map((scenario) => scenario.key).slice(0, HISTORY_COUNT);
  return keys.map((key) => ({ key, status: 'resolved', placement: { daysAgo: 7 + random.next() * 171 } }));
}

/** Numbers follow start time; a pinned number is kept and the others flow around it. */
function numberChronologically(drafts: readonly DraftIncident[]): { id: string; draft: DraftIncident }[] {
  const sorted = [...drafts].sort((a, b) => a.incident.started_at.getTime() - b.incident.started_at.getTime());
  const pinned = new Set(sorted.flatMap((draft) => (draft.pinnedNumber === undefined ? [] : [draft.pinnedNumber])));
  let next = FIRST_INCIDENT_NUMBER;
  const numbered = sorted.map((draft) => {
    if (draft.pinnedNumber !== undefined) return { number: draft.pinnedNumber, draft };
    while (pinned.has(next)) next += 1;
    return { number: next++, draft };
  });
  return numbered.sort((a, b) => a.number - b.number).map(({ number, draft }) => ({ id: `INC-${number}`, draft }));
}

function draftIncident(plan: IncidentPlan, index: number, now: Date): DraftIncident {
  const random = randomFor(`incident:${index}:${plan.key}`);
  const scenario = scenarioByKey(plan.key);
  const severity = plan.severity ?? random.pick(scenario.severities);
  const escalated = plan.escalated ?? (severity !== 'SEV4' && random.chance(0.3));
  const commander = random.pick(INCIDENT_COMMANDERS);
  const responders = scenario.services.flatMap((service) => membersOf(SERVICES[service].team));
  const fill = createSlotFiller(random, SERVICES[scenario.services[0]], {});
  const script: ScriptContext = { random, scenario, plan, severity, escalated, commander, responders, fill };
  const entries = planTimeline(script);
  const startedAt = startTime(random, plan, now, entries);
  const timeline = entries.map((entry) => ({ ...entry, at: wholeSeconds(atOffset(startedAt, entry.minutes)) })).map(withoutMinutes);
  return {
    incident: {
      title: fill(random.pick(scenario.titles)),
      summary: summaryFor(scenario, plan.status, fill),
      severity,
      status: plan.status,
      commander,
      services: [...scenario.services],
      started_at: wholeSeconds(startedAt),
      mitigated_at: timeOfKind(timeline, 'mitigated'),
      resolved_at: timeOfKind(timeline, 'resolved'),
      updated_at: (timeline[timeline.length - 1] as SeedTimelineEntryDraft).at,
    },
    entries: timeline,
    ...(plan.pinnedNumber === undefined ? {} : { pinnedNumber: plan.pinnedNumber }),
  };
}

function withoutMinutes({ minutes: _minutes, ...entry }: PlannedEntry & { at: Date }): SeedTimelineEntryDraft {
  return entry;
}

function timeOfKind(timeline: readonly SeedTimelineEntryDraft[], kind: TimelineKind): Date | null {
  return timeline.find((entry) => entry.kind === kind)?.at ?? null;
}

function scenarioByKey(key: string): IncidentScenario {
  const scenario = INCIDENT_SCENARIOS.find((candidate) => candidate.key === key);
  if (!scenario) throw new Error(`Missing incident scenario ${key}`);
  return scenario;
}

function startTime(random: Random, plan: IncidentPlan, now: Date, entries: readonly PlannedEntry[]): Date {
  if ('daysAgo' in plan.placement) return atOffset(now, -plan.placement.daysAgo * DAY_MINUTES);
  const lastMinutes = entries[entries.length - 1]?.minutes ?? 0;
  return atOffset(now, -(lastMinutes + plan.placement.openForLastMinutes + random.int(0, 9)));
}

function summaryFor(scenario: IncidentScenario, status: IncidentStatus, fill: (template: string) => string): string {
  const stage = INCIDENT_STATUSES.indexOf(status);
  const parts = [scenario.impact, stage >= 1 ? scenario.cause : undefined, status === 'resolved' ? scenario.fix : undefined];
  return parts.filter((part): part is string => part !== undefined).map(fill).join(' ');
}

interface ScriptContext {
  readonly random: Random;
  readonly scenario: IncidentScenario;
  readonly plan: IncidentPlan;
  readonly severity: IncidentSeverity;
  readonly escalated: boolean;
  readonly commander: string;
  readonly responders: readonly string[];
  readonly fill: (template: string) => string;
}

/** The channel's entries in order, as minutes after detection. */
function planTimeline(script: ScriptContext): PlannedEntry[] {
  const { scenario, plan } = script;
  const stage = INCIDENT_STATUSES.indexOf(plan.status);
  const timeline = createTimelineWriter(script);
  timeline.add(0, 'responder', 'detected', scenario.detected);
  for (const update of prefix(script, scenario.investigating, plan.status === 'investigating' ? scenario.investigating.length : 1)) timeline.add(gap(script, 3, 12), 'responder', 'update', update);
  if (script.escalated) timeline.add(gap(script, 2, 8), 'commander', 'severity_change', scenario.escalation, { from: lowerSeverity(script.severity), to: script.severity });
  if (stage < 1) return timeline.entries;
  timeline.add(gap(script, 5, 25), 'commander', 'status_change', scenario.identified, { from: 'investigating', to: 'identified' });
  for (const action of prefix(script, scenario.actions, 1)) timeline.add(gap(script, 4, 20), 'responder', 'action', action);
  if (stage < 2) return timeline.entries;
  timeline.add(gap(script, 5, 30), 'commander', 'mitigated', scenario.mitigated);
  for (const update of prefix(script, scenario.monitoring, 0)) timeline.add(gap(script, 15, 90), 'responder', 'update', update);
  if (stage < 3) return timeline.entries;
  timeline.add(gap(script, 30, 240), 'commander', 'resolved', scenario.resolved);
  return timeline.entries;
}

function createTimelineWriter(script: ScriptContext) {
  const entries: PlannedEntry[] = [];
  let minutes = 0;
  return {
    entries,
    add(after: number, who: 'commander' | 'responder', kind: TimelineKind, body: string, details: TimelineDetails = {}) {
      minutes += after;
      const author = who === 'commander' ? script.commander : script.random.pick(script.responders);
      entries.push({ minutes, author, kind, body: script.fill(body), details });
    },
  };
}

/** The first lines of a script section: all of them for a complete incident, otherwise at least `minimum`. */
function prefix(script: ScriptContext, lines: readonly string[], minimum: number): readonly string[] {
  if (script.plan.complete) return lines;
  return lines.slice(0, script.random.int(Math.min(minimum, lines.length), lines.length));
}

function gap(script: ScriptContext, minMinutes: number, maxMinutes: number): number {
  return Math.round(script.random.int(minMinutes, maxMinutes) * PACE_BY_SEVERITY[script.severity]);
}

function lowerSeverity(severity: IncidentSeverity): IncidentSeverity {
  const lower = INCIDENT_SEVERITIES[INCIDENT_SEVERITIES.indexOf(severity) + 1];
  if (!lower) throw new Error(`${severity} cannot have been escalated to`);
  return lower;
}
