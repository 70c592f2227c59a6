/**
 * `kspec init`'s modeline in a real editor back end: yaml-language-server (a
 * devDependency) over stdio, spoken to in LSP. A starter written by `kspec init` into a
 * git repository, with kspec installed in its node_modules and without, opens with no
 * diagnostics, and completion inside `target:` offers the platform's fields, both from the
 * schema the modeline names. A mistake in the same document is reported, so the schema
 * really was loaded. Nothing here reaches the network: the schema is a local file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runInit } from '../src/commands/init.js';
import { PLATFORMS } from '../src/targets/index.js';
import type { Platform } from '../src/types.js';
import { git, ROOT, tempDir } from './helpers.js';

const SERVER = path.join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');

interface Message {
  id?: number;
  method?: string;
  params?: any;
  result?: any;
  error?: any;
}

/** A minimal LSP client: Content-Length framing, requests by id, notifications kept by method. */
class LspClient {
  private buf = Buffer.alloc(0);
  private next = 1;
  private pending = new Map<number, (m: Message) => void>();
  private waiters: Array<{ test: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  readonly notifications: Message[] = [];

  constructor(private proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      for (;;) {
        const head = this.buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, head).toString())?.[1]);
        if (this.buf.length < head + 4 + len) return;
        const msg = JSON.parse(this.buf.subarray(head + 4, head + 4 + len).toString('utf8')) as Message;
        this.buf = this.buf.subarray(head + 4 + len);
        this.dispatch(msg);
      }
    });
  }

  private dispatch(msg: Message): void {
    if (msg.id !== undefined && msg.method !== undefined) {
      // A request from the server: settings, capability registrations.
      const result = msg.method === 'workspace/configuration' ? (msg.params.items as unknown[]).map(() => SETTINGS.yaml) : null;
      this.send({ id: msg.id, result });
      return;
    }
    if (msg.id !== undefined) {
      this.pending.get(msg.id)?.(msg);
      this.pending.delete(msg.id);
      return;
    }
    this.notifications.push(msg);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(msg)) return true;
      w.resolve(msg);
      return false;
    });
  }

  private send(msg: object): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request(method: string, params: unknown): Promise<any> {
    const id = this.next++;
    this.send({ id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result)));
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** The next notification that passes `test` (or one already received). */
  waitFor(test: (m: Message) => boolean): Promise<Message> {
    const seen = this.notifications.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

const SETTINGS = { yaml: { validate: true, completion: true, hover: true, schemaStore: { enable: false }, format: { enable: false } } };

/**
 * `kspec init --platform <platform> -o <dir>/<out>` (the command's code, in this process: the
 * bin's own behaviour is test/reports.test.ts's and the others'); returns the starter's text.
 * The output path is absolute, so the modeline is found from `dir` as from a shell there.
 */
let initQueue: Promise<unknown> = Promise.resolve();
function init(dir: string, platform: Platform, out: string): Promise<string> {
  // One at a time: the tests run concurrently, and each silences stdout while it runs.
  const done = initQueue.then(async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runInit({ platform, out: path.join(dir, out) })).toBe(0);
    } finally {
      write.mockRestore();
    }
    return readFileSync(path.join(dir, out), 'utf8');
  });
  initQueue = done.catch(() => undefined);
  return done;
}

