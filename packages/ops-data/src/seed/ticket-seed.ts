import type { CommentLine, TicketScenario } from './scenario-types';
import { requesterSays } from './scenario-types';
import {
  duplicateNote,
  membersOf,
  PEOPLE,
  REQUESTER_NUDGES,
  REQUESTER_THANKS,
  SERVICES,
  type ResolverTeam,
  type Service,
  type TicketPriority,
  type TicketResolution,
  type TicketStatus,
} from './seed-catalog';
import type { SeedComment, SeedTicket } from './seed-records';
import { randomFor, type Random } from './seed-random';
import { createSlotFiller } from './template-slots';
import { ENGINEERING_TICKET_SCENARIOS } from './ticket-scenarios-engineering';
import { SECURITY_TICKET_SCENARIOS } from './ticket-scenarios-security';
import { WORKPLACE_TICKET_SCENARIOS } from './ticket-scenarios-workplace';
import { atOffset, DAY_MINUTES, HOUR_MINUTES, wholeSeconds } from './seed-time';

export const TICKET_SCENARIOS: readonly TicketScenario[] = [
  ...WORKPLACE_TICKET_SCENARIOS,
  ...ENGINEERING_TICKET_SCENARIOS,
  ...SECURITY_TICKET_SCENARIOS,
];

const TICKET_COUNT = 240;
const FIRST_TICKET_NUMBER = 1000;
const HISTORY_DAYS = 178;
const VPN_ANCHOR = { number: 1042, scenarioKey: 'vpn-disconnects', status: 'in_progress', priority: 'P2', comments: 5 } as const;

/** Teams whose tickets come from anyone in the company rather than from engineers. */
const COMPANY_FACING_TEAMS: ReadonlySet<ResolverTeam> = new Set(['service-desk', 'network', 'identity', 'security', 'workplace']);
const ENGINEERING_TEAMS: ReadonlySet<ResolverTeam> = new Set(['platform', 'sre', 'payments-eng', 'commerce', 'data', 'messaging', 'mobile', 'identity']);
const DEFAULT_SERVICES: readonly Service[] = Object.values(SERVICES).filter((service) => service.id !== 'vpn');

interface TicketPlan {
  readonly id: string;
  readonly scenario: TicketScenario;
  /** Minutes between creation and `now`. */
  readonly ageMinutes: number;
  readonly status: TicketStatus;
  readonly priority: TicketPriority;
  readonly commentCount?: number;
}

interface TicketPeople {
  readonly requester: string;
  readonly assignee: string | null;
  readonly colleague: string;
}

interface Ending {
  readonly resolution: TicketResolution;
  readonly note: string;
}

export function generateTickets(now: Date): { tickets: SeedTicket[]; comments: SeedComment[] } {
  const firstOfScenario = new Map<string, string>();
  const tickets: SeedTicket[] = [];
  const comments: SeedComment[] = [];
  for (const plan of planTickets()) {
    const generated = generateTicket(plan, now, firstOfScenario.get(plan.scenario.key));
    if (!firstOfScenario.has(plan.scenario.key)) firstOfScenario.set(plan.scenario.key, plan.id);
    tickets.push(generated.ticket);
    comments.push(...generated.comments);
  }
  return { tickets, comments };
}

function planTickets(): TicketPlan[] {
  const ages = ticketAges();
  const scenarios = scenarioOrder();
  return ages.map((ageMinutes, index) => {
    const number = FIRST_TICKET_NUMBER + index;
    const id = `TCK-${number}`;
    if (number === VPN_ANCHOR.number) return vpnAnchorPlan(id, ageMinutes);
    const random = randomFor(`ticket-plan:${number}`);
    const scenario = scenarios[index] as TicketScenario;
    return { id, scenario, ageMinutes, status: statusForAge(random, ageMinutes / DAY_MINUTES), priority: random.pick(scenario.priorities) };
  });
}

function vpnAnchorPlan(id: string, ageMinutes: number): TicketPlan {
  const scenario = TICKET_SCENARIOS.find((candidate) => candidate.key === VPN_ANCHOR.scenarioKey);
  if (!scenario) throw new Error(`Missing ticket scenario ${VPN_ANCHOR.scenarioKey}`);
  return { id, scenario, ageMinutes, status: VPN_ANCHOR.status, priority: VPN_ANCHOR.priority, commentCount: VPN_ANCHOR.comments };
}

