/**
 * The fast YAML reader (src/yamltree.ts) against yaml itself: whenever the reader accepts a
 * text, yaml reads it without error, and the two light trees are the same node for node
 * (kind, offset, anchor, value, keys, items, alias targets), with the same line starts.
 * Whatever yaml rejects, the reader must give up on (parse.ts then reports yaml's error).
 * Texts: every spec, golden and hostile input of the repository, the generated worst
 * cases, random line soups of plain-YAML pieces and of pieces the reader leaves to yaml, and
 * random block scalars, multi-line plain scalars and multi-line flow collections in block
 * collections, and random block structure with explicit keys and yaml's core tags.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Composer, Lexer, LineCounter, Parser } from 'yaml';
import { MAX_DEPTH } from '../src/parse.js';
import { fastParse, fromDocument, Kind, type LNode } from '../src/yamltree.js';
import { MAX_VALUES, READ_BY_YAML, WORST_CASES, withScale } from '../scripts/worst-cases.mjs';
import { PROPERTY_RUNS, PROPERTY_SEED, ROOT, WORST_SCALE } from './helpers.js';

const RUNS = PROPERTY_RUNS * 4;

/** yaml's reading of `text` as parse.ts does it: its errors, tree and line starts. */
function byYaml(text: string): { errors: number; root: LNode | null; lineStarts: number[] } {
  const counter = new LineCounter();
  const tokens = [...new Parser(counter.addNewLine).parse(text)];
  const docs = [...new Composer({ uniqueKeys: false, prettyErrors: false, strict: true }).compose(tokens, true, text.length)];
  const doc = docs[0]!;
  return { errors: doc.errors.length + (docs.length > 1 ? 1 : 0), root: fromDocument(doc), lineStarts: counter.lineStarts };
}

/** A comparable picture of a tree (alias targets by offset). */
function picture(n: LNode | null): unknown {
  if (n === null) return null;
  const value = typeof n.value === 'number' && Number.isNaN(n.value) ? 'NaN' : n.value;
  return {
    kind: n.kind,
    offset: n.offset,
    anchor: n.anchor,
    value: n.kind === Kind.Map || n.kind === Kind.Seq ? undefined : value,
    target: n.kind === Kind.Alias ? (n.target?.offset ?? 'none') : undefined,
    keys: n.keys?.map(picture),
    items: n.items?.map(picture),
  };
}

/** Values as parse.ts counts them on yaml's lexemes (lexBounded): the offset of the first past `max`. */
function lexerTooMany(text: string, max: number): number | undefined {
  let values = 0;
  let offset = 0;
  for (const lx of new Lexer().lex(text)) {
    const c = lx.charAt(0);
    if ('\x1f[{|>"\'*'.includes(c) && ++values > max) return offset;
    if (lx !== '\x02' && lx !== '\x18' && lx !== '\x1f') offset += lx.length;
  }
  return undefined;
}

