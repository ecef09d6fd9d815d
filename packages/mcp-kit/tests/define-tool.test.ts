import { z } from 'zod';
import { defineTool, type AccessMode, type RiskLevel } from '../src';
import { deriveAnnotations } from '../src/tool/define-tool';

describe('deriveAnnotations', () => {
  it.each<[AccessMode, RiskLevel, boolean, boolean, boolean]>([
    ['read', 'low', true, false, true],
    ['read', 'high', true, false, true],
    ['write', 'low', false, false, false],
    ['write', 'medium', false, true, false],
    ['write', 'high', false, true, false],
  ])('%s / %s risk → readOnly %s, destructive %s, idempotent %s', (access, risk, readOnly, destructive, idempotent) => {
    expect(deriveAnnotations({ title: 'T', access, risk })).toEqual({
      title: 'T',
      readOnlyHint: readOnly,
      destructiveHint: destructive,
      idempotentHint: idempotent,
      openWorldHint: false,
    });
  });

  it('lets a tool declare idempotent writes and open-world reach', () => {
    const annotations = deriveAnnotations({ title: 'T', access: 'write', risk: 'low', idempotent: true, openWorld: true });
    expect(annotations.idempotentHint).toBe(true);
    expect(annotations.openWorldHint).toBe(true);
  });
});

describe('defineTool', () => {
  it('returns a frozen definition carrying the derived annotations', () => {
    const tool = defineTool({
      name: 'create_ticket',
      title: 'Create ticket',
      description: 'Creates a ticket',
      owner: 'service-desk',
      scope: 'tickets:write',
      risk: 'medium',
      access: 'write',
      classification: 'internal',
      input: z.object({ title: z.string() }),
      output: z.object({ id: z.string() }),
      handler: async () => ({ id: 'TCK-1' }),
    });
    expect(Object.isFrozen(tool)).toBe(true);
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, title: 'Create ticket' });
  });
});