/** Creation ages, oldest first; recent days are busier than old ones. */
function ticketAges(): number[] {
  const random = randomFor('ticket-ages');
  const ages = Array.from({ length: TICKET_COUNT }, () => Math.round(HISTORY_DAYS * DAY_MINUTES * random.next() ** 1.8) + 20);
  return ages.sort((a, b) => b - a);
}

/** Every scenario at least once, in shuffled rounds. */
function scenarioOrder(): TicketScenario[] {
  const random = randomFor('ticket-scenarios');
  const order: TicketScenario[] = [];
  while (order.length < TICKET_COUNT) order.push(...random.shuffle(TICKET_SCENARIOS));
  return order.slice(0, TICKET_COUNT);
}

function statusForAge(random: Random, ageDays: number): TicketStatus {
  if (ageDays < 2) return random.weighted([['open', 45], ['in_progress', 30], ['waiting', 10], ['resolved', 15]]);
  if (ageDays < 14) return random.weighted([['open', 15], ['in_progress', 25], ['waiting', 15], ['resolved', 35], ['closed', 10]]);
  if (ageDays < 45) return random.weighted([['open', 4], ['in_progress', 8], ['waiting', 8], ['resolved', 30], ['closed', 50]]);
  return random.weighted([['open', 2], ['in_progress', 3], ['waiting', 3], ['resolved', 12], ['closed', 80]]);
}

function generateTicket(plan: TicketPlan, now: Date, earlierTicketId: string | undefined): { ticket: SeedTicket; comments: SeedComment[] } {
  const random = randomFor(`ticket:${plan.id}`);
  const service = pickService(random, plan.scenario);
  const people = pickPeople(random, plan, service);
  const fill = createSlotFiller(random, service, people);
  const title = fill(random.pick(plan.scenario.titles));
  const description = fill(plan.scenario.description);
  const ending = isFinished(plan.status) ? chooseEnding(random, plan.scenario, earlierTicketId) : undefined;
  const lines = conversation(random, plan, people, ending).slice(0, 6);
  const times = ticketTimes(random, plan, now, lines.length);
  const comments = lines.map((line, index) => ({
    ticket_id: plan.id,
    author: speakerHandle(line, people),
    body: fill(line.text),
    created_at: times.comments[index] as Date,
  }));
  const ticket: SeedTicket = {
    id: plan.id,
    title,
    description,
    status: plan.status,
    resolution: ending?.resolution ?? null,
    priority: plan.priority,
    requester: people.requester,
    assignee: people.assignee,
    team: plan.scenario.team,
    labels: ticketLabels(plan.scenario, service, [title, description]),
    created_at: times.created,
    updated_at: times.updated,
  };
  return { ticket, comments };
}

function pickService(random: Random, scenario: TicketScenario): Service {
  return scenario.services ? SERVICES[random.pick(scenario.services)] : random.pick(DEFAULT_SERVICES);
}

function pickPeople(random: Random, plan: TicketPlan, service: Service): TicketPeople {
  const team = plan.scenario.team;
  const members = membersOf(team);
  const unassigned = plan.status === 'open' && random.chance(0.65);
  const assignee = unassigned ? null : random.pick(members);
  const colleague = random.pick(members.filter((member) => member !== assignee));
  return { requester: pickRequester(random, team, service, [assignee, colleague]), assignee, colleague };
}

function pickRequester(random: Random, team: ResolverTeam, service: Service, excluded: readonly (string | null)[]): string {
  const candidates = COMPANY_FACING_TEAMS.has(team)
    ? PEOPLE.filter((person) => person.team !== team)
    : PEOPLE.filter((person) => person.team === service.team || ENGINEERING_TEAMS.has(person.team as ResolverTeam));
  return random.pick(candidates.filter((person) => !excluded.includes(person.handle))).handle;
}

function isFinished(status: TicketStatus): boolean {
  return status === 'resolved' || status === 'closed';
}

function chooseEnding(random: Random, scenario: TicketScenario, earlierTicketId: string | undefined): Ending {
  const draw = random.next();
  if (earlierTicketId && draw < 0.08) return { resolution: 'duplicate', note: duplicateNote(earlierTicketId) };
  if (scenario.otherEnding && draw < 0.4) return scenario.otherEnding;
  return { resolution: 'fixed', note: scenario.fixed };
}