/** Checks the reader against yaml on `text`; true when the reader accepted it. */
function agree(text: string): boolean {
  const fast = fastParse(text, Infinity, MAX_DEPTH);
  const yaml = byYaml(text);
  if (!fast) return false;
  expect('tooMany' in fast).toBe(false);
  if ('tooMany' in fast) return false;
  expect(yaml.errors, text.slice(0, 500)).toBe(0);
  // As JSON first (a 1 MiB tree is slow to diff); the diff only when they differ.
  const [a, b] = [picture(fast.root), picture(yaml.root)];
  if (JSON.stringify(a) !== JSON.stringify(b)) expect(a, text.slice(0, 500)).toEqual(b);
  expect(fast.lineStarts.join()).toBe(yaml.lineStarts.join());
  return true;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/**
 * Texts of `tree`'s lines (LF or CRLF) are read as yaml reads them, and more than a tenth
 * of them are read by the fast reader (`agree` is true when it read the text).
 */
function mostlyReadFast(tree: fc.Arbitrary<string[]>): void {
  let accepted = 0;
  fc.assert(
    fc.property(tree, fc.boolean(), (lines, crlf) => {
      if (agree(lines.join(crlf ? '\r\n' : '\n') + '\n')) accepted++;
    }),
    { numRuns: RUNS, seed: PROPERTY_SEED },
  );
  expect(accepted).toBeGreaterThan(RUNS / 10);
}

describe('the fast YAML reader reads as yaml does', () => {
  it('every spec, golden and hostile input of the repository', () => {
    let accepted = 0;
    const all = ['specs', 'src/targets', 'test/hostile', 'examples'].flatMap((d) => {
      try {
        return files(path.join(ROOT, d));
      } catch {
        return [];
      }
    });
    for (const f of all) {
      const text = readFileSync(f, 'utf8').replace(/^\ufeff/, '');
      if (agree(text)) accepted++;
      // The same with CRLF line ends (a spec saved on Windows).
      agree(text.replace(/\r?\n/g, '\r\n'));
    }
    // Specs are written in the subset it reads: most are read fast.
    expect(accepted).toBeGreaterThan(all.length / 2);
  });

  // One test per case: each is also read by yaml (at 1 MiB, seconds on a loaded machine, and
  // a worker blocked for a minute misses vitest's own calls: "Timeout calling onTaskUpdate").
  // Built at WORST_SCALE of the limits, and read with the limit of values scaled alike, so
  // `npm test` reaches the same limits on 64 KiB; the deep run reads the 1 MiB cases.
  const maxValues = MAX_VALUES * WORST_SCALE;
  for (const [name, make] of Object.entries(WORST_CASES)) {
    it(`the generated worst case "${name}", and where it counts values past a limit`, () => {
      const text = withScale(WORST_SCALE, make);
      const fast = fastParse(text, maxValues, MAX_DEPTH);
      // Every worst case is read fast but those listed as left to yaml.
      if (READ_BY_YAML.has(name)) {
        expect(fast, name).toBeUndefined();
        return;
      }
      expect(fast, name).toBeDefined();
      if (fast && 'tooMany' in fast) expect(fast.tooMany, name).toBe(lexerTooMany(text, maxValues));
      else expect(agree(text), name).toBe(true);
    });
  }

  const KEYS = ['a', 'b', 'name', 'k:v', 'a b', 'x#y', '"q"', "'s'", '"e\\x41\\u00e9"', "'it''s'", '1', 'true', '~', 'null', '-k', '?k', ':k', '[k]', '&a k', '*a', '!t k', 'a  ', '"a":', "'a'  ", 'a\t', '"a"\t', 'a\tb', '!!str k'];
  const SCALARS = ['1', '-1', '+1', '-0', '007', '99999999999999999999', 'TRUE', 'True', 'FALSE', 'NULL', 'nULL', 'tRUE', '0x1F', '0o17', '017', '1.5', '1e3', '.5', '.inf', '-.Inf', '.nan', '~', 'null', 'Null', 'true', 'False', 'yes', 'a b', 'a:b', 'a: b', 'a #c', 'a#b', 'x,y', 'x]', '{x', '"d"', '"d\\"q"', '"\\x1b[0m"', '"bad\\q"', "'s'", "'s''q'", '"unclosed', '*a', '*b', '&a x', '&b x', '&a', '[]', '{}', '[a, b]', '[a, b, ]', '[a,b]', '[ a , b ]', '[a, [b, c]]', '{a: 1, b: [x]}', '{a: 1, }', '{a: 1,, b: 2}', '{a}', '[a: b]', '[*a, *a]', '[&a x, *a]', '{"k": v}', '{k: "v"}', '- x', '-x', '- ', '|', '>', '|-', '!tag x', '!!str 1', '%x', '@x', '`x', '? x', ': x', '-', '---', '...', 'a # c', '2001-12-14', '0b1', '1_000', '"a" # c', '"a"#c', '[a] # c', '[a]#c', '[a', 'a\tb', 'é', 'a\t', 'a\t# c', '\ta', '"x"\t# c', '[a,\tb]', '{a:\tb}', '&a\tx', '|+', '>-', '>+ # c', '|2', '|#c', '| x', '!!str', '!!str 1', '!!str  "q"', '!!str a: b', '!!str [x]', '!!int 1', '&a !!str ~', '!!str &a x', '!x 1', '! 1', '!!foo 1', '!!binary x', '!x-y ~', '!a!b 1', '!<x> 1', '!x [1]', '!x "q"', '!!null ~', '!!float 1', '!x', '!!', '!x,y', '!x  # c', '!!bool true', '!!int 0x1F', '!!int x', '!!float 1.5', '!!float .inf', '!!null', '!!seq [1]', '!!map {a: 1}', '!!seq {a: 1}', '!!map [1]', '!!int "1"', "!!bool 'no'", '!!null ""', '!!str [x]', '!!seq [1] # c', '!!map {a: [1]}x', '! [1]', '!!int\t1', '!!timestamp 2001-12-14'];
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...SCALARS, '', '', '# c'), fc.constantFrom(' ', ' ', ' ', '\t', ' \t')).map(([k, v, sep]) => `${k}:${v === '' ? '' : sep + v}`) },
    { weight: 2, arbitrary: fc.constantFrom(...SCALARS).map((v) => `- ${v}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...SCALARS)).map(([k, v]) => `- ${k}: ${v}`) },
    { weight: 1, arbitrary: fc.constantFrom('# comment', '', '   ', '-', '- - x', '---', '--- # c', 'key:', '- key:', '&a', '&a k: v', '- &a k: v', '- &a', 'k: &a', 'k: &a x', 'k: *a', 'k: &a [x]', '- &a {x: 1}', '- *a', '\t', ' \t', '\t# c', '-\tx', '- \tx', 'k: |', 'k: >', 'k: |-', 'k: >+', 'k: &a |', '- |', '- >-', '| ', 'text of a block', '  more text', '', '? a', '? "q"', "? 'q' # c", '? a # c', '? ', '?', '?\ta', ': x', ': ', ':', ':\tx', '? a: b', '? - x', '? !!str k', '? [x]', ': - x', '- ? a', '? &a k', '? *a', '!!str k: v', '!!int 1: v', '! k: v', '!x k:', '- !!str k: v', '!!str "q": v', '&a !!str k: v') },
  );
  const line = fc.tuple(fc.integer({ min: 0, max: 6 }), piece).map(([indent, p]) => ' '.repeat(indent) + p);
  const doc = fc.tuple(fc.array(line, { minLength: 1, maxLength: 14 }), fc.boolean()).map(([lines, nl]) => lines.join('\n') + (nl ? '\n' : ''));

  it('random texts: whatever the reader accepts, yaml reads the same way, without error', () => {
    let accepted = 0;
    fc.assert(
      fc.property(doc, fc.boolean(), (text, crlf) => {
        if (agree(crlf ? text.replace(/\n/g, '\r\n') : text)) accepted++;
      }),
      { numRuns: RUNS, seed: PROPERTY_SEED },
    );
    // The generator reaches texts the reader accepts, not only ones it gives up on (about
    // 5% of them: 103-116 of 2,000 in three random runs, 31 of 500 and 112 of 2,000 with
    // PROPERTY_SEED; a floor at 5% failed a random run at exactly 100).
    expect(accepted).toBeGreaterThan(RUNS / 40);
  });

  it('random texts of well-indented block structure are mostly read fast, and as yaml reads them', () => {
    // Nested mappings and sequences at consistent indents, with the pieces above as leaves.
    const leaf = fc.constantFrom(...SCALARS);
    const key = fc.constantFrom(...KEYS.slice(0, 14));
    const tree: fc.Arbitrary<string[]> = fc.letrec<{ node: string[] }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf.map((v) => [v]),
        fc.array(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4 }).map((entries) =>
          entries.flatMap(([k, v]) => (v.length === 1 ? [`${k}: ${v[0]}`] : [`${k}:`, ...v.map((l) => '  ' + l)])),
        ),
        fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((items) => items.flatMap((v) => (v.length === 1 ? [`- ${v[0]}`] : ['-', ...v.map((l) => '  ' + l)]))),
      ),
    })).node;
    mostlyReadFast(tree);
  });

  it('random block structure with explicit keys and tagged keys and values is mostly read fast, and as yaml reads them', () => {
    // Entries `key: value`, `? key` + `: value`, with tags on keys and values (issue 11:
    // a spec in these shapes must not fall back to yaml, whose reading costs 2-3 s a MiB).
    const TAGGED = ['!!int 1', '!!int 0o17', '!!bool true', '!!bool False', '!!null ~', '!!null null', '!!float 1.5', '!!float -.inf', '!!str x', '!!str 1', '!!str "q"', "!!int '7'", '!x y', '! 2', '!!seq [1, a]', '!!map {a: 1}', '&a !!int 3', '!!int x', '!!float 1'];
    const leaf = fc.constantFrom(...SCALARS.slice(0, 20), ...TAGGED);
    const key = fc.constantFrom('a', 'b', 'name', '"q"', "'s'", '1', 'true', '!!str k', '!!str 1', '!!int 2', '! k', '!x k', '!!str "q"', '!!bool yes');
    const tree: fc.Arbitrary<string[]> = fc.letrec<{ node: string[] }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf.map((v) => [v]),
        fc.array(fc.tuple(key, tie('node'), fc.constantFrom('implicit', 'explicit', 'explicit # c')), { minLength: 1, maxLength: 4 }).map((entries) =>
          entries.flatMap(([k, v, form]) => {
            if (form === 'implicit') return v.length === 1 ? [`${k}: ${v[0]}`] : [`${k}:`, ...v.map((l) => '  ' + l)];
            const head = form === 'explicit' ? `? ${k}` : `? ${k} # c`;
            return v.length === 1 ? [head, `: ${v[0]}`] : [head, ':', ...v.map((l) => '  ' + l)];
          }),
        ),
        fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((items) => items.flatMap((v) => (v.length === 1 ? [`- ${v[0]}`] : ['-', ...v.map((l) => '  ' + l)]))),
      ),
    })).node;
    mostlyReadFast(tree);
  });

  it('random block scalars in block collections are read as yaml reads them', () => {
    const header = fc.constantFrom('|', '>', '|-', '>-', '|+', '>+', '| # c', '>-  # c', '|2', '>#c');
    const body = fc.array(fc.constantFrom('x', 'a b', '  more', '', '', '   ', '     ', '# no comment', 'k: v', '- i', '\tx', 'x\ty', ' x'), { maxLength: 5 });
    const entry = fc.tuple(fc.constantFrom('a', 'b', 'c'), header, body, fc.integer({ min: 0, max: 3 }), fc.constantFrom('map', 'seq', 'nested', 'item'));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean(), (entries, crlf, nl) => {
        const lines: string[] = [];
        entries.forEach(([k, h, b, extra, shape], i) => {
          const [first, indent] =
            shape === 'map' ? [`${k}${i}: ${h}`, 2] : shape === 'seq' ? [`s${i}:\n  - ${h}`, 4] : shape === 'nested' ? [`n${i}:\n  ${k}: ${h}`, 4] : [`l${i}:\n- ${k}: ${h}`, 2 + extra];
          lines.push(first, ...b.map((l) => (l === '' || /^ +$/.test(l) ? l : ' '.repeat(indent + (shape === 'item' ? 0 : extra)) + l)));
        });
        const text = lines.join('\n') + (nl ? '\n' : '');
        if (agree(crlf ? text.replace(/\n/g, '\r\n') : text)) accepted++;
      }),
      { numRuns: RUNS, seed: PROPERTY_SEED },
    );
    // Most texts hold something it gives up on (tabs in a block, an indentation indicator...).
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it('random multi-line plain scalars in block collections are read as yaml reads them', () => {
    const first = fc.constantFrom('x', 'a b', '1', 'true', '~', 'x # c', 'x\t', '"q"', '[a]', '- x', 'a: b');
    const more = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('y', 'z w', '2', '', '', '# c', 'k: v', '- i', 'a#b', 'x # c', '\ty', 'y\t', '[x]', '"q"', '&a', '*a', '---', '...', ': x', '? y')), { maxLength: 5 });
    const entry = fc.tuple(first, more, fc.constantFrom('map', 'seq', 'nested', 'below'));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.boolean(), (entries, crlf) => {
        const lines: string[] = [];
        entries.forEach(([v, rest, shape], i) => {
          lines.push(shape === 'map' ? `k${i}: ${v}` : shape === 'seq' ? `s${i}:\n- ${v}` : shape === 'nested' ? `n${i}:\n  k: ${v}` : `b${i}:\n  ${v}`);
          for (const [indent, l] of rest) lines.push(l === '' ? '' : ' '.repeat(indent) + l);
        });
        const text = lines.join('\n') + '\n';
        if (agree(crlf ? text.replace(/\n/g, '\r\n') : text)) accepted++;
      }),
      { numRuns: RUNS, seed: PROPERTY_SEED },
    );
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it('random quoted scalars over several lines in block collections are read as yaml reads them', () => {
    const first = fc.constantFrom('"a', "'a", '"a b', "'it''s", '"\\x41', '"a\\"', '"', "'", '"a"', "'a'", '"a # c', '&x "a', '!!str "a');
    const more = fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 5 }).map((n) => (n === 0 ? 0 : n + 1)),
        fc.oneof(
          // Lines that go on or close the scalar, and lines yaml reads otherwise or rejects.
          { weight: 3, arbitrary: fc.constantFrom('b', 'c d', 'e"', "f'", "g''h'", '"', "'", 'k: v"', '- i', '# c', '" # c', '\\"q"', '\\n"', "''", 'z"  ', '... "') },
          { weight: 1, arbitrary: fc.constantFrom('', '   ', '\\', 'x\\', '\ty', 'y\t"', '"x: y', '" x', "' y", '"]', '---') },
        ),
      ),
      { maxLength: 5 },
    );
    const entry = fc.tuple(first, more, fc.constantFrom('map', 'seq', 'nested', 'below'));
    let accepted = 0;
    let spanning = 0;
    fc.assert(
      // CRLF in one text of ten (the reader leaves a CR inside a quoted scalar to yaml).
      fc.property(fc.array(entry, { minLength: 1, maxLength: 2 }), fc.integer({ min: 0, max: 9 }).map((n) => n === 0), (entries, crlf) => {
        const lines: string[] = [];
        entries.forEach(([v, rest, shape], i) => {
          lines.push(shape === 'map' ? `k${i}: ${v}` : shape === 'seq' ? `s${i}:\n- ${v}` : shape === 'nested' ? `n${i}:\n  k: ${v}` : `b${i}:\n  ${v}`);
          for (const [indent, l] of rest) lines.push(l === '' ? '' : ' '.repeat(indent) + l);
        });
        const text = lines.join('\n') + '\n';
        if (agree(crlf ? text.replace(/\n/g, '\r\n') : text)) {
          accepted++;
          // A quote left open on its first line that the reader read: it went on below.
          if (entries.some(([v, rest]) => rest.length > 0 && !/^(?:"a"|'a'|!!str "a)$/.test(v))) spanning++;
        }
      }),
      { numRuns: RUNS, seed: PROPERTY_SEED },
    );
    // Most random texts hold something it gives up on (a tab, an unclosed quote, a line
    // not indented enough; blank lines are read since issue 11 must-have 4): 3-4% are read (17 of 500 and 88 of 2,000 with
    // PROPERTY_SEED), and in most of those a quote stays open past its first line (9 and 51).
    expect(accepted).toBeGreaterThan(RUNS / 100);
    expect(spanning).toBeGreaterThan(RUNS / 400);
  });

  it('random flow collections over several lines are read as yaml reads them', () => {
    const piece = fc.constantFrom('1', 'a b', '"q"', "'s'", '[x]', '{k: v}', 'k: v', '&a x', '*a', '[', '{', ']', '}', ',', ', ', '# c', ' # c', '#c', '', '\tx', 'x,', '[x,', '"a', '-', '? x', '---', 'a\tb');
    const entry = fc.tuple(fc.constantFrom('[', '{', '[ # c', '[1,', '{a: 1,', '['), fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.array(piece, { minLength: 1, maxLength: 3 })), { maxLength: 4 }), fc.constantFrom(']', '}', ' ]', '] # c', ']]', 'x]'), fc.constantFrom('map', 'seq', 'nested'));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 3 }), fc.boolean(), (entries, crlf) => {
        const lines: string[] = [];
        entries.forEach(([open, rest, close, shape], i) => {
          const [head, indent] = shape === 'map' ? [`k${i}: ${open}`, 0] : shape === 'seq' ? [`s${i}:\n- ${open}`, 0] : [`n${i}:\n  k: ${open}`, 2];
          lines.push(head);
          for (const [n, ps] of rest) lines.push(' '.repeat(indent + n) + ps.join(' '));
          lines.push(' '.repeat(indent + 1) + close);
        });
        const text = lines.join('\n') + '\n';
        if (agree(crlf ? text.replace(/\n/g, '\r\n') : text)) accepted++;
      }),
      { numRuns: RUNS, seed: PROPERTY_SEED },
    );
    // Most random flow texts hold something it gives up on: ~5% are read.
    expect(accepted).toBeGreaterThan(RUNS / 50);
  });
});
