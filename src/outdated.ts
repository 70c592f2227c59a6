/**
 * `kspec outdated`: is what a spec pins still current upstream? The handbook's upstream
 * watch (bootc-kernel-swap-handbook.md §3.1: "no new COPR build for >30 days while kernel
 * releases are in flight" triggers a re-review):
 *
 * - a COPR provider: the age of the newest succeeded build of the kernel package, from
 *   COPR's API v3 (fedora-copr/copr frontend apiv3_packages.py:
 *   GET /api_3/package/?ownername=&projectname=&packagename=&with_latest_succeeded_build=true,
 *   whose builds.latest_succeeded.ended_on is a Unix time), against provider.staleAfterDays;
 * - every image the build pulls (bases, framework, kernel and module images, fallback):
 *   whether its registry has a newer tag on the same version line (distribution's v2 API,
 *   GET /v2/<name>/tags/list, with the anonymous bearer-token flow of a 401's
 *   WWW-Authenticate header).
 *
 * Network access lives here and only here; every request has a timeout and a size limit,
 * and endpoints are overridable so tests use a fake server on 127.0.0.1.
 */
import { parseOciReference } from './oci.js';

/** A request that did not complete: the CLI prints it and exits 2. */
export class NetworkError extends Error {}

export interface Endpoints {
  /** COPR's base URL (default https://copr.fedorainfracloud.org). */
  copr: string;
  /** One base URL for every registry (tests); undefined: each reference's own registry. */
  registry?: string;
  timeoutMs: number;
}

export const DEFAULT_COPR = 'https://copr.fedorainfracloud.org';
/** The most a response may hold: a tag list of a busy repository is well under this. */
const MAX_BODY = 8 * 1024 * 1024;
/** Pages of a tag list followed at most (Link: rel="next"). */
const MAX_PAGES = 20;

interface Fetched {
  status: number;
  headers: Headers;
  body: string;
}

async function get(url: string, ep: Endpoints, headers: Record<string, string> = {}): Promise<Fetched> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'user-agent': 'kspec-outdated', ...headers }, signal: AbortSignal.timeout(ep.timeoutMs), redirect: 'follow' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${ep.timeoutMs / 1000} s` : err.cause?.code ?? err.cause?.message ?? err.message;
    throw new NetworkError(`cannot reach ${new URL(url).origin}: ${why}`);
  }
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY) {
        await reader.cancel();
        throw new NetworkError(`${new URL(url).origin} sent more than ${MAX_BODY} bytes for ${new URL(url).pathname}`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof NetworkError) throw e;
    throw new NetworkError(`cannot read the answer of ${new URL(url).origin}: ${(e as Error).name === 'TimeoutError' ? `not complete within ${ep.timeoutMs / 1000} s` : (e as Error).message}`);
  }
  return { status: res.status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
}

function json(f: Fetched, what: string): unknown {
  try {
    return JSON.parse(f.body);
  } catch {
    throw new NetworkError(`${what} answered HTTP ${f.status} with something that is not JSON`);
  }
}

// ---- COPR ---------------------------------------------------------------------------------

export type CoprResult =
  | { kind: 'build'; endedOn: number; version: string | null; buildId: number | null }
  | { kind: 'none'; reason: string };

/** The newest succeeded build of `pkg` in COPR project `repo` (owner/project). */
export async function latestCoprBuild(repo: string, pkg: string, ep: Endpoints): Promise<CoprResult> {
  const [ownername, projectname] = repo.split('/') as [string, string];
  const url = new URL('/api_3/package/', ep.copr);
  url.search = new URLSearchParams({ ownername, projectname, packagename: pkg, with_latest_succeeded_build: 'true' }).toString();
  const f = await get(url.toString(), ep);
  if (f.status === 404) {
    const err = (json(f, 'COPR') as { error?: unknown } | null)?.error;
    return { kind: 'none', reason: typeof err === 'string' ? err : `no package ${pkg} in ${repo}` };
  }
  if (f.status !== 200) throw new NetworkError(`COPR answered HTTP ${f.status} for ${repo} ${pkg}`);
  const body = json(f, 'COPR') as { builds?: { latest_succeeded?: { ended_on?: unknown; id?: unknown; source_package?: { version?: unknown } } | null } };
  const b = body?.builds?.latest_succeeded;
  if (!b) return { kind: 'none', reason: `${pkg} has no succeeded build in ${repo}` };
  if (typeof b.ended_on !== 'number') throw new NetworkError(`COPR's latest succeeded build of ${pkg} has no end time`);
  return {
    kind: 'build',
    endedOn: b.ended_on,
    version: typeof b.source_package?.version === 'string' ? b.source_package.version : null,
    buildId: typeof b.id === 'number' ? b.id : null,
  };
}

// ---- registries -----------------------------------------------------------------------------

