/**
 * kspec outdated against a fake COPR and a fake registry on 127.0.0.1 (never the network):
 * the COPR build age against provider.staleAfterDays, newer tags on the same version line
 * through the anonymous token flow and pagination, the three formats with the spec line,
 * and a request that fails (refused, hanging) as exit 2 with a clear message.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { D } from '../src/diagnostics/catalogue.js';
import { lineOf, newerOnLine, parseTag } from '../src/outdated.js';
import { kspecInProcess } from './cli-run.js';
import { tempDir } from './helpers.js';

const DAY = 86_400;

/** Line 13 `repo:`, line 29 `init:`. */
const SPEC = `apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  name: kairos-cachyos
kernel:
  package: kernel-cachyos
  arch: [x86_64]
  config:
    CONFIG_EFI_STUB: y
provider:
  type: copr
  staleAfterDays: 14
  repo: bieszczaders/kernel-cachyos
  packages: [kernel-cachyos, kernel-cachyos-core, kernel-cachyos-modules]
initramfs:
  compress: xz
fallback:
  kernel: previous-image
  via: rollback
validation:
  boot: {timeoutSeconds: 300}
target:
  platform: kairos
  base: fedora:40
  family: fedora
  model: generic
  bootloader: trustedboot
  os: {name: kairos-cachyos, version: 2.1.0, repo: ghcr.io/example/kairos-cachyos}
  init: quay.io/kairos/kairos-init:v0.5.8
`;

