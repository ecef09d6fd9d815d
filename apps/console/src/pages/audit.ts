import type { AuditAnomaly, ChainState, CheckedRecord, TrailCheck } from '@gmcp/mcp-kit/audit';
import { AUDIT_EVENTS, DECISIONS } from '@gmcp/mcp-kit/audit';
import { html, queryString, type SafeHtml } from '../html';
import type { Session } from '../sessions/session-store';
import { layout } from './layout';

/** The search as the form holds it (strings, as typed). */
export interface AuditSearchForm {
  actor?: string;
  tool?: string;
  decision?: string;
  event?: string;
  server?: string;
  since?: string;
  until?: string;
}

/** Search by actor, tool, decision, event, server and time; newest first, a page at a time. */
export function auditSearchPage(session: Session, form: AuditSearchForm, result: { records: CheckedRecord[]; anomalies: AuditAnomaly[]; cursor?: string } | undefined, error?: string): string {
  const field = (name: keyof AuditSearchForm, label: string, hint?: string) =>
    html`<p><label for="audit-${name}">${label}</label>${hint ? html` <span class="hint" id="audit-${name}-hint">${hint}</span>` : ''}<input id="audit-${name}" name="${name}" value="${form[name] ?? ''}"${hint ? html` aria-describedby="audit-${name}-hint"` : ''}></p>`;
  const choice = (name: 'decision' | 'event', label: string, values: readonly string[]) =>
    html`<p><label for="audit-${name}">${label}</label><select id="audit-${name}" name="${name}"><option value="">Any</option>${values.map((value) => html`<option value="${value}"${form[name] === value ? html` selected` : ''}>${value}</option>`)}</select></p>`;
  const next = result?.cursor ? queryString({ ...form, cursor: result.cursor }) : undefined;
  const body = html`<h1>Audit trail</h1>
<p><a href="/audit/integrity">Integrity: signatures, writer chains and the digest chain</a> · <a href="/audit/export" download>Export the last 24 h with their digests</a></p>
<form method="get" action="/audit" class="search" role="search" aria-label="Search the audit trail">
${field('actor', 'Actor (subject)')}${field('tool', 'Tool')}${choice('decision', 'Decision', DECISIONS)}${choice('event', 'Event', AUDIT_EVENTS)}${field('server', 'Server')}
${field('since', 'Since', 'a duration back from now (15m, 24h, 7d) or an ISO time; 24h if empty')}${field('until', 'Until', 'an ISO time; now if empty')}
<p><button type="submit">Search</button></p>
</form>
${error ? html`<p class="warning" role="alert">${error}</p>` : ''}
${result ? recordTable(result.records) : ''}
${result && result.anomalies.length > 0 ? anomalyList(result.anomalies) : ''}
${next ? html`<p><a href="/audit?${next}">Older records</a></p>` : ''}`;
  return layout('Audit trail', body, session);
}

/** One record's full signed content, and whether its signature holds. */
export function auditRecordPage(session: Session, record: CheckedRecord): string {
  const { signature_valid, ...stored } = record;
  const body = html`<h1>Audit record</h1>
<p class="${signature_valid ? 'notice' : 'warning'}" role="status">${signature_valid ? 'Its signature holds: this is the record as its server wrote it.' : 'Its signature does not hold: this record was changed after it was written.'}</p>
<dl class="facts">
  <dt>Event</dt><dd>${record.event}</dd>
  <dt>Decision</dt><dd>${record.decision}${record.reason ? ` (${record.reason})` : ''}</dd>
  <dt>Time</dt><dd><time datetime="${record.time}">${record.time}</time></dd>
  <dt>Server</dt><dd>${record.server}</dd>
  ${record.actor ? html`<dt>Actor</dt><dd>${record.actor.subject} through ${record.actor.client_id}</dd>` : ''}
  ${record.tool ? html`<dt>Tool</dt><dd>${record.tool}</dd>` : ''}
</dl>
<h2>Signed content</h2>
<pre>${JSON.stringify(stored, null, 2)}</pre>
<p><a href="/audit">Back to the search</a></p>`;
  return layout(`Audit record ${record.event_id}`, body, session);
}

