import { html, queryString, type SafeHtml } from '../html';
import type { Session } from '../sessions/session-store';
import type { ApprovalPage, ApprovalView } from '../writer-api';
import { layout } from './layout';

/** "12 min ago", "in 48 min": what an approver paged at night reads at a glance. */
export function relative(iso: string, now: number = Date.now()): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  if (minutes === 0) return 'just now';
  const span = Math.abs(minutes) < 90 ? `${Math.abs(minutes)} min` : `${Math.round(Math.abs(minutes) / 60)} h`;
  return minutes < 0 ? `${span} ago` : `in ${span}`;
}

/** What the pending list is narrowed to (query parameters of `/approvals`). */
export interface PendingFilters {
  tool?: string;
  requester?: string;
  after?: string;
}

/** Pending requests, newest first, narrowed by tool and requester, a page at a time. */
export function pendingPage(session: Session, page: ApprovalPage, filters: PendingFilters = {}, now: number = Date.now()): string {
  // The writer narrowed the list (approvals only, by tool and requester); newest first.
  const rows = [...page.approvals].sort((a, b) => b.requested_at.localeCompare(a.requested_at));
  const narrowed = Boolean(filters.tool || filters.requester);
  const body = html`<h1>Pending approvals</h1>
${filterForm(filters)}
${
  rows.length === 0
    ? html`<p>${narrowed ? 'Nothing waiting matches these filters.' : 'Nothing is waiting for a decision.'}</p>`
    : html`<table class="cards">
<caption>${rows.length} high-risk request(s) waiting for a second person${narrowed ? ' (filtered)' : ''}, newest first</caption>
<thead><tr><th scope="col">Tool</th><th scope="col">Server</th><th scope="col">Risk</th><th scope="col">Requested by</th><th scope="col">Asked</th><th scope="col">Expires</th><th scope="col">Status</th></tr></thead>
<tbody>
${rows.map(
  (request) => html`<tr>
<td data-label="Tool"><a href="/approvals/${encodeURIComponent(request.approval_id)}">${request.tool}<span class="visually-hidden"> requested by ${request.requester}, ${relative(request.requested_at, now)}</span></a></td>
<td data-label="Server">${request.server ?? '—'}</td>
<td data-label="Risk">${request.risk ?? 'high'}</td>
<td data-label="Requested by">${request.requester}${request.requester === session.subject ? ' (you)' : ''}</td>
<td data-label="Asked"><time datetime="${request.requested_at}">${relative(request.requested_at, now)}</time></td>
<td data-label="Expires"><time datetime="${request.expires_at}">${relative(request.expires_at, now)}</time></td>
<td data-label="Status">${statusBadge(request)}</td>
</tr>`,
)}
</tbody>
</table>`
}
${page.next ? html`<p><a href="/approvals?${queryString({ tool: filters.tool, requester: filters.requester, after: page.next })}">Older requests</a></p>` : ''}`;
  return layout('Pending approvals', body, session);
}

/** The signed-in user's own requests, of any status, newest first. */
export function myRequestsPage(session: Session, page: ApprovalPage, now: number = Date.now()): string {
  const body = html`<h1>My requests</h1>
${
  page.approvals.length === 0
    ? html`<p>You have not asked for any change that needs an approval or your confirmation.</p>`
    : html`<table>
<caption>Changes you asked for that need a second person's approval or your confirmation, newest first</caption>
<thead><tr><th scope="col">Tool</th><th scope="col">Kind</th><th scope="col">Asked</th><th scope="col">Status</th><th scope="col">Decided by</th></tr></thead>
<tbody>
${page.approvals.map(
  (request) => html`<tr>
<td><a href="/approvals/${encodeURIComponent(request.approval_id)}">${request.tool}<span class="visually-hidden">, asked ${relative(request.requested_at, now)}</span></a></td>
<td>${request.kind === 'confirmation' ? 'your confirmation' : 'approval'}</td>
<td><time datetime="${request.requested_at}">${relative(request.requested_at, now)}</time></td>
<td>${statusBadge(request)}</td>
<td>${request.decided_by ?? '—'}</td>
</tr>`,
)}
</tbody>
</table>`
}
${page.next ? html`<p><a href="/mine?${queryString({ after: page.next })}">Older requests</a></p>` : ''}`;
  return layout('My requests', body, session);
}

function filterForm(filters: PendingFilters): SafeHtml {
  return html`<form method="get" action="/approvals" class="filters" role="search" aria-label="Filter pending approvals">
  <label for="filter-tool">Tool</label>
  <input id="filter-tool" name="tool" value="${filters.tool ?? ''}" placeholder="resolve_incident" autocomplete="off">
  <label for="filter-requester">Requested by</label>
  <input id="filter-requester" name="requester" value="${filters.requester ?? ''}" autocomplete="off">
  <button type="submit">Filter</button>
</form>`;
}


