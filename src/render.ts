/**
 * Stage 5: render. Turns the planned files into text: Handlebars templates with HTML
 * escaping off and a quoting helper per output language, canonical JSON, or text as is.
 * Adds the generated-file header in each file's comment syntax and makes the bytes
 * deterministic (LF, exactly one final newline).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Only the runtime (no parser, no compiler): templates arrive precompiled from the build.
import HandlebarsRuntimeModule from 'handlebars/runtime.js';
import { canonicalJson, commentText, dockerString, jsonString, shWords, token } from './quote.js';
import type { PlannedFile, RenderedFile } from './types.js';

type HandlebarsEnv = typeof import('handlebars');
// handlebars/runtime.d.ts declares nothing; the runtime is the full API minus compile().
const HandlebarsRuntime = HandlebarsRuntimeModule as unknown as HandlebarsEnv;
type TemplateDelegate = HandlebarsTemplateDelegate;
/** Template or partial name -> Handlebars.precompile() output. */
export type TemplateTable = Record<string, TemplateSpecification>;

/** What the build precompiles: the templates a target can plan, and the shared partials. */
export interface PrecompiledTemplates {
  templates: TemplateTable;
  partials: TemplateTable;
}

export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

/**
 * Shared partials: templates/_partials/<name>.hbs, used from any template as
 * `{{> name param=value}}`. They are pieces of other templates, never files of their own:
 * no target can plan one.
 */
export const PARTIALS_DIR = '_partials';

/**
 * Every *.hbs under templates/ (any depth), precompiled by `npm run build`
 * (scripts/build.mjs) beside the module that loads it. Absent under vitest (src/ runs
 * directly): templates are then compiled from templates/ on first use, same options.
 */
export const PRECOMPILED_TEMPLATES = fileURLToPath(new URL('./generated/templates.cjs', import.meta.url));

const HELPERS = {
  /** One shell word, single-quoted. Arrays become several words. */
  sh: (v: unknown) => shWords(v),
  /** A Dockerfile double-quoted string with `$` escaped (LABEL, ENV, ARG values). */
  docker: (v: unknown) => dockerString(v),
  /** A bare word where no quoting is possible; refuses anything but [A-Za-z0-9._/:@+=-]. */
  token: (v: unknown) => token(v),
  /** A JSON (and YAML) double-quoted string. */
  json: (v: unknown) => jsonString(v),
  /** Prose in a `#` comment line: anything but control characters. */
  comment: (v: unknown) => commentText(v),
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  not: (a: unknown) => !a,
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
};

/**
 * Compile options shared by the build's precompilation and the run-time fallback.
 * `knownHelpers` names kspec's helpers, so compiled templates call them directly instead
 * of looking each name up in the context first (~10% less time rendering 1,000 specs).
 */
export const TEMPLATE_OPTIONS = {
  noEscape: true,
  strict: true,
  knownHelpers: Object.fromEntries(Object.keys(HELPERS).map((k) => [k, true])),
} as const;

function registerHelpers(hb: HandlebarsEnv): void {
  hb.registerHelper(HELPERS);
}

/**
 * Every *.hbs under `dir` (any depth), by path without `.hbs`, sorted: those under
 * `_partials/` are partials, named by their path below it; all others are templates.
 * Found generically, so a new target's templates and a new partial need no code change.
 */
