/**
 * `kspec outdated [<spec-or-dir>...]`: for each spec, the COPR build age and the newer
 * tags of the images it pulls (src/outdated.ts), reported as diagnostics at the spec line
 * that pins them (KS9020-KS9022), in text, json or github format.
 *
 * Exit codes: 0 everything current (warnings allowed), 1 a stale or missing COPR build, a
 * spec with errors, or warnings with --strict, 2 a usage error or a request that failed.
 */
import { imageFields } from '../check.js';
import { fail, ioReason, UsageError } from '../commands.js';
import { discoverSpecs } from '../discover.js';
import { compileFile, displayPath, type CompileResult } from '../compile.js';
import { D } from '../diagnostics/catalogue.js';
import { compareDiagnostics, hasErrors, Reporter, type Diagnostic, type SourceIndex } from '../diagnostics/diagnostic.js';
import { applyStrict, counts, printDiagnostics, summaryLine, toJson } from '../diagnostics/format.js';
import { parseOciReference } from '../oci.js';
import { getTarget } from '../targets/index.js';
import { DEFAULT_COPR, latestCoprBuild, lineOf, listTags, NetworkError, newerOnLine, parseTag, type Endpoints } from '../outdated.js';

export interface OutdatedOptions {
  format: 'text' | 'json' | 'github';
  strict?: boolean;
  coprUrl?: string;
  registryUrl?: string;
  timeout: string;
}

/** One thing looked up, for the report (json) and the summary lines (text). */
interface Check {
  kind: 'copr' | 'image';
  path: string;
  subject: string;
  status: 'fresh' | 'stale' | 'missing' | 'current' | 'newer' | 'skipped';
  detail: string;
}

const DAY = 86_400;

/** The specs the inputs name, found as compile finds them (src/discover.ts). */
async function specFiles(inputs: string[]): Promise<string[]> {
  const found = await discoverSpecs(inputs);
  if (found.specs.length === 0) throw new UsageError(`no kspec specs in ${inputs.join(', ')}`);
  return found.specs;
}

