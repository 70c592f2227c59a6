/**
 * The quoting lint (issue 13, must-have 4): no template prints a value without a quoting
 * helper unless the value is one kspec computes itself from a closed set. Every template
 * and partial is parsed with Handlebars' own parser, and every `{{...}}` that prints is
 * checked:
 *
 *   - a helper call must be one of the quoting helpers of src/render.ts (sh, docker,
 *     token, json, comment), which refuse what their output language cannot hold;
 *   - a bare value (`{{name}}`) must be listed in BARE below, for its template, with the
 *     reason it cannot carry spec text (an enum, a number the schema bounds, a table of
 *     kspec's own); a new bare value fails this test until it is quoted or listed;
 *   - an argument a partial prints bare must be a literal written in the calling template
 *     (a view value may be passed only to a partial that merely tests it, in #if), so the
 *     bare names inside a partial only ever print text a template wrote.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { findTemplates, PARTIALS_DIR, TEMPLATES_DIR } from '../src/render.js';

type Node = hbs.AST.Node;

const QUOTING = new Set(['sh', 'docker', 'token', 'json', 'comment']);
/** Helpers that only decide (in #if/#unless or inside another helper's arguments), never print. */
const LOGIC = new Set(['eq', 'ne', 'not', 'and']);

/** Template (path below templates/, without .hbs) -> bare names it may print, and why. */
const BARE: Record<string, Record<string, string>> = {
  'krata/package.sh': {
    scope: "the target's scope, an enum of the schema (zone, host)",
    arch: 'kernel.arch entries, an enum of the schema',
    squashfsLimitMib: "a number kspec derives from the scope (linux-kernel-oci's addons limits, in MiB)",
  },
  'krata/check.sh': {
    scope: "the target's scope, an enum of the schema",
    squashfsLimitMib: "a number kspec derives from the scope (linux-kernel-oci's addons limits, in MiB)",
  },
  'krata/install-system.sh': { arch: 'kernel.arch entries, an enum of the schema' },
  'krata/install-host.sh': { arch: 'kernel.arch entries, an enum of the schema' },
  'krata/required.config': {
    scope: "the target's scope, an enum of the schema",
    arch: 'kernel.arch entries, an enum of the schema',
    heading: "a heading of kspec's own table of krata's required options (src/targets/krata/options.ts)",
    why: "the reason from kspec's own table of krata's required options",
    value: "the required value (y, m or a number) from kspec's own table",
    checkedBy: "one of three sentences of kspec's own (src/targets/krata/view.ts fragmentFor), chosen by the scope and provider type",
  },
  'krata/build.sh': { arch: 'kernel.arch entries, an enum of the schema' },
  'bootc/install.sh': { 'initramfs.compressFlag': 'a dracut flag kspec maps from the initramfs.compress enum' },
  'liquidmetal/microvmmachinetemplate.yaml': {
    vcpu: 'an integer the schema bounds',
    memoryMb: 'an integer the schema bounds',
    'role.noun': "kspec's own table of CAPMVM roles (src/targets/liquidmetal/view.ts ROLES)",
    'role.owner': "kspec's own table of CAPMVM roles",
    'role.title': "kspec's own table of CAPMVM roles",
    'role.suffix': "kspec's own table of CAPMVM roles",
  },
  'rancheros/Dockerfile.dapper.args': {
    this: 'in #each unlisted: architecture enum values; in #each args: ARG lines the view builds with dockerString (src/targets/rancheros/view.ts kernelArgs)',
  },
  'kairos/build-kernel.sh': { pm: "the family's package manager, from kspec's own table (src/targets/kairos/families.ts)" },
  'lifecycle/verify-and-record.sh': { arch: 'kernel.arch entries, an enum of the schema' },
  'lifecycle/boot-test.sh': {
    arch: 'kernel.arch entries, an enum of the schema',
    'boot.timeoutSeconds': 'an integer the schema bounds (validation.boot.timeoutSeconds)',
  },
};

interface Finding {
  template: string;
  line: number;
  text: string;
  problem: string;
}

const sourceOf = (name: string, partial: boolean): string =>
  readFileSync(path.join(TEMPLATES_DIR, partial ? `${PARTIALS_DIR}/${name}.hbs` : `${name}.hbs`), 'utf8');

/** Every printing mustache and partial call of one template that breaks the rules above. */
const LITERAL = new Set(['StringLiteral', 'BooleanLiteral', 'NumberLiteral']);
const partialName = (p: hbs.AST.PartialStatement): string => (p.name.type === 'PathExpression' ? (p.name as hbs.AST.PathExpression).original : '');

/** Partial name -> the bare names it prints (filled from the partials before linting; unknown partials print everything). */
const partialPrints = new Map<string, Set<string>>();

/** Calls `each` on every statement of a template, inside blocks and partial blocks too. */
function walk(source: string, each: (n: Node) => void): void {
  const visit = (n: Node | null | undefined): void => {
    if (!n) return;
    each(n);
    if (n.type === 'Program') for (const st of (n as hbs.AST.Program).body) visit(st);
    if (n.type === 'BlockStatement') {
      visit((n as hbs.AST.BlockStatement).program);
      visit((n as hbs.AST.BlockStatement).inverse);
    }
    if (n.type === 'PartialBlockStatement') visit((n as hbs.AST.PartialBlockStatement).program);
  };
  visit(Handlebars.parse(source));
}