/** The comment lines a ticket in this status has gathered, oldest first. */
function conversation(random: Random, plan: TicketPlan, people: TicketPeople, ending: Ending | undefined): CommentLine[] {
  const progress = plan.scenario.progress;
  if (plan.commentCount !== undefined) return progress.slice(0, plan.commentCount);
  if (ending) return finishedConversation(random, progress, ending);
  switch (plan.status) {
    case 'open':
      return people.assignee ? progress.slice(0, random.int(0, 1)) : random.chance(0.5) ? [requesterSays(random.pick(REQUESTER_NUDGES))] : [];
    case 'in_progress':
      return progress.slice(0, random.int(1, Math.max(1, progress.length - 1)));
    default:
      return [...progress.slice(0, random.int(0, Math.min(3, progress.length))), { speaker: 'assignee', text: plan.scenario.waiting }];
  }
}

function finishedConversation(random: Random, progress: readonly CommentLine[], ending: Ending): CommentLine[] {
  const closing: CommentLine = { speaker: 'assignee', text: ending.note };
  if (ending.resolution !== 'fixed') return [...progress.slice(0, random.int(0, 1)), closing];
  const thanks = random.chance(0.35) ? [requesterSays(random.pick(REQUESTER_THANKS))] : [];
  return [...progress.slice(0, random.int(1, Math.min(4, progress.length))), closing, ...thanks];
}

function speakerHandle(line: CommentLine, people: TicketPeople): string {
  if (line.speaker === 'requester') return people.requester;
  if (line.speaker === 'colleague') return people.colleague;
  if (!people.assignee) throw new Error('An unassigned ticket cannot have comments from its assignee');
  return people.assignee;
}

function ticketLabels(scenario: TicketScenario, service: Service, texts: readonly string[]): string[] {
  const namesService = texts.some((text) => text.includes(service.id) || text.includes(service.hostPrefix));
  return namesService && !scenario.labels.includes(service.id) ? [...scenario.labels, service.id] : [...scenario.labels];
}

interface TicketTimes {
  readonly created: Date;
  readonly updated: Date;
  readonly comments: readonly Date[];
}

/** Creation, comment and update times; comments end at the ticket's last activity. */
function ticketTimes(random: Random, plan: TicketPlan, now: Date, commentCount: number): TicketTimes {
  const created = atOffset(now, -plan.ageMinutes);
  const lastActivityMinutes = lastActivityAfterCreation(random, plan, commentCount);
  const comments = commentOffsets(random, lastActivityMinutes, commentCount).map((offset) => wholeSeconds(atOffset(created, offset)));
  const updatedMinutes = plan.status === 'closed' ? closedAfterCreation(random, plan, lastActivityMinutes) : lastActivityMinutes;
  return { created: wholeSeconds(created), updated: wholeSeconds(atOffset(created, updatedMinutes)), comments };
}

function lastActivityAfterCreation(random: Random, plan: TicketPlan, commentCount: number): number {
  const age = plan.ageMinutes;
  if (isFinished(plan.status)) return Math.min(workDuration(random, plan.priority), age * 0.8);
  if (commentCount === 0) return plan.status === 'open' ? 0 : Math.min(random.int(5, 90), age / 2);
  const quiet = random.int(5, Math.max(6, Math.min(age / 2, 4 * DAY_MINUTES)));
  return age - quiet;
}

function workDuration(random: Random, priority: TicketPriority): number {
  switch (priority) {
    case 'P1':
      return random.int(1 * HOUR_MINUTES, 8 * HOUR_MINUTES);
    case 'P2':
      return random.int(4 * HOUR_MINUTES, 3 * DAY_MINUTES);
    case 'P3':
      return random.int(1 * DAY_MINUTES, 7 * DAY_MINUTES);
    default:
      return random.int(2 * DAY_MINUTES, 14 * DAY_MINUTES);
  }
}

/** Resolved tickets close a few days later unless someone reopens them. */
function closedAfterCreation(random: Random, plan: TicketPlan, resolvedMinutes: number): number {
  return Math.max(resolvedMinutes, Math.min(resolvedMinutes + random.int(2 * DAY_MINUTES, 7 * DAY_MINUTES), plan.ageMinutes - 5));
}

/** Offsets from creation, ascending; the last is the last activity itself. */
function commentOffsets(random: Random, lastActivityMinutes: number, count: number): number[] {
  if (count === 0) return [];
  const earlier = Array.from({ length: count - 1 }, () => lastActivityMinutes * (0.05 + 0.9 * random.next()));
  return [...earlier.sort((a, b) => a - b), lastActivityMinutes];
}
