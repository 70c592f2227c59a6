/**
 * Tests assert behaviour, golden cases hold text (issue 13, must-have 5: "no test asserts
 * constant template text that a golden case already holds").
 *
 * A template's constant text, what it prints whatever the spec says, is every line of its
 * top-level content (outside any block helper: `#if`, `#each`, ...). Whether that text is
 * right is for the golden cases, whose diffs are reviewed, and for the fake-root runs
 * (`run.test.ts`), which prove what the script does. So a target's tests may not assert
 * it: this test reads every `src/targets/<platform>/test/*.test.ts` with TypeScript's parser
 * and fails on a positive `expect(x).toContain('<literal>')` or `expect(x).toMatch(/re/)`
 * whose literal lies inside, or whose pattern matches, one line of constant text.
 *
 * What stays allowed: negative assertions (`.not.`, text that must be absent); assertions
 * on what a script printed when it ran (a subject naming `stdout`, `stderr` or `out`) or on
 * what it left in its fake root (`run.test.ts`); and text that depends on the spec: a
 * value, a conditional section, an order decided by the view.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { findTemplates, PARTIALS_DIR, TEMPLATES_DIR } from '../src/render.js';
import { ROOT } from './helpers.js';

/** Lines shorter than this say too little to be a template's (`fi`, `done`, `EOF`). */
const MIN_LINE = 8;

/** The constant lines of one template: its top-level content, never a block's body. */
export function constantLines(source: string): string[] {
  let text = '';
  for (const node of Handlebars.parse(source).body) text += node.type === 'ContentStatement' ? (node as hbs.AST.ContentStatement).value : '\n';
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_LINE);
}

/** The partials a template includes at top level, and those it includes inside a block. */
function partialUses(source: string): { top: string[]; nested: string[] } {
  const top: string[] = [];
  const nested: string[] = [];
  const walk = (body: hbs.AST.Statement[], inBlock: boolean): void => {
    for (const node of body) {
      if (node.type === 'PartialStatement') {
        const name = (node as hbs.AST.PartialStatement).name;
        // A partial the view chooses ({{> (lookup . "pmPartial")}}) prints what the spec decides:
        // no name is recorded, so the partials it may choose have no constant caller.
        if (name.type === 'PathExpression') (inBlock ? nested : top).push((name as hbs.AST.PathExpression).original);
      } else if (node.type === 'BlockStatement') {
        const b = node as hbs.AST.BlockStatement;
        walk(b.program?.body ?? [], true);
        walk(b.inverse?.body ?? [], true);
      }
    }
  };
  walk(Handlebars.parse(source).body, false);
  return { top, nested };
}

/**
 * The constant lines of all templates. A partial's top-level lines count only when every
 * template (or constant partial) that includes it does so outside any block: a partial
 * called from an `#if` prints what the spec decides.
 */
export function allConstantLines(templates: ReadonlyMap<string, string>, partials: ReadonlyMap<string, string>): string[] {
  const uses = new Map<string, { top: string[]; nested: string[] }>();
  for (const [name, src] of [...templates, ...partials]) uses.set(name, partialUses(src));
  const constant = new Set(templates.keys());
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of partials.keys()) {
      if (constant.has(p)) continue;
      const callers = [...uses].filter(([, u]) => u.top.includes(p) || u.nested.includes(p));
      if (callers.length > 0 && callers.every(([c, u]) => constant.has(c) && !u.nested.includes(p))) {
        constant.add(p);
        grew = true;
      }
    }
  }
  return [...new Set([...constant].flatMap((n) => constantLines((templates.get(n) ?? partials.get(n))!)))];
}

export interface Finding {
  file: string;
  line: number;
  text: string;
}

/** The positive toContain / toMatch assertions of a test file that restate constant text. */
export function findConstantAssertions(file: string, source: string, constant: readonly string[]): Finding[] {
  const found: Finding[] = [];
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const matcher = node.expression.name.text;
      const chain = node.expression.expression;
      const arg = node.arguments[0];
      // expect(subject).toContain(...) with nothing between, so `.not.` and `.resolves.` are out
      if ((matcher === 'toContain' || matcher === 'toMatch') && arg && ts.isCallExpression(chain) && chain.expression.getText(sf) === 'expect') {
        const subject = chain.arguments[0]?.getText(sf) ?? '';
        if (!/\b(stdout|stderr|out|message|fix|path|errors)\b/.test(subject)) {
          let hit: string | undefined;
          if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) {
            const lit = arg.text.trim();
            if (lit.length >= 5) hit = constant.find((l) => l.includes(lit) || (lit.includes('\n') && lit.split('\n').every((p) => !p.trim() || constant.some((c) => c.includes(p.trim())))));
          } else if (ts.isRegularExpressionLiteral(arg)) {
            const m = /^\/(.*)\/([a-z]*)$/s.exec(arg.text)!;
            const re = new RegExp(m[1]!, m[2]!.replace('g', ''));
            hit = constant.find((l) => re.test(l));
          }
          if (hit !== undefined) {
            found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: hit });
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function repositoryConstantLines(): string[] {
  const { templates, partials } = findTemplates();
  const read = (f: string): string => readFileSync(path.join(TEMPLATES_DIR, `${f}.hbs`), 'utf8');
  return allConstantLines(new Map(templates.map((t) => [t, read(t)])), new Map(partials.map((p) => [p, read(`${PARTIALS_DIR}/${p}`)])));
}

function targetTests(): string[] {
  const base = path.join(ROOT, 'src', 'targets');
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const dir = path.join(base, d.name, 'test');
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names.filter((n) => n.endsWith('.test.ts') && n !== 'run.test.ts').map((n) => path.join(dir, n));
    })
    .sort();
}

describe('target tests assert behaviour, not constant template text', () => {
  const constant = repositoryConstantLines();

  it('finds the constant lines of the templates (and not what a block decides)', () => {
    expect(constant.length).toBeGreaterThan(100);
    expect(constantLines('set -euo pipefail\n{{#if x}}\nsbsign --key "$KEY"\n{{/if}}\necho done here\n')).toEqual(['set -euo pipefail', 'echo done here']);
    const templates = new Map([['a', '{{> always}}\n{{#if x}}{{> sometimes}}{{/if}}\n'], ['b', '{{> sometimes}}\n']]);
    const partials = new Map([['always', 'retry the install\n{{> inner}}\n{{> (lookup . "pm")}}\n'], ['inner', 'sleep between tries\n'], ['sometimes', 'sign the modules\n'], ['pm/dnf', 'dnf -y install "$@"\n']]);
    expect(allConstantLines(templates, partials).sort()).toEqual(['retry the install', 'sleep between tries']);
  });

  it('the check can fail: it flags a literal and a pattern that restate constant text, and nothing else', () => {
    const src = [
      "expect(sh).toContain('set -euo pipefail');",
      'expect(sh).toMatch(/^set -euo pipefail$/m);',
      "expect(sh).not.toContain('set -euo pipefail');",
      "expect(r.stderr).toContain('set -euo pipefail');",
      "expect(sh).toContain(\"KVER='7.0.8'\");",
    ].join('\n');
    expect(findConstantAssertions('x.test.ts', src, ['set -euo pipefail']).map((f) => f.line)).toEqual([1, 2]);
  });

  it('no target test asserts a line the golden cases already hold', () => {
    const findings = targetTests().flatMap((f) => findConstantAssertions(path.relative(ROOT, f), readFileSync(f, 'utf8'), constant));
    expect(findings.map((f) => `${f.file}:${f.line}: restates "${f.text}"`)).toEqual([]);
  });
});
