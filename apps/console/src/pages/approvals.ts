import { html, type SafeHtml } from '../html';
import type { Session } from '../sessions';
import type { ApprovalView } from '../writer-api';
import { layout } from './layout';

/** "12 min ago", "in 48 min": what an approver paged at night reads at a glance. */
export function relative(iso: string, now: number = Date.now()): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  const span = Math.abs(minutes) < 90 ? `${Math.abs(minutes)} min` : `${Math.round(Math.abs(minutes) / 60)} h`;
  return minutes < 0 ? `${span} ago` : `in ${span}`;
}

/** Pending requests, newest first. */
export function pendingPage(session: Session, approvals: readonly ApprovalView[], now: number = Date.now()): string {
  const rows = [...approvals].sort((a, b) => b.requested_at.localeCompare(a.requested_at));
  const body = html`<h1>Pending approvals</h1>
${
  rows.length === 0
    ? html`<p>Nothing is waiting for a decision.</p>`
    : html`<table>
<caption>${rows.length} request(s) waiting for a second person, newest first</caption>
<thead><tr><th scope="col">Tool</th><th scope="col">Requested by</th><th scope="col">Asked</th><th scope="col">Expires</th><th scope="col">Status</th></tr></thead>
<tbody>
${rows.map(
  (request) => html`<tr>
<td><a href="/approvals/${encodeURIComponent(request.approval_id)}">${request.tool}<span class="visually-hidden"> requested by ${request.requester}, ${relative(request.requested_at, now)}</span></a></td>
<td>${request.requester}${request.requester === session.subject ? ' (you)' : ''}</td>
<td><time datetime="${request.requested_at}">${relative(request.requested_at, now)}</time></td>
<td><time datetime="${request.expires_at}">${relative(request.expires_at, now)}</time></td>
<td>${statusBadge(request)}</td>
</tr>`,
)}
</tbody>
</table>`
}`;
  return layout('Pending approvals', body, session);
}

/** One request: what would run, with which arguments, where it stands, and the decision form when the user may decide. */
export function requestPage(session: Session, request: ApprovalView, notice?: string): string {
  const own = request.requester === session.subject;
  const decidable = request.status === 'pending' && !own;
  const body = html`<h1>${request.tool}</h1>
${notice ? html`<p role="status" class="notice">${notice}</p>` : ''}
<dl class="facts">
  <dt>Status</dt><dd>${statusBadge(request)}${request.tampered ? html` <strong>${request.tampered}: it will never run.</strong>` : ''}</dd>
  <dt>Requested by</dt><dd>${request.requester}</dd>
  <dt>Requested</dt><dd><time datetime="${request.requested_at}">${request.requested_at}</time></dd>
  <dt>Decide before</dt><dd><time datetime="${request.expires_at}">${request.expires_at}</time></dd>
  ${request.decided_by ? html`<dt>Decided by</dt><dd>${request.decided_by} at <time datetime="${request.decided_at}">${request.decided_at}</time></dd>` : ''}
  ${request.reason ? html`<dt>Reason</dt><dd>${request.reason}</dd>` : ''}
  ${request.executed_at ? html`<dt>Ran</dt><dd><time datetime="${request.executed_at}">${request.executed_at}</time></dd>` : ''}
</dl>
<h2>Arguments</h2>
${argumentList(request.arguments)}
${request.result ? html`<h2>Result</h2><pre>${JSON.stringify(request.result, null, 2)}</pre>` : ''}
${own && request.status === 'pending' ? html`<p class="notice">You asked for this change: a second person must decide it.</p>` : ''}
${decidable ? decisionForms(session, request) : ''}`;
  return layout(notice ? `${notice} ${request.tool}` : request.tool, body, session);
}

function decisionForms(session: Session, request: ApprovalView): SafeHtml {
  const action = `/approvals/${encodeURIComponent(request.approval_id)}/decision`;
  return html`<h2>Decide</h2>
<form method="post" action="${action}" class="decision">
  <input type="hidden" name="csrf" value="${session.csrf}">
  <input type="hidden" name="decision" value="approve">
  <button type="submit" class="approve">Approve and run</button>
</form>
<form method="post" action="${action}" class="decision">
  <input type="hidden" name="csrf" value="${session.csrf}">
  <input type="hidden" name="decision" value="reject">
  <label for="reason">Reason for rejecting (required, at least 5 characters)</label>
  <textarea id="reason" name="reason" required minlength="5" maxlength="2000" rows="3"></textarea>
  <button type="submit" class="reject">Reject</button>
</form>`;
}

/** Each argument on its own line, its value as JSON: text from assistants is shown, never interpreted. */
function argumentList(args: unknown): SafeHtml {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return html`<pre>${JSON.stringify(args ?? null, null, 2)}</pre>`;
  const entries = Object.entries(args as Record<string, unknown>);
  if (entries.length === 0) return html`<p>None.</p>`;
  return html`<dl class="arguments">${entries.map(([name, value]) => html`<dt>${name}</dt><dd><code>${typeof value === 'string' ? value : JSON.stringify(value)}</code></dd>`)}</dl>`;
}

function statusBadge(request: ApprovalView): SafeHtml {
  return html`<span class="status status-${request.status}">${request.status}</span>`;
}