/** The bare names a template prints (`{{name}}` with no helper). */
function barePrints(source: string): Set<string> {
  const names = new Set<string>();
  walk(source, (n) => {
    if (n.type !== 'MustacheStatement') return;
    const m = n as hbs.AST.MustacheStatement;
    if (m.params.length === 0 && m.path.type === 'PathExpression') names.add((m.path as hbs.AST.PathExpression).original);
  });
  return names;
}

function lint(name: string, source: string, partialParams: Map<string, Set<string>>, isPartial: boolean): Finding[] {
  const found: Finding[] = [];
  const lines = source.split('\n');
  const at = (n: Node, problem: string) =>
    found.push({ template: name, line: n.loc.start.line, text: lines[n.loc.start.line - 1]!.trim(), problem });
  const allowed = BARE[name] ?? {};

  const visit = (n: Node | null | undefined): void => {
    if (!n) return;
    switch (n.type) {
      case 'Program':
        for (const s of (n as hbs.AST.Program).body) visit(s);
        return;
      case 'BlockStatement': {
        const b = n as hbs.AST.BlockStatement;
        visit(b.program);
        visit(b.inverse);
        return;
      }
      case 'MustacheStatement': {
        const m = n as hbs.AST.MustacheStatement;
        const head = m.path.type === 'PathExpression' ? (m.path as hbs.AST.PathExpression).original : m.path.type;
        if (m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0) {
          if (!QUOTING.has(head)) at(n, LOGIC.has(head) ? `'${head}' prints true/false` : `helper '${head}' does not quote`);
          return;
        }
        if (head === 'else') return;
        if (isPartial && partialParams.get(name)?.has(head)) return;
        if (!(head in allowed)) at(n, `'${head}' is printed without a quoting helper`);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const p = n as hbs.AST.PartialStatement;
        for (const pair of p.hash?.pairs ?? []) {
          const printed = partialPrints.get(partialName(p))?.has(pair.key) ?? true;
          if (printed && !LITERAL.has(pair.value.type)) at(n, `partial argument '${pair.key}' is printed by the partial but is not a literal`);
        }
        if (n.type === 'PartialBlockStatement') visit((n as hbs.AST.PartialBlockStatement).program);
        return;
      }
      default:
        return;
    }
  };
  visit(Handlebars.parse(source));
  return found;
}

/** Partial name -> the argument names its callers pass. */
function partialArguments(all: Array<{ name: string; source: string }>): Map<string, Set<string>> {
  const params = new Map<string, Set<string>>();
  for (const t of all) {
    walk(t.source, (n) => {
      if (n.type !== 'PartialStatement' && n.type !== 'PartialBlockStatement') return;
      const name = partialName(n as hbs.AST.PartialStatement);
      const set = params.get(name) ?? params.set(name, new Set<string>()).get(name)!;
      for (const pair of (n as hbs.AST.PartialStatement).hash?.pairs ?? []) set.add(pair.key);
    });
  }
  return params;
}

describe('template quoting lint', () => {
  const { templates, partials } = findTemplates();
  const all = [
    ...templates.map((name) => ({ name, source: sourceOf(name, false), partial: false })),
    ...partials.map((name) => ({ name, source: sourceOf(name, true), partial: true })),
  ];
  const params = partialArguments(all);
  for (const p of partials) partialPrints.set(p, barePrints(sourceOf(p, true)));

  it('finds every template and partial', () => {
    expect(templates.length).toBeGreaterThan(20);
    expect(partials.length).toBeGreaterThan(5);
  });

  it('prints every value through a quoting helper, or one listed with its reason', () => {
    const findings = all.flatMap((t) => lint(t.name, t.source, params, t.partial));
    expect(findings.map((f) => `${f.template}.hbs:${f.line}: ${f.problem}: ${f.text}`)).toEqual([]);
  });

  it('lists no bare value a template no longer prints', () => {
    const printed = new Map(all.map((t) => [t.name, barePrints(t.source)]));
    const stale = Object.entries(BARE).flatMap(([t, names]) => Object.keys(names).filter((n) => !printed.get(t)?.has(n)).map((n) => `${t}: ${n}`));
    expect(stale).toEqual([]);
  });

  // The lint itself: each rule fails on a template that breaks it.
  it.each([
    ['a bare spec value', 'FROM {{base}}\n', "'base' is printed without a quoting helper"],
    ['a helper that does not quote', '{{eq a b}}\n', "'eq' prints true/false"],
    ['an unknown helper', '{{lookup . "x"}}\n', "helper 'lookup' does not quote"],
    ['a bare value inside a block', '{{#each xs}}\n{{this}}\n{{/each}}\n', "'this' is printed without a quoting helper"],
    ['a view value passed to a partial that prints it', '{{> toy-partial what=name}}\n', "partial argument 'what' is printed by the partial but is not a literal"],
  ])('fails on %s', (_what, source, problem) => {
    expect(lint('toy/file', source, new Map(), false).map((f) => f.problem)).toEqual([problem]);
  });

  it('passes quoted values, escaped mustaches and literal partial arguments', () => {
    const source = 'FROM {{token base}}\nRUN echo {{sh name}}\n# {{comment note}}\n\\{{index .Labels "x"}}\n{{> prelude what="install"}}\n{{#if (eq a b)}}x{{/if}}\n{{> mok-enroll-service kmodKeys=flag}}\n';
    expect(lint('toy/file', source, new Map(), false)).toEqual([]);
  });
});