describe('kspec init starters in yaml-language-server', () => {
  let server: ChildProcessWithoutNullStreams;
  let lsp: LspClient;
  let version = 0;

  beforeAll(async () => {
    server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
    lsp = new LspClient(server);
    await lsp.request('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { completion: { completionItem: { snippetSupport: false } }, publishDiagnostics: {} }, workspace: { configuration: true } },
    });
    lsp.notify('initialized', {});
    lsp.notify('workspace/didChangeConfiguration', { settings: SETTINGS });
  });

  afterAll(() => {
    server?.kill();
  });

  /** Opens `text` as `file`, returns the diagnostics the server publishes for it. */
  async function open(file: string, text: string): Promise<Array<{ message: string; range: { start: { line: number } } }>> {
    const uri = pathToFileURL(file).href;
    const v = ++version;
    lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: v, text } });
    const m = await lsp.waitFor((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri && (n.params.version === undefined || n.params.version === v));
    return m.params.diagnostics;
  }

  async function completionLabels(file: string, line: number, character: number): Promise<string[]> {
    const r = await lsp.request('textDocument/completion', { textDocument: { uri: pathToFileURL(file).href }, position: { line, character } });
    return ((Array.isArray(r) ? r : r.items) as Array<{ label: string }>).map((i) => i.label);
  }

  /** The starter cut after `target:`'s platform line (target is last), and an indented empty line. */
  function withBareTarget(text: string): { text: string; line: number } {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => /^ {2}platform: /.test(l));
    expect(lines.slice(0, i).some((l) => l === 'target:')).toBe(true);
    return { text: [...lines.slice(0, i + 1), '  '].join('\n'), line: i + 1 };
  }

  const layouts = [
    {
      name: 'with kspec in the repository node_modules',
      setup(repo: string): void {
        mkdirSync(path.join(repo, 'node_modules', 'kspec'), { recursive: true });
        cpSync(path.join(ROOT, 'schema'), path.join(repo, 'node_modules', 'kspec', 'schema'), { recursive: true });
      },
      modeline: '../node_modules/kspec/schema/kspec.schema.json',
    },
    { name: 'without it (a schema copy at the repository top)', setup(): void {}, modeline: '../kspec.schema.json' },
  ];

  it('reports what kspec validate rejects and JSON Schema can say: a tarball provider on bootc, an http URL', async () => {
    const repo = tempDir('kspec-editor-');
    git(repo, 'init', '-q');
    const text = await init(repo, 'bootc', 'k.yaml');
    const provider = /^provider:[^\n]*\n(?: {2}.*\n|#.*\n)*/m;
    expect(text).toMatch(provider);
    const cases = {
      tarball: text.replace(provider, 'provider:\n  type: tarball\n  urls: {x86_64: https://example.com/k.tar.gz}\n'),
      http: text.replace(provider, 'provider:\n  type: repo\n  packages: [kernel]\n  extraRepo: {name: x, url: http://example.com/x.repo}\n'),
    };
    // The same documents with what the CLI accepts there are clean.
    const fine = text.replace(provider, 'provider:\n  type: repo\n  packages: [kernel]\n  extraRepo: {name: x, url: https://example.com/x.repo}\n');
    // All opened at once: the server waits 200 ms before it validates each.
    const [tarball, http, clean] = await Promise.all([
      ...Object.entries(cases).map(([name, doc]) => {
        const file = path.join(repo, `${name}.yaml`);
        writeFileSync(file, doc);
        return open(file, doc);
      }),
      open(path.join(repo, 'fine.yaml'), fine),
    ]);
    expect(tarball!.length, `tarball: ${cases.tarball}`).toBeGreaterThan(0);
    expect(http!.length, `http: ${cases.http}`).toBeGreaterThan(0);
    expect(clean).toEqual([]);
  });

  // Concurrent: the server waits 200 ms before it validates a document, and each test has
  // its own repository and file names.
  for (const layout of layouts) {
    describe.concurrent(layout.name, () => {
      for (const platform of PLATFORMS) {
        it(`${platform}: no diagnostics, completion inside target:, and a mistake reported`, async () => {
          const repo = tempDir('kspec-editor-');
          git(repo, 'init', '-q');
          layout.setup(repo);
          mkdirSync(path.join(repo, 'specs'));
          const text = await init(repo, platform, 'specs/k.yaml');
          expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${layout.modeline}`);
          const file = path.join(repo, 'specs', 'k.yaml');
          const bare = withBareTarget(text);
          const bareFile = path.join(repo, 'specs', 'bare.yaml');
          writeFileSync(bareFile, bare.text);
          // The schema is in force: an unknown key under target is reported.
          const bad = path.join(repo, 'specs', 'bad.yaml');
          writeFileSync(bad, text.replace(/^ {2}platform: (\w+)$/m, '  platform: $1\n  notAField: 1'));
          // The three documents opened at once: the server waits 200 ms before it validates each.
          const [starterDiags, , badDiags] = await Promise.all([open(file, text), open(bareFile, bare.text), open(bad, readFileSync(bad, 'utf8'))]);
          expect(starterDiags).toEqual([]);
          expect(badDiags!.map((d) => d.message).join('\n')).toMatch(/notAField/);

          const labels = await completionLabels(bareFile, bare.line, 2);
          // Every field of this platform's target but the platform itself.
          const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'kspec.schema.json'), 'utf8')) as { definitions: Record<string, { properties?: object }> };
          const props = Object.keys(schema.definitions[`${platform}Target`]?.properties ?? {}).filter((p) => p !== 'platform');
          expect(props.length).toBeGreaterThan(1);
          expect([...new Set(labels.filter((l) => props.includes(l)))].sort(), platform).toEqual(props.sort());
        });
      }
    });
  }
});