/** The trail's integrity over a range, and the digest chain's state. */
export function auditIntegrityPage(session: Session, check: TrailCheck, chain: ChainState): string {
  const body = html`<h1>Integrity of the audit trail</h1>
<h2>Records since <time datetime="${check.since.toISOString()}">${check.since.toISOString()}</time></h2>
${
  check.ok
    ? html`<p class="notice" role="status">All ${check.checked} record(s) match their signatures; every writer's records follow each other without a gap, and every call has its outcome.</p>`
    : html`<p class="warning" role="alert">${check.tampered.length + check.anomalies.length + check.findings.length} problem(s) in ${check.checked} stored item(s).</p>
${check.findings.length ? html`<h3>Gaps and broken links</h3><ul>${check.findings.map((finding) => html`<li><strong>${finding.kind}</strong> ${finding.detail}</li>`)}</ul>` : ''}
${check.tampered.length ? html`<h3>Records changed after they were written</h3>${recordTable(check.tampered.map((record) => ({ ...record, signature_valid: false })))}` : ''}
${check.anomalies.length ? anomalyList(check.anomalies) : ''}`
}
<h2>Digest chain</h2>
${chainSection(chain)}`;
  return layout(check.ok && chain.ok ? 'Audit trail intact' : 'Audit trail: problems found', body, session);
}

function chainSection(chain: ChainState): SafeHtml {
  const index = chain.index.length ? html`<h3>Digest index</h3><ul>${chain.index.map((finding) => html`<li>${finding}</li>`)}</ul>` : '';
  if (!chain.report) return html`<p>No digest has been written yet (${chain.description}).</p>${index}`;
  const broken = chain.report.ranges.filter((range) => range.findings.length > 0);
  return html`<dl class="facts">
  <dt>Kept in</dt><dd>${chain.description}</dd>
  <dt>Digests</dt><dd>${chain.report.ranges.length}</dd>
  ${chain.last ? html`<dt>Last digest</dt><dd>${chain.last.record_count} record(s), <time datetime="${chain.last.range.start}">${chain.last.range.start}</time> → <time datetime="${chain.last.range.end}">${chain.last.range.end}</time></dd>` : ''}
  <dt>Signed by</dt><dd><code>${chain.report.keyIds.join(', ')}</code></dd>
  <dt>Not yet digested</dt><dd>${chain.report.undigested.after} record(s)</dd>
</dl>
${chain.ok ? html`<p class="notice" role="status">The chain is intact: every digest's signature and link holds, and every digested record is there as it was.</p>` : html`<p class="warning" role="alert">The chain is broken.</p>`}
${chain.report.chain.length ? html`<ul>${chain.report.chain.map((finding) => html`<li><strong>${finding.kind}</strong> ${finding.detail}</li>`)}</ul>` : ''}
${broken.map(
  (range) => html`<h3>Range <time datetime="${range.range.start}">${range.range.start}</time> → <time datetime="${range.range.end}">${range.range.end}</time></h3>
<ul>${range.findings.map((finding) => html`<li><strong>${finding.kind}</strong> ${finding.detail}</li>`)}</ul>`,
)}
${index}`;
}

function recordTable(records: readonly CheckedRecord[]): SafeHtml {
  if (records.length === 0) return html`<p>No record matches.</p>`;
  return html`<table>
<caption>${records.length} record(s), newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Decision</th><th scope="col">Actor</th><th scope="col">Tool</th><th scope="col">Signature</th></tr></thead>
<tbody>${records.map(
    (record) => html`<tr>
<td><a href="/audit/record?${queryString({ server: record.server, time: record.time, id: record.event_id })}"><time datetime="${record.time}">${record.time.replace('T', ' ').slice(0, 19)}</time><span class="visually-hidden"> ${record.event} record</span></a></td>
<td>${record.event}</td>
<td>${record.decision}${record.reason ? html`<br><small>${record.reason}</small>` : ''}</td>
<td>${record.actor?.subject ?? '—'}</td>
<td>${record.tool ?? '—'}</td>
<td>${record.signature_valid ? 'valid' : html`<strong class="status status-tampered">changed</strong>`}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function anomalyList(anomalies: readonly AuditAnomaly[]): SafeHtml {
  return html`<h3>Stored items that are not records as written</h3><ul>${anomalies.map((anomaly) => html`<li><code>${anomaly.location}</code> ${anomaly.problem}: ${anomaly.detail}</li>`)}</ul>`;
}

