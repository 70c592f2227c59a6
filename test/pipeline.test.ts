/** Pipeline edges that no valid-by-schema spec reaches: the defensive paths, tested directly. */
import { describe, expect, it, vi } from 'vitest';
import { D } from '../src/diagnostics/catalogue.js';
import { Reporter } from '../src/diagnostics/diagnostic.js';
import { parseSpec } from '../src/parse.js';
import { normalize } from '../src/normalize.js';
import { checkCommon } from '../src/check.js';
import { UnsafeValueError } from '../src/quote.js';
import { bootc } from '../src/targets/bootc/index.js';
import type { TargetModule } from '../src/targets/target.js';
import { toDiagnostic } from '../src/validate.js';
import { OutputError, writeUnit } from '../src/write.js';
import { BASE } from './fixtures.js';
import { compileText, expectDiagnostic, tempDir } from './helpers.js';

function parsedBase() {
  const p = parseSpec('spec.yaml', new TextEncoder().encode(BASE));
  return { raw: p.raw!, report: new Reporter(p.raw!.source) };
}

describe('common checks driven by target capabilities', () => {
  it('KS3002: signing on a platform that does not sign (any target declaring signing: false)', async () => {
    const { raw, report } = parsedBase();
    const spec = normalize(raw.data);
    spec.signing = { secureBoot: true, keySecret: 'k', certSecret: 'c', modules: true, enroll: 'none' };
    const noSigning = { ...bootc, platform: 'krata', signing: false } as unknown as TargetModule<any>;
    checkCommon(spec, noSigning, { specPath: 'spec.yaml', specDir: '.', report });
    expect(report.diagnostics.map((d) => d.code)).toEqual([D.SigningNotSupported.code]);
    // BASE has no signing section: the pointer resolves to the nearest existing node.
    expect(report.diagnostics[0]).toMatchObject({ path: '/signing', line: 1, column: 1 });
  });
});

describe('defensive diagnostics', () => {
  it('KS2011: an Ajv keyword without a mapping of its own still gives a located diagnostic', () => {
    const { raw, report } = parsedBase();
    const d = toDiagnostic(
      { keyword: 'multipleOf', instancePath: '/provider/repo', schemaPath: '#/x', params: { multipleOf: 2 }, message: 'must be multiple of 2' },
      raw.data,
      report,
    )!;
    expect(d).toMatchObject({ code: D.SchemaViolation.code, line: 10, column: 9, path: '/provider/repo' });
    expect(d.message).toContain('must be multiple of 2');
  });

  it('KS9005: a value a quoting helper refuses stops rendering with a diagnostic, not a crash', async () => {
    const spy = vi.spyOn(bootc, 'plan').mockImplementation(() => {
      throw new UnsafeValueError('$(reboot)', 'a bare token');
    });
    try {
      const r = await compileText(BASE);
      const d = expectDiagnostic(r, D.UnsafeValue, 1, 1);
      expect(d.message).toContain('"$(reboot)"');
      expect(r.files).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('KS9001: a folder name that would escape the output root is refused before writing', async () => {
    const { raw } = parsedBase();
    const out = tempDir();
    const err = await writeUnit(out, { name: '../escape', specPath: 'spec.yaml', files: [{ path: 'x', content: 'x\n', mode: 0o644 }], source: raw.source }).catch((e) => e);
    expect(err).toBeInstanceOf(OutputError);
    const d = (err as OutputError).reporter.diagnostics[0]!;
    expect(d).toMatchObject({ code: D.OutputEscapes.code, line: 4, column: 9, path: '/metadata/name' });
  });

  it('KS9001: a file path that would escape the folder is refused', async () => {
    const { raw } = parsedBase();
    const err = await writeUnit(tempDir(), { name: 'demo', specPath: 'spec.yaml', files: [{ path: '../../x', content: 'x\n', mode: 0o644 }], source: raw.source }).catch((e) => e);
    expect((err as OutputError).reporter.diagnostics.map((d) => d.code)).toEqual([D.OutputEscapes.code]);
  });
});
