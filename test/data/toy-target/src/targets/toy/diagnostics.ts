/**
 * The toy target's diagnostics and the range it owns: the first thousand after the five
 * built-in targets' and the output stage's (KS10000-KS10999). Registered by its module
 * (index.ts), so docs/diagnostics.md, the SARIF rules and the tests know it with no line
 * elsewhere.
 */
import type { Entries } from '../../diagnostics/entry.js';
import type { TargetDiagnostics } from '../../diagnostics/ranges.js';

export const TOY = {
  ToyRudeGreeting: { code: 'KS10001', id: 'toy-rude-greeting', severity: 'warning',
    message: "'{greeting}' is not a polite greeting.", fix: "Write 'hello'." },
} as const satisfies Entries;

export const diagnostics: TargetDiagnostics<typeof TOY> = { first: 10000, last: 10999, what: 'the toy target', entries: TOY };