/** One request: what would run, with which arguments, where it stands, and the decision form when the user may decide. */
export function requestPage(session: Session, request: ApprovalView, notice?: string): string {
  // The writer says what this user may do (its rules compare the subject of the token it takes, not the ID token's).
  const own = request.viewer?.own ?? request.requester === session.subject;
  const confirmation = request.kind === 'confirmation';
  const decidable = request.viewer ? (confirmation ? request.viewer.may_confirm : request.viewer.may_decide) : request.status === 'pending' && (confirmation ? own : !own);
  const body = html`<h1>${request.tool}</h1>
${notice ? html`<p role="status" class="notice">${notice}</p>` : ''}
<dl class="facts">
  <dt>Status</dt><dd>${statusBadge(request)}${request.tampered ? html` <strong>${request.tampered}: it will never run.</strong>` : ''}</dd>
  <dt>Requested by</dt><dd>${request.requester}</dd>
  <dt>Requested</dt><dd><time datetime="${request.requested_at}">${request.requested_at}</time></dd>
  <dt>${request.kind === 'confirmation' ? 'Confirm before' : 'Decide before'}</dt><dd><time datetime="${request.expires_at}">${request.expires_at}</time></dd>
  ${request.decided_by ? html`<dt>Decided by</dt><dd>${request.decided_by} at <time datetime="${request.decided_at}">${request.decided_at}</time></dd>` : ''}
  ${request.reason ? html`<dt>Reason</dt><dd>${request.reason}</dd>` : ''}
  ${request.executed_at ? html`<dt>Ran</dt><dd><time datetime="${request.executed_at}">${request.executed_at}</time></dd>` : ''}
</dl>
${toolSection(request)}
${changeSection(request)}
<h2>Arguments</h2>
${argumentList(request.arguments)}
${request.result ? html`<h2>Result</h2><pre>${JSON.stringify(request.result, null, 2)}</pre>` : ''}
${pendingNotice(request, own)}
${decidable ? decisionForms(session, request) : ''}`;
  return layout(notice ? `${notice} ${request.tool}` : request.tool, body, session);
}

/** What the tool does and which definition the request was made against. */
function toolSection(request: ApprovalView): SafeHtml {
  const details = request.details;
  if (!details) return html``;
  if (!details.tool) return html`<p class="warning" role="alert">This server no longer serves ${request.tool}: the request cannot run.</p>`;
  return html`<section aria-labelledby="tool-heading">
<h2 id="tool-heading">${details.tool.title}</h2>
<p>${details.tool.description}</p>
<dl class="facts">
  <dt>Risk</dt><dd>${details.tool.risk}</dd>
  <dt>Owner</dt><dd>${details.tool.owner}</dd>
  <dt>Definition</dt><dd><code>${details.tool.definition_hash}</code></dd>
</dl>
${details.definition_changed ? html`<p class="warning" role="alert">The tool has changed since this request was made (asked against <code>${details.requested_definition_hash}</code>): it will not run.</p>` : ''}
</section>`;
}

/** For a pending change: each field's value now beside the proposed one, read when the page was made. */
function changeSection(request: ApprovalView): SafeHtml {
  const details = request.details;
  if (!details || request.status !== 'pending') return html``;
  if (details.would_fail) return html`<p class="warning" role="alert">If it ran now it would fail: ${details.would_fail}</p>`;
  if (!details.changes?.length) return html``;
  return html`<table class="changes">
<caption>What it would change (current values read just now)</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">Proposed</th></tr></thead>
<tbody>${details.changes.map((change) => html`<tr><th scope="row">${change.field}</th><td>${change.current ?? '(none)'}</td><td><strong>${change.proposed ?? '(none)'}</strong></td></tr>`)}</tbody>
</table>`;
}

function pendingNotice(request: ApprovalView, own: boolean): SafeHtml | '' {
  if (request.status !== 'pending') return '';
  if (request.kind === 'confirmation') {
    return own
      ? html`<p class="notice">You asked for this change through an assistant that cannot ask you itself: confirm it to make it now, or cancel it. Nothing has changed yet.</p>`
      : html`<p class="notice">Only ${request.requester}, who asked for this change, can confirm or cancel it.</p>`;
  }
  return own ? html`<p class="notice">You asked for this change: a second person must decide it.</p>` : '';
}

/**
 * The two forms on a pending request: approve or reject it with a required reason (an approver),
 * or confirm or cancel one's own change (a confirmation by link, no reason needed).
 */
function decisionForms(session: Session, request: ApprovalView): SafeHtml {
  const action = `/approvals/${encodeURIComponent(request.approval_id)}/decision`;
  const confirmation = request.kind === 'confirmation';
  const form = (decision: 'approve' | 'reject', button: SafeHtml) => html`<form method="post" action="${action}" class="decision">
  <input type="hidden" name="csrf" value="${session.csrf}">
  <input type="hidden" name="decision" value="${decision}">
  ${button}
</form>`;
  const reason = html`<label for="reason">Reason for rejecting (required, at least 5 characters)</label>
  <textarea id="reason" name="reason" required minlength="5" maxlength="2000" rows="3"></textarea>`;
  return html`<h2>${confirmation ? 'Confirm' : 'Decide'}</h2>
${form('approve', html`<button type="submit" class="approve">${confirmation ? 'Confirm the change' : 'Approve and run'}</button>`)}
${form('reject', confirmation ? html`<button type="submit" class="reject">Cancel it</button>` : html`${reason}
  <button type="submit" class="reject">Reject</button>`)}`;
}

/** Each argument on its own line, its value as JSON: text from assistants is shown, never interpreted. */
function argumentList(args: unknown): SafeHtml {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return html`<pre>${JSON.stringify(args ?? null, null, 2)}</pre>`;
  const entries = Object.entries(args as Record<string, unknown>);
  if (entries.length === 0) return html`<p>None.</p>`;
  return html`<dl class="arguments">${entries.map(([name, value]) => html`<dt>${name}</dt><dd><code>${typeof value === 'string' ? value : JSON.stringify(value)}</code></dd>`)}</dl>`;
}

/** The status in words: a rejected confirmation is one its requester cancelled. */
function statusBadge(request: ApprovalView): SafeHtml {
  const status = request.kind === 'confirmation' && request.status === 'rejected' ? 'cancelled' : request.status;
  return html`<span class="status status-${request.status}">${status}</span>`;
}
