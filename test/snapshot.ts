/**
 * The working tree as a git repository of its own, one commit: what `git+file://` installs
 * and pre-commit clone in the packaging tests. Made from the tracked and untracked,
 * not ignored files, so uncommitted work is what gets tested.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { git, ROOT, runAsync, tempDir } from './helpers.js';

export { runAsync };

export interface Snapshot {
  dir: string;
  sha: string;
}

export function snapshotRepository(): Snapshot {
  const dir = tempDir('kspec-snapshot-');
  const files = git(ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate').split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    try {
      copyFileSync(from, path.join(dir, f));
    } catch (e) {
      // a file deleted in the working tree but still in the index
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=kspec tests', '-c', 'user.email=tests@kspec.invalid', 'commit', '-q', '-m', 'snapshot');
  return { dir, sha: git(dir, 'rev-parse', 'HEAD').trim() };
}

/**
 * The environment for npm in these tests: the local cache only, never the network
 * (`--offline`: a package missing from the cache is an error, not a download).
 */
export function offlineNpmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
  return {
    ...env,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** runAsync that throws with the output when the command fails. */
export async function mustRun(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
  const r = await runAsync(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
