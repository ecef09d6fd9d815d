import type { IncidentSeverity, ResolverTeam, ServiceId, TicketPriority } from './seed-catalog';

/** Who says a comment line: the ticket's requester, its assignee, or someone else on the assignee's team. */
export type Speaker = 'requester' | 'assignee' | 'colleague';

export interface CommentLine {
  readonly speaker: Speaker;
  readonly text: string;
}

export const requesterSays = (text: string): CommentLine => ({ speaker: 'requester', text });
export const assigneeSays = (text: string): CommentLine => ({ speaker: 'assignee', text });
export const colleagueSays = (text: string): CommentLine => ({ speaker: 'colleague', text });

/**
 * A kind of ticket. Text may use `{slot}` placeholders (see `template-slots.ts`); one
 * ticket resolves each slot once, so the title and description name the same host.
 */
export interface TicketScenario {
  readonly key: string;
  readonly team: ResolverTeam;
  readonly labels: readonly string[];
  /** Drawn uniformly; repeat a priority to make it likelier. */
  readonly priorities: readonly TicketPriority[];
  /** Services `{service}` and `{host}` are drawn from; any service when absent. */
  readonly services?: readonly ServiceId[];
  readonly titles: readonly string[];
  /** Written by the requester. */
  readonly description: string;
  /** The conversation while the ticket is worked, in order. */
  readonly progress: readonly CommentLine[];
  /** The assignee's note when the ticket waits on someone. */
  readonly waiting: string;
  /** The assignee's note when the ticket is fixed. */
  readonly fixed: string;
  /** A way the ticket can end other than fixed. */
  readonly otherEnding?: { readonly resolution: 'wont_fix' | 'cannot_reproduce'; readonly note: string };
}

/**
 * A kind of incident, written as its channel would read. Open incidents use a prefix of
 * the script that matches their status; resolved ones use all phases.
 */
export interface IncidentScenario {
  readonly key: string;
  /** The first is the primary service, which `{service}` and `{host}` refer to. */
  readonly services: readonly [ServiceId, ...ServiceId[]];
  readonly severities: readonly IncidentSeverity[];
  readonly titles: readonly string[];
  /** Summary sentences: the impact always, the cause once identified, the fix once resolved. */
  readonly impact: string;
  readonly cause: string;
  readonly fix: string;
  readonly detected: string;
  /** At least three, so an incident still investigating has four entries. */
  readonly investigating: readonly [string, string, string, ...string[]];
  /** Why the severity went up one level; used when the incident escalated. */
  readonly escalation: string;
  /** The status change to identified: the cause as the channel first stated it. */
  readonly identified: string;
  readonly actions: readonly [string, ...string[]];
  readonly mitigated: string;
  readonly monitoring: readonly [string, ...string[]];
  readonly resolved: string;
}
