/**
 * The output folder as a whole, for `compile` and `compile --check` (issue 12): a unit
 * whose spec is gone (or renamed) is stale, and anything under the output folder that no
 * `kspec.lock.json` accounts for is drift. The file system work is in src/write.ts
 * (surveyOutput, removeStaleUnit, staleDiff); this module maps a run's inputs and results
 * onto it and words what it found.
 *
 *  - stale: `--check` names it (and shows the removal as a diff), exit 1; `compile`
 *    removes exactly the files its lock lists, then the folder if empty. Only units whose
 *    recorded spec lies inside a folder this run searched; others are left alone.
 *  - a file in a unit's folder its lock does not list (KS9006), an entry of the output
 *    folder no lock owns (KS9007): `--check` names them as drift, exit 1; `compile` leaves
 *    them in place with a warning (an error with --strict, and then nothing is written).
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CompileResult } from './compile.js';
import { D } from './diagnostics/catalogue.js';
import { fileStart, Reporter, type Diagnostic } from './diagnostics/diagnostic.js';
import { workflowCommand } from './diagnostics/github.js';
import { displayPath, specFromId } from './paths.js';
import { MANIFEST, removeStaleUnit, staleDiff, surveyOutput, type OutputSurvey, type StaleUnit } from './write.js';

/** `p` (absolute) with symlinks in its folder resolved, as far as it exists. */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const up = path.dirname(p);
    return up === p ? p : path.join(real(up), path.basename(p));
  }
}


/**
 * Surveys the output folder for a run. `planned`: each unit's planned file paths by name
 * (this run's units, all compiled without errors).
 */
export function surveyRun(
  inputs: readonly string[],
  results: readonly CompileResult[],
  planned: ReadonlyMap<string, readonly string[]>,
  out: string,
  staging?: string,
  cwd = process.cwd(),
  currentLocks: ReadonlySet<string> = new Set(),
): OutputSurvey {
  const folders = inputs.map((i) => path.resolve(cwd, i)).filter((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory()).map(real);
  const compiled = new Map<string, string>();
  // Both sides through the one mapping of spec ids (src/paths.ts): what the locks record.
  const fromId = (id: string): string | undefined => {
    const abs = specFromId(id, out, cwd);
    return abs === undefined ? undefined : real(abs);
  };
  for (const r of results) {
    const abs = r.name ? fromId(r.specId) : undefined;
    if (abs !== undefined) compiled.set(abs, r.name!);
  }
  const units = results
    .filter((r) => r.name && r.source && planned.has(r.name))
    .map((r) => ({ name: r.name!, files: planned.get(r.name!)!, source: r.source!, lockCurrent: currentLocks.has(r.name!) }));
  return surveyOutput(out, { units, folders, compiled, specPath: fromId, staging }, cwd);
}

/** compile: KS9006 and KS9007 warnings for what the survey found unaccounted for. */
export function surveyWarnings(survey: OutputSurvey, results: readonly CompileResult[], out: string, cwd = process.cwd()): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const byName = new Map(results.filter((r) => r.name && r.source).map((r) => [r.name!, r]));
  for (const u of survey.unlisted) {
    const r = byName.get(u.name)!;
    const rep = new Reporter(r.source!);
    rep.report(D.OutputUnlisted, '/metadata/name', { path: displayPath(path.join(out, u.name, u.path), cwd), name: u.name });
    ds.push(...rep.diagnostics);
  }
  for (const u of survey.unowned) {
    // Nothing in a spec stands for it: the diagnostic points at the entry itself.
    const shown = displayPath(path.join(out, u.name), cwd);
    ds.push(new Reporter(fileStart(shown)).report(D.OutputUnowned, '', { path: shown, why: u.why }));
  }
  return ds;
}

export interface DriftLines {
  /** Lines (and diffs) for stdout, each ending in a newline. */
  text: string;
  /** GitHub workflow commands, one per finding. */
  github: string[];
  /** For --format json. */
  json: { stale: Array<{ name: string; spec: string; reason: string; removed?: string[] }>; unlisted: string[]; unowned: string[] };
}

const staleLine = (u: StaleUnit, out: string, cwd: string): string => `${displayPath(path.join(out, u.name), cwd)}: its spec ${u.reason}`;

/** --check: every finding named as drift (and a stale unit's removal as a diff). */
export async function checkDrift(survey: OutputSurvey, out: string, cwd = process.cwd()): Promise<DriftLines> {
  const lines: DriftLines = { text: '', github: [], json: { stale: [], unlisted: [], unowned: [] } };
  const add = (file: string, msg: string): void => {
    lines.text += `drift: ${msg}\n`;
    lines.github.push(workflowCommand('error', { file, title: 'kspec drift' }, `${msg}.`));
  };
  for (const u of survey.stale) {
    lines.text += await staleDiff(out, u, cwd);
    const dir = displayPath(path.join(out, u.name), cwd);
    add(dir, `${staleLine(u, out, cwd)}; kspec compile removes it`);
    lines.json.stale.push({ name: u.name, spec: u.spec, reason: u.reason });
  }
  for (const u of survey.unlisted) {
    const file = displayPath(path.join(out, u.name, u.path), cwd);
    add(file, `${file} is not listed in ${displayPath(path.join(out, u.name, MANIFEST), cwd)}`);
    lines.json.unlisted.push(file);
  }
  for (const u of survey.unowned) {
    const file = displayPath(path.join(out, u.name), cwd);
    add(file, `${file} is owned by no ${MANIFEST} (${u.why})`);
    lines.json.unowned.push(file);
  }
  return lines;
}

/** compile: removes the stale units and says so. */
export function removeStale(survey: OutputSurvey, out: string, cwd = process.cwd()): DriftLines {
  const lines: DriftLines = { text: '', github: [], json: { stale: [], unlisted: [], unowned: [] } };
  for (const u of survey.stale) {
    const removed = removeStaleUnit(out, u, cwd);
    lines.text += `${staleLine(u, out, cwd)}: ${removed.length} removed\n`;
    lines.json.stale.push({ name: u.name, spec: u.spec, reason: u.reason, removed });
  }
  return lines;
}

export const hasDrift = (s: OutputSurvey): boolean => s.stale.length + s.unlisted.length + s.unowned.length > 0;