export function findTemplates(dir = TEMPLATES_DIR): { templates: string[]; partials: string[] } {
  const templates: string[] = [];
  const partials: string[] = [];
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${sub}${e.name}/`);
      else if (e.isFile() && e.name.endsWith('.hbs')) {
        const name = sub + e.name.slice(0, -4);
        if (name.startsWith(`${PARTIALS_DIR}/`)) partials.push(name.slice(PARTIALS_DIR.length + 1));
        else templates.push(name);
      }
    }
  };
  walk('');
  return { templates: templates.sort(), partials: partials.sort() };
}

/** Loads the precompiled templates and partials (CommonJS: plain object literals and functions). */
export function loadPrecompiledTemplates(file = PRECOMPILED_TEMPLATES): PrecompiledTemplates | undefined {
  if (!existsSync(file)) return undefined;
  return createRequire(import.meta.url)(file) as PrecompiledTemplates;
}

/**
 * A template lookup: from `table` through the Handlebars runtime when given, otherwise
 * compiled from templates/ with the full Handlebars (loaded only then). Either way each
 * template is instantiated once, on first use, and every partial is registered with the
 * environment before the first template runs. A partial is not a template: asking for
 * one by its path is an error on both paths.
 */
export function templateSource(table: PrecompiledTemplates | undefined): (name: string) => TemplateDelegate {
  const cache = new Map<string, TemplateDelegate>();
  let hb: HandlebarsEnv | undefined;
  const env = (): HandlebarsEnv => {
    if (!hb) {
      if (table) {
        hb = HandlebarsRuntime.create();
        for (const [name, spec] of Object.entries(table.partials)) hb.registerPartial(name, hb.template(spec));
      } else {
        const full = (createRequire(import.meta.url)('handlebars') as HandlebarsEnv).create();
        for (const name of findTemplates().partials) {
          full.registerPartial(name, full.compile(readFileSync(`${TEMPLATES_DIR}${PARTIALS_DIR}/${name}.hbs`, 'utf8'), TEMPLATE_OPTIONS));
        }
        hb = full;
      }
      registerHelpers(hb);
    }
    return hb;
  };
  return (name) => {
    let t = cache.get(name);
    if (!t) {
      if (name.startsWith(`${PARTIALS_DIR}/`)) throw new Error(`'${name}' is a partial, not a template a target can plan`);
      if (!table) t = env().compile(readFileSync(TEMPLATES_DIR + name + '.hbs', 'utf8'), TEMPLATE_OPTIONS);
      else if (Object.hasOwn(table.templates, name)) t = env().template(table.templates[name]!);
      else throw new Error(`no precompiled template '${name}': run npm run build`);
      cache.set(name, t);
    }
    return t;
  };
}

let defaultSource: ((name: string) => TemplateDelegate) | undefined;
function template(name: string): TemplateDelegate {
  defaultSource ??= templateSource(loadPrecompiledTemplates());
  return defaultSource(name);
}

export interface HeaderInfo {
  specPath: string;
  /** How to regenerate, e.g. `kspec compile specs/x.yaml -o out`. */
  command: string;
}

export function headerLines(info: HeaderInfo): string[] {
  return [
    `Generated by kspec from ${info.specPath}. Do not edit: changes are overwritten.`,
    `Regenerate with: ${info.command}`,
  ];
}

/** Lines that must stay first: a shebang and BuildKit parser directives. */
const LEADING = /^(#!.*|# ?(syntax|escape|check)=.*)$/;

function withHeader(body: string, syntax: PlannedFile['syntax'], info: HeaderInfo): string {
  if (syntax === 'json' || syntax === 'none') return body;
  // Only the first lines can be leading ones: find where they end without splitting the
  // whole body into lines (rendering thousands of specs allocates less).
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\n', at);
    const end = eol < 0 ? body.length : eol;
    if (!LEADING.test(body.slice(at, end))) break;
    at = eol < 0 ? body.length : eol + 1;
  }
  const header =
    syntax === 'diff'
      ? headerLines(info) // diff headers stand above the first `---`, where patch ignores text
      : headerLines(info).map((l) => `# ${l}`);
  if (at > 0 && at >= body.length && !body.endsWith('\n')) return `${body}\n${header.join('\n')}`;
  return body.slice(0, at) + header.join('\n') + '\n' + body.slice(at);
}

/** LF only, no trailing blanks at the end, exactly one final newline. */
export function normalizeText(s: string): string {
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  else if (s.endsWith('\n') && !s.endsWith('\n\n')) return s;
  // A loop, not /\n*$/: that regex retries at every position and was ~30% of rendering.
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 10) end--;
  return s.slice(0, end) + '\n';
}

export function renderFile(f: PlannedFile, info: HeaderInfo): RenderedFile {
  let body: string;
  if (f.template !== undefined) body = template(f.template)(f.data ?? {});
  else if (f.json !== undefined) body = canonicalJson(f.json);
  else body = f.text ?? '';
  return {
    path: f.path,
    mode: f.mode ?? 0o644,
    content: normalizeText(withHeader(normalizeText(body), f.syntax, info)),
  };
}

export function render(files: PlannedFile[], info: HeaderInfo): RenderedFile[] {
  return files.map((f) => renderFile(f, info)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

