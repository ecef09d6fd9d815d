import { createHash, hkdfSync, randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { canonicalJson } from '../signing/canonical-json';
import { toolErrorResult } from '../pipeline/call';
import type { ConfirmationVerdict, Confirmer } from '../pipeline/run';
import type { RegisteredTool } from '../tool/tool-set';
import type { Approvals } from '../approvals/approvals';
import { consolePageOf } from '../approvals/approver-notifier';
import type { ApprovalStore } from '../approvals/approval-store';
import type { Logger } from '../logging/logger';
import { callerOf } from './caller';

/** Where a confirmation by link travels in a tool result (`_meta`): status, approval id, expiry and the console URL. */
export const CONFIRMATION_META_KEY = 'dev.gmcp/confirmation';

export interface ConfirmationSettings {
  /** The secret the confirmation state is signed with (derived from the approval key). */
  secret: Buffer;
  ttlSeconds: number;
  /**
   * What a medium-risk call does when the client cannot confirm (2025-era, or no elicitation):
   * answer with a link to confirm it in the console, refuse it, or run it.
   */
  whenUnsupported: 'link' | 'refuse' | 'allow';
  /** The approvals console, where a linked confirmation is made (`<consoleUrl>/approvals/<id>`). */
  consoleUrl?: string;
}

/** Where confirmations are kept, when the server has approvals configured. */
export interface ConfirmationStores {
  /** Records a confirmation its caller makes in the console (`Approvals.request` with `confirmation`): a server with approvals. */
  requests?: Pick<Approvals, 'request'>;
  /** Marks an answer's nonce used, once (the approvals table): any server with the approval key. */
  takeOnce?: ApprovalStore['takeOnce'];
  /** Where a failure to record a confirmation is told (never to the client: its message may name tables or roles). */
  logger?: Logger;
}

interface ConfirmationState {
  v: 1;
  /** sha256 of the tool name and the validated arguments: an answer confirms these and only these. */
  call: string;
  /** Taken once when the answer runs the call (with approvals configured): a replayed answer is asked again. */
  nonce: string;
}

const CONFIRM_SCHEMA = {
  type: 'object' as const,
  properties: { confirm: { type: 'boolean' as const, title: 'Confirm', description: 'Make this change' } },
  required: ['confirm'],
};

/**
 * In-band confirmation of medium-risk calls through the 2026-07-28 `input_required` round
 * trip: the first call answers with an elicitation and a signed request state bound to the
 * caller and to the exact arguments; the retry runs only with a valid state for these
 * arguments and an explicit yes. 2025-era requests are served statelessly and cannot carry
 * a server-to-client question, so configuration decides for them.
 *
 * This is a safeguard against an assistant acting without the user's say-so, not an
 * authorization control (a client can answer by itself); high risk stays on approvals.
 */
export function createMediumRiskConfirmation(settings: ConfirmationSettings, stores: ConfirmationStores = {}) {
  const codec = createRequestStateCodec<ConfirmationState>({
    key: Buffer.from(hkdfSync('sha256', settings.secret, Buffer.alloc(0), 'gmcp/confirmation-state', 32)),
    ttlSeconds: settings.ttlSeconds,
    bind: (ctx) => {
      const caller = callerOf(ctx.http?.authInfo);
      return `${ctx.mcpReq.method}\0${caller?.actor.issuer ?? ''}\0${caller?.actor.subject ?? ''}`;
    },
  });

  /** The pipeline's {@link Confirmer} for one request: the round trip runs in this request's exchange. */
  return (ctx: ServerContext, era: 'legacy' | 'modern'): Confirmer => <Deps>(tool: RegisteredTool<Deps>, input: unknown) => confirm(tool, input, ctx, era);

  async function confirm<Deps>(tool: RegisteredTool<Deps>, input: unknown, ctx: ServerContext, era: 'legacy' | 'modern'): Promise<ConfirmationVerdict> {
    const name = tool.definition.name;
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const capabilities = era === 'modern' ? (envelope?.[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: unknown } | undefined) : undefined;
    if (!capabilities?.elicitation) {
      if (settings.whenUnsupported === 'allow') return { kind: 'run', reason: 'confirmation_unavailable_allowed' };
      if (settings.whenUnsupported === 'link' && stores.requests && settings.consoleUrl) return confirmByLink(tool, input, ctx, stores.requests, settings.consoleUrl);
      return {
        kind: 'stop',
        reason: 'confirmation_unavailable',
        result: toolErrorResult(
          `${name} needs the user's confirmation, which this client cannot give (it needs MCP 2026-07-28 with elicitation). Nothing was changed. ` +
            'Use a client that supports it, or ask the operators whether this server should accept unconfirmed calls (MEDIUM_RISK_UNCONFIRMED).',
        ),
      };
    }
    const call = createHash('sha256').update(canonicalJson({ tool: name, input })).digest('base64url');
    const state = await verifiedState(ctx);
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    if (state?.call === call && answer.kind === 'elicit') {
      const content = answer.content as { confirm?: unknown } | undefined;
      if (answer.action === 'accept' && content?.confirm === true && (await firstUse(state))) return { kind: 'run', reason: 'confirmed' };
      if (answer.action !== 'accept' || content?.confirm === false) {
        return { kind: 'stop', reason: 'confirmation_declined', result: toolErrorResult(`The user did not confirm ${name}; nothing was changed.`) };
      }
    }
    // First round, or an answer that does not confirm these arguments under a valid state: ask for these.
    return {
      kind: 'stop',
      reason: 'confirmation_requested',
      result: inputRequired({
        inputRequests: { confirm: inputRequired.elicit({ message: `Confirm: ${tool.definition.title} with ${canonicalJson(input)}`, requestedSchema: CONFIRM_SCHEMA }) },
        requestState: await codec.mint({ v: 1, call, nonce: randomUUID() }, ctx),
      }),
    };
  };

  /**
   * For a client that cannot be asked: a confirmation request bound, as approvals are, to the
   * caller, the tool, the arguments and the definition, which only the caller can confirm in the
   * console, once, within the confirmation TTL; the call runs then, and get_request_status tells.
   */
  async function confirmByLink<Deps>(tool: RegisteredTool<Deps>, input: unknown, ctx: ServerContext, confirmations: Pick<Approvals, 'request'>, consoleUrl: string): Promise<ConfirmationVerdict> {
    const name = tool.definition.name;
    const caller = callerOf(ctx.http?.authInfo);
    try {
      if (!caller) throw new Error('no caller on the request');
      const pending = await confirmations.request({
        tool: name,
        definitionHash: tool.definitionHash,
        input,
        actor: caller.actor,
        requestId: caller.origin.requestId,
        confirmation: { ttlSeconds: settings.ttlSeconds },
      });
      const url = consolePageOf(consoleUrl, pending.approval_id);
      const text =
        `${name} needs your confirmation before it runs, and this client cannot ask for it: open ${url}, sign in as yourself and confirm or cancel it before ${pending.expires_at}. ` +
        `Nothing has changed yet. Then check with get_request_status (approval_id ${pending.approval_id}).`;
      // An error result (nothing ran), its details in `_meta`: clients validate structuredContent against the tool's output schema, even on errors.
      return { kind: 'stop', reason: 'confirmation_pending', result: { isError: true, content: [{ type: 'text', text }], _meta: { [CONFIRMATION_META_KEY]: { ...pending, confirm_url: url } } } };
    } catch (error) {
      stores.logger?.error('confirmation request failed', { tool: name, error: error as Error });
      return { kind: 'stop', reason: 'confirmation_unavailable', result: toolErrorResult(`The confirmation for ${name} could not be started; nothing was changed. Retry shortly.`) };
    }
  }

  /** The answer's nonce, taken once: the same confirmed state replayed runs nothing (it gets the question again). */
  async function firstUse(state: ConfirmationState): Promise<boolean> {
    if (!stores.takeOnce) return true;
    return stores.takeOnce(`confirmation:${state.nonce}`, new Date(Date.now() + settings.ttlSeconds * 1000));
  }

  async function verifiedState(ctx: ServerContext): Promise<ConfirmationState | undefined> {
    const raw = ctx.mcpReq.requestState();
    if (typeof raw !== 'string') return undefined;
    return codec.verify(raw, ctx).catch(() => undefined);
  }
}

export type MediumRiskConfirmation = ReturnType<typeof createMediumRiskConfirmation>;
