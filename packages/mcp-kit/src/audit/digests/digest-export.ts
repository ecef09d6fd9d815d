import type { AuditDigest, RangeReport, VerifyReport } from './digest-core';

/**
 * The export format, JSON Lines: `{"type":"digest","digest":{…}}` and
 * `{"type":"record","record":{…}}`, records as stored. With the public key, that is all a
 * verifier needs. (Dependency-free, like digest-core: the standalone verifier bundles it.)
 */
export type ExportLine = { type: 'digest'; digest: AuditDigest } | { type: 'record'; record: { event_id: string; time: string } & Record<string, unknown> };

export function exportLines(digests: readonly AuditDigest[], records: readonly object[]): string {
  const lines = [...digests.map((digest) => ({ type: 'digest', digest })), ...records.map((record) => ({ type: 'record', record }))];
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

export function parseExport(text: string): { digests: AuditDigest[]; records: ({ event_id: string; time: string } & Record<string, unknown>)[] } {
  const digests: AuditDigest[] = [];
  const records: ({ event_id: string; time: string } & Record<string, unknown>)[] = [];
  text.split('\n').forEach((raw, index) => {
    if (!raw.trim()) return;
    let line: ExportLine;
    try {
      line = JSON.parse(raw) as ExportLine;
    } catch {
      throw new Error(`line ${index + 1}: not JSON`);
    }
    if (line.type === 'digest' && line.digest?.range) digests.push(line.digest);
    else if (line.type === 'record' && typeof line.record?.event_id === 'string' && typeof line.record.time === 'string') records.push(line.record);
    else throw new Error(`line ${index + 1}: neither a digest nor a record`);
  });
  return { digests, records };
}

/** The report as an auditor reads it: per range, then the chain, then what no digest covers. */
export function formatReport(report: VerifyReport): string {
  const lines = report.ranges.map(rangeLine);
  if (report.keyIds.length) lines.push(`signed by ${report.keyIds.join(', ')}`);
  for (const finding of report.chain) lines.push(`chain: ${finding.kind}: ${finding.detail}`);
  if (report.undigested.before) lines.push(`${report.undigested.before} record(s) before the first digest (not covered)`);
  if (report.undigested.after) lines.push(`${report.undigested.after} record(s) after the last digest (not digested yet)`);
  lines.push(report.ok ? `OK: ${report.ranges.length} digest(s), ${report.ranges.reduce((sum, range) => sum + range.records, 0)} record(s) verified` : 'FAILED: see above');
  return lines.join('\n');
}

function rangeLine(range: RangeReport): string {
  const head = `${range.range.start} → ${range.range.end}: ${range.records} record(s)`;
  if (range.findings.length === 0) return `${head}, intact`;
  return [`${head}, ${range.findings.length} problem(s):`, ...range.findings.map((finding) => `  ${finding.kind}: ${finding.detail}`)].join('\n');
}