interface State {
  buildAgeDays: number | null;
  tags: string[];
  hang: boolean;
  requests: string[];
}
const state: State = { buildAgeDays: 3, tags: [], hang: false, requests: [] };
let server: Server;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, base);
  state.requests.push(`${url.pathname}${url.search}${req.headers.authorization ? ` [${req.headers.authorization}]` : ''}`);
  if (state.hang) return; // never answers
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/api_3/package/') {
    if (url.searchParams.get('packagename') !== 'kernel-cachyos' || url.searchParams.get('with_latest_succeeded_build') !== 'true') return send(404, { error: 'Package does not exist' });
    const age = state.buildAgeDays;
    return send(200, {
      name: 'kernel-cachyos',
      builds: { latest_succeeded: age === null ? null : { id: 991, ended_on: Math.floor(Date.now() / 1000) - age * DAY, source_package: { name: 'kernel-cachyos', version: '7.0.8-1' } } },
    });
  }
  if (url.pathname === '/token') {
    return send(200, { token: `tok:${url.searchParams.get('scope')}` });
  }
  const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
  if (m) {
    const scope = `repository:${m[1]}:pull`;
    if (req.headers.authorization !== `Bearer tok:${scope}`) {
      return send(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': `Bearer realm="${base}/token",service="fake-registry",scope="${scope}"` });
    }
    // two pages: the first half, then the rest
    const half = Math.ceil(state.tags.length / 2);
    if (url.searchParams.get('last') === null) {
      return send(200, { name: m[1], tags: state.tags.slice(0, half) }, { link: `</v2/${m[1]}/tags/list?n=1000&last=${state.tags[half - 1]}>; rel="next"` });
    }
    return send(200, { name: m[1], tags: state.tags.slice(half) });
  }
  send(404, { error: 'no route' });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function kspec(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return kspecInProcess(cwd, args, { env: { NO_COLOR: '1', ...env } });
}

function workdir(spec = SPEC): string {
  const dir = tempDir('kspec-outdated-');
  mkdirSync(path.join(dir, 'specs'));
  writeFileSync(path.join(dir, 'specs', 'kairos.yaml'), spec);
  // YAML in the folder that is not a spec is skipped, not an error
  writeFileSync(path.join(dir, 'specs', 'other.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
  return dir;
}

const endpointArgs = () => ['--copr-url', base, '--registry-url', base, '--timeout', '5'];

function reset(over: Partial<State>): void {
  Object.assign(state, { buildAgeDays: 3, tags: ['v0.5.7', 'v0.5.8', 'latest'], hang: false, requests: [] }, over);
}

describe('version lines', () => {
  it('parses dotted versions with a prefix and suffix, and keeps to the line', () => {
    expect(parseTag('v2.4.3')).toEqual({ prefix: 'v', nums: [2, 4, 3], suffix: '' });
    expect(parseTag('6.8.9-openpax')).toEqual({ prefix: '', nums: [6, 8, 9], suffix: '-openpax' });
    expect(parseTag('tumbleweed-core-amd64-generic-v3.2.1')!.prefix).toBe('tumbleweed-core-amd64-generic-v');
    expect(parseTag('stable')).toBeUndefined();
    expect(parseTag('40')).toBeUndefined();
    expect(lineOf(parseTag('v2.4.3')!)).toBe('v2.4.x');
    expect(lineOf(parseTag('1.23')!)).toBe('1.x');
    const tags = ['v2.4.3', 'v2.4.10', 'v2.4.9', 'v2.5.0', 'v2.4.11-fips', 'v2.4', '2.4.12', 'latest', 'v2.4.2'];
    expect(newerOnLine('v2.4.3', tags)).toEqual(['v2.4.10', 'v2.4.9']);
    expect(newerOnLine('v2.4.11-fips', tags)).toEqual([]);
    expect(newerOnLine('stable', tags)).toEqual([]);
  });
});

describe('kspec outdated', () => {
  it('reports current when the COPR build is fresh and no newer tag exists (exit 0), via the token flow and both pages', async () => {
    reset({});
    const r = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('specs/kairos.yaml: COPR bieszczaders/kernel-cachyos kernel-cachyos: fresh: newest succeeded build 7.0.8-1 ended');
    expect(r.stdout).toContain('3 days ago (limit 14)');
    expect(r.stdout).toContain("specs/kairos.yaml: fedora:40: skipped: tag '40' is not a version");
    expect(r.stdout).toContain('specs/kairos.yaml: quay.io/kairos/kairos-init:v0.5.8: current: newest on v0.5.x');
    expect(state.requests).toContain('/v2/kairos/kairos-init/tags/list?n=1000');
    expect(state.requests).toContain('/token?service=fake-registry&scope=repository%3Akairos%2Fkairos-init%3Apull');
    expect(state.requests.some((q) => q.includes('last=v0.5.8') && q.includes('[Bearer tok:repository:kairos/kairos-init:pull]'))).toBe(true);
    // the COPR query as COPR's API v3 takes it
    expect(state.requests).toContain('/api_3/package/?ownername=bieszczaders&projectname=kernel-cachyos&packagename=kernel-cachyos&with_latest_succeeded_build=true');
  });

  it('KS9020: a COPR build older than staleAfterDays fails at provider.repo, with its line', async () => {
    reset({ buildAgeDays: 40 });
    const r = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`specs/kairos.yaml:13:9: error ${D.CoprStale.code}`);
    expect(r.stderr).toContain('ended 40 days ago');
    expect(r.stderr).toContain('more than provider.staleAfterDays (14)');
    expect(r.stdout).toContain(': stale: ');
  });

  it('KS9021: no succeeded build at all', async () => {
    reset({ buildAgeDays: null });
    const r = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs(), '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.specs[0].diagnostics).toEqual([
      expect.objectContaining({ code: D.CoprNoBuild.code, severity: 'error', file: 'specs/kairos.yaml', line: 13, column: 9, path: '/provider/repo' }),
    ]);
    expect(j.specs[0].checks[0]).toMatchObject({ kind: 'copr', status: 'missing' });
  });

  it('KS9022: a newer tag on the same line is a warning at the image line (github format); --strict fails it', async () => {
    reset({ tags: ['v0.5.7', 'v0.5.8', 'v0.5.10', 'v0.6.0', 'v0.5.9', 'v0.5.11-rc1', 'latest'] });
    const r = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs(), '--format', 'github']);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('::warning '))!;
    expect(line).toMatch(/^::warning file=specs\/kairos\.yaml,line=29,.*col=9,.*title=.*KS9022/);
    expect(line).toContain(`title=${D.NewerTag.code} ${D.NewerTag.id}::`);
    expect(line).toContain("2 newer, the newest 'v0.5.10'");
    const strict = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs(), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`specs/kairos.yaml:29:9: error ${D.NewerTag.code}`);
  });

  it('json lists every check with its JSON path', async () => {
    reset({ tags: ['v0.5.8', 'v0.5.9'] });
    const r = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs(), '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.specs.map((s: { spec: string }) => s.spec)).toEqual(['specs/kairos.yaml']);
    expect(j.specs[0].checks.map((c: { path: string; status: string }) => [c.path, c.status])).toEqual([
      ['/provider/repo', 'fresh'],
      ['/target/base', 'skipped'],
      ['/target/init', 'newer'],
    ]);
    expect(j.summary).toEqual({ errors: 0, warnings: 1 });
  });

  it('a refused connection is exit 2 with a clear message', async () => {
    reset({});
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await kspec(workdir(), ['outdated', 'specs', '--copr-url', `http://127.0.0.1:${port}`, '--registry-url', base, '--timeout', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kspec: specs/kairos.yaml: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it('a server that never answers is exit 2 after --timeout, not a hang', async () => {
    reset({ hang: true });
    // A fraction of a second: the server never answers, however long the wait.
    const r = await kspec(workdir(), ['outdated', 'specs', ...endpointArgs().slice(0, 4), '--timeout', '0.25']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`kspec: specs/kairos.yaml: cannot reach ${base}: no answer within 0.25 s`);
  });

  it('endpoints come from the environment too; bad options are usage errors', async () => {
    reset({});
    const env = await kspec(workdir(), ['outdated', 'specs'], { KSPEC_COPR_URL: base, KSPEC_REGISTRY_URL: base });
    expect(env.code).toBe(0);
    const bad = await kspec(workdir(), ['outdated', 'specs', '--copr-url', 'ftp://x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("the COPR URL is not an http(s) URL: 'ftp://x'");
    expect((await kspec(workdir(), ['outdated', 'specs', '--timeout', '0'])).code).toBe(2);
  });

  it('a spec with errors is reported and not looked up', async () => {
    reset({});
    const r = await kspec(workdir(SPEC.replace('staleAfterDays: 14', 'staleAfterDays: 0')), ['outdated', 'specs', ...endpointArgs()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('specs/kairos.yaml:12:19: error KS2');
    expect(state.requests).toEqual([]);
  });
});