function endpoints(opts: OutdatedOptions): Endpoints {
  const seconds = Number(opts.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError(`--timeout is seconds between 0 and 600, not '${opts.timeout}'`);
  const url = (v: string | undefined, what: string): string | undefined => {
    if (v === undefined || v === '') return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new UsageError(`${what} is not a URL: '${v}'`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`${what} is not an http(s) URL: '${v}'`);
    return u.toString().replace(/\/$/, '');
  };
  return {
    copr: url(opts.coprUrl ?? process.env.KSPEC_COPR_URL, 'the COPR URL') ?? DEFAULT_COPR,
    registry: url(opts.registryUrl ?? process.env.KSPEC_REGISTRY_URL, 'the registry URL'),
    timeoutMs: Math.round(seconds * 1000),
  };
}

async function checkSpec(r: CompileResult, ep: Endpoints, rep: Reporter): Promise<Check[]> {
  const spec = r.spec!;
  const checks: Check[] = [];
  const p = spec.provider;
  if (p.type === 'copr') {
    const pkg = spec.kernel.package ?? p.packages[0]!;
    const subject = `COPR ${p.repo} ${pkg}`;
    const b = await latestCoprBuild(p.repo, pkg, ep);
    if (b.kind === 'none') {
      rep.report(D.CoprNoBuild, '/provider/repo', { repo: p.repo, pkg, reason: b.reason });
      checks.push({ kind: 'copr', path: '/provider/repo', subject, status: 'missing', detail: b.reason });
    } else {
      // Measured when the answer arrives, so a build exactly n days old is n days old.
      const days = Math.max(0, Math.floor((Date.now() / 1000 - b.endedOn) / DAY));
      const date = new Date(b.endedOn * 1000).toISOString().slice(0, 10);
      const what = `newest succeeded build${b.version ? ` ${b.version}` : ''} ended ${date}, ${days} day${days === 1 ? '' : 's'} ago (limit ${p.staleAfterDays})`;
      if (days > p.staleAfterDays) {
        rep.report(D.CoprStale, '/provider/repo', { repo: p.repo, build: b.version ? `${pkg} (${b.version})` : pkg, days, date, limit: p.staleAfterDays });
        checks.push({ kind: 'copr', path: '/provider/repo', subject, status: 'stale', detail: what });
      } else checks.push({ kind: 'copr', path: '/provider/repo', subject, status: 'fresh', detail: what });
    }
  }
  for (const f of imageFields(spec, getTarget(spec.target.platform)!)) {
    if (!f.pulled || f.ref === undefined) continue;
    const ref = parseOciReference(f.ref);
    if ('error' in ref) continue;
    if (ref.digest) {
      checks.push({ kind: 'image', path: f.ptr, subject: f.ref, status: 'skipped', detail: 'pinned by digest' });
      continue;
    }
    const tag = ref.tag ?? 'latest';
    const v = parseTag(tag);
    if (!v) {
      checks.push({ kind: 'image', path: f.ptr, subject: f.ref, status: 'skipped', detail: `tag '${tag}' is not a version` });
      continue;
    }
    const newer = newerOnLine(tag, await listTags(f.ref, ep));
    const line = lineOf(v);
    if (newer.length > 0) {
      rep.report(D.NewerTag, f.ptr, { ref: f.ref, newest: newer[0]!, line, count: newer.length });
      checks.push({ kind: 'image', path: f.ptr, subject: f.ref, status: 'newer', detail: `newest on ${line}: ${newer[0]}` });
    } else checks.push({ kind: 'image', path: f.ptr, subject: f.ref, status: 'current', detail: `newest on ${line}` });
  }
  return checks;
}

export async function runOutdated(inputs: string[], opts: OutdatedOptions): Promise<number> {
  let files: string[];
  let ep: Endpoints;
  try {
    ep = endpoints(opts);
    files = await specFiles(inputs.length > 0 ? inputs : ['.']);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  const report: Array<{ spec: string; name: string | null; checks: Check[]; diagnostics: Diagnostic[] }> = [];
  const sources = new Map<string, SourceIndex | undefined>();
  for (const f of files) {
    let r: CompileResult;
    try {
      r = await compileFile(f, { outDir: 'out', checkOnly: true });
    } catch (e) {
      return fail(`cannot read '${displayPath(f)}': ${ioReason(e)}`);
    }
    sources.set(r.specPath, r.source);
    let checks: Check[] = [];
    const diagnostics = [...r.diagnostics];
    if (!hasErrors(r.diagnostics) && r.spec && r.source) {
      const rep = new Reporter(r.source);
      try {
        checks = await checkSpec(r, ep, rep);
      } catch (e) {
        if (e instanceof NetworkError) return fail(`${r.specPath}: ${e.message}`);
        throw e;
      }
      diagnostics.push(...rep.diagnostics);
    }
    for (const d of diagnostics) if (!sources.has(d.file)) sources.set(d.file, r.source);
    report.push({ spec: r.specPath, name: r.name ?? null, checks, diagnostics: applyStrict(diagnostics, opts.strict === true).sort(compareDiagnostics) });
  }
  const all = report.flatMap((x) => x.diagnostics);
  if (opts.format === 'json') {
    const out = {
      specs: report.map((x) => ({ spec: x.spec, name: x.name, checks: x.checks, diagnostics: x.diagnostics.map(toJson) })),
      summary: counts(all),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    printDiagnostics(all, opts.format, (file) => sources.get(file));
    if (opts.format === 'text') {
      for (const x of report) for (const c of x.checks) process.stdout.write(`${x.spec}: ${c.subject}: ${c.status}: ${c.detail}\n`);
      if (all.length > 0) process.stderr.write(`${summaryLine(all)}\n`);
    }
  }
  return hasErrors(all) ? 1 : 0;
}