/** The v2 API base and repository name of a reference (Docker Hub's defaults applied). */
export function registryOf(ref: string, ep: Endpoints): { base: string; name: string } | undefined {
  const r = parseOciReference(ref);
  if ('error' in r) return undefined;
  const hub = r.domain === undefined || r.domain === 'docker.io' || r.domain === 'index.docker.io';
  const name = hub && !r.path.includes('/') ? `library/${r.path}` : r.path;
  const base = ep.registry ?? (hub ? 'https://registry-1.docker.io' : `https://${r.domain}`);
  return { base, name };
}

/** `Bearer realm="…",service="…",scope="…"` into its parameters. */
function bearerChallenge(h: string | null): Record<string, string> | undefined {
  if (!h || !/^bearer\s/i.test(h)) return undefined;
  const out: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/([A-Za-z]+)="([^"]*)"/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out.realm ? out : undefined;
}

/** Every tag of a repository, following the anonymous token flow and pagination. */
export async function listTags(ref: string, ep: Endpoints): Promise<string[]> {
  const reg = registryOf(ref, ep);
  if (!reg) return [];
  const origin = new URL(reg.base).origin;
  let next: string | undefined = `${reg.base.replace(/\/$/, '')}/v2/${reg.name}/tags/list?n=1000`;
  let auth: Record<string, string> = {};
  const tags: string[] = [];
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const url: string = next;
    let f = await get(url, ep, auth);
    if (f.status === 401 && !auth.authorization) {
      const c = bearerChallenge(f.headers.get('www-authenticate'));
      if (!c) throw new NetworkError(`${origin} refused ${reg.name} (HTTP 401) without a bearer challenge: is the repository private?`);
      const realm = new URL(c.realm!);
      // An https registry's token service is https; a test registry on http may say http.
      if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && new URL(reg.base).protocol === 'http:')) {
        throw new NetworkError(`${origin} names a token service that is not https: ${realm.origin}`);
      }
      const q = new URLSearchParams();
      if (c.service) q.set('service', c.service);
      q.set('scope', c.scope ?? `repository:${reg.name}:pull`);
      realm.search = q.toString();
      const t = await get(realm.toString(), ep);
      if (t.status !== 200) throw new NetworkError(`${realm.origin} gave no anonymous token for ${reg.name} (HTTP ${t.status}): is the repository private?`);
      const body = json(t, realm.origin) as { token?: unknown; access_token?: unknown };
      const token = typeof body?.token === 'string' ? body.token : typeof body?.access_token === 'string' ? body.access_token : undefined;
      if (!token) throw new NetworkError(`${realm.origin} answered without a token for ${reg.name}`);
      auth = { authorization: `Bearer ${token}` };
      f = await get(url, ep, auth);
    }
    if (f.status === 404) throw new NetworkError(`${origin} has no repository ${reg.name} (HTTP 404)`);
    if (f.status !== 200) throw new NetworkError(`${origin} answered HTTP ${f.status} for the tags of ${reg.name}`);
    const body = json(f, origin) as { tags?: unknown };
    if (Array.isArray(body?.tags)) for (const t of body.tags) if (typeof t === 'string') tags.push(t);
    const link = f.headers.get('link');
    const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
    next = undefined;
    if (m) {
      const u = new URL(m[1]!, url);
      if (u.origin === origin) next = u.toString();
    }
  }
  return tags;
}

// ---- version lines -------------------------------------------------------------------------

export interface VersionedTag {
  prefix: string;
  nums: number[];
  suffix: string;
}

/** `v2.4.3`, `5.10.77`, `6.8.9-openpax`, `tumbleweed-v3.2.1`: two or more dotted numbers. */
export function parseTag(tag: string): VersionedTag | undefined {
  const m = /^(.*?)(\d+(?:\.\d+)+)(.*)$/.exec(tag);
  if (!m || /\d$/.test(m[1]!)) return undefined;
  const nums = m[2]!.split('.').map(Number);
  if (nums.some((n) => !Number.isSafeInteger(n))) return undefined;
  return { prefix: m[1]!, nums, suffix: m[3]! };
}

/** The line a version belongs to: major.minor for x.y.z, the major for x.y. */
export function lineOf(v: VersionedTag): string {
  return `${v.prefix}${v.nums.slice(0, v.nums.length >= 3 ? 2 : 1).join('.')}.x${v.suffix}`;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Tags newer than `current` on its line (same prefix, suffix, shape and line), newest first. */
export function newerOnLine(current: string, tags: readonly string[]): string[] {
  const cur = parseTag(current);
  if (!cur) return [];
  const fixed = cur.nums.length >= 3 ? 2 : 1;
  return tags
    .map((t) => ({ t, v: parseTag(t) }))
    .filter(
      (x): x is { t: string; v: VersionedTag } =>
        x.v !== undefined &&
        x.v.prefix === cur.prefix &&
        x.v.suffix === cur.suffix &&
        x.v.nums.length === cur.nums.length &&
        x.v.nums.slice(0, fixed).every((n, i) => n === cur.nums[i]) &&
        compare(x.v.nums, cur.nums) > 0,
    )
    .sort((a, b) => compare(b.v.nums, a.v.nums) || (a.t < b.t ? -1 : 1))
    .map((x) => x.t);
}
