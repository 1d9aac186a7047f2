import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompositeCollector, InMemoryCollector, isAuditCollector, JSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';

describe('isAuditCollector(x): anything with emit() and flush() methods', () => {
  it('the three collectors of the package: true', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-audit-'));
    try {
      const sink = new JSONLSinkCollector(path.join(dir, 'a.jsonl'));
      expect(isAuditCollector(new InMemoryCollector())).toBe(true);
      expect(isAuditCollector(sink)).toBe(true);
      expect(isAuditCollector(new CompositeCollector())).toBe(true);
      sink.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a user object or class with both methods: true', () => {
    class Custom {
      emit() {}
      flush() {}
    }
    expect(isAuditCollector({ emit() {}, flush() {} })).toBe(true);
    expect(isAuditCollector(new Custom())).toBe(true);
  });

  const rejected: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'emit flush'],
    ['an empty object', {}],
    ['emit only', { emit() {} }],
    ['flush only', { flush() {} }],
    ['emit not a function', { emit: 1, flush() {} }],
    ['flush not a function', { emit() {}, flush: 'no' }],
  ];
  for (const [name, value] of rejected) {
    it(`${name}: false`, () => {
      expect(isAuditCollector(value)).toBe(false);
    });
  }
});
