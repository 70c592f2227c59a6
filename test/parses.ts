/**
 * Every generated file parses in its own language (issue 11, must-have 7): YAML with the
 * yaml parser (every document, strict, unique keys), JSON with JSON.parse, Containerfiles
 * and Dockerfile fragments with dockerfile-ast (every instruction a Dockerfile keyword, a
 * Containerfile starts with FROM after its ARGs), and shell (scripts, dracut .conf, .env)
 * with `bash -n`. bash is batched: files are queued and `flush()` checks all of them in
 * one bash process (`bashSyntaxAll`: each distinct text once per worker), so a property test
 * of hundreds of runs starts a handful of processes.
 */
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { bashSyntaxAll } from './helpers.js';

/** The Dockerfile instructions BuildKit knows (docs.docker.com/reference/dockerfile). */
const DOCKER_KEYWORDS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

export type Language = 'yaml' | 'json' | 'dockerfile' | 'dockerfile-fragment' | 'shell' | 'other';

/** The language of a generated file, by its name. */
export function languageOf(file: string): Language {
  const base = path.posix.basename(file);
  if (/\.ya?ml$/.test(base)) return 'yaml';
  if (base.endsWith('.json')) return 'json';
  if (base === 'Containerfile' || base === 'Dockerfile') return 'dockerfile';
  if (base.startsWith('Dockerfile.') && base.endsWith('.args')) return 'dockerfile-fragment';
  // scripts, and files their tools source as shell: dracut's .conf, os-kernel's .env
  if (base.endsWith('.sh') || (file.startsWith('dracut.conf.d/') && base.endsWith('.conf')) || base === 'build-common.env') return 'shell';
  return 'other';
}

/** Why `content` does not parse as `lang`, or undefined (shell is checked by the batch). */
export function parseProblem(lang: Language, content: string): string | undefined {
  switch (lang) {
    case 'yaml': {
      const docs = parseAllDocuments(content, { strict: true, uniqueKeys: true, prettyErrors: false });
      const list = Array.isArray(docs) ? docs : [docs];
      const errors = list.flatMap((d) => d.errors.map((e) => e.message.split('\n')[0]));
      return errors.length > 0 ? `YAML: ${errors.join('; ')}` : undefined;
    }
    case 'json':
      try {
        JSON.parse(content);
        return undefined;
      } catch (e) {
        return `JSON: ${(e as Error).message}`;
      }
    case 'dockerfile':
    case 'dockerfile-fragment': {
      const df = DockerfileParser.parse(content);
      const ins = df.getInstructions();
      const bad = ins.find((i) => !DOCKER_KEYWORDS.has(i.getKeyword()));
      if (bad) return `Dockerfile: '${bad.getKeyword()}' is not an instruction (line ${bad.getRange().start.line + 1})`;
      if (lang === 'dockerfile') {
        const first = ins.find((i) => i.getKeyword() !== 'ARG');
        if (first?.getKeyword() !== 'FROM') return 'Dockerfile: the first instruction after the ARGs is not FROM';
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Checks generated files; shell files wait for `flush()`. Problems are strings naming the file and the label. */
export class ParseChecker {
  private shell: Array<{ what: string; content: string }> = [];
  readonly problems: string[] = [];

  check(files: ReadonlyArray<{ path: string; content: string }>, label: string): void {
    for (const f of files) {
      const lang = languageOf(f.path);
      if (lang === 'shell') this.shell.push({ what: `${f.path} (${label})`, content: f.content });
      else {
        const p = parseProblem(lang, f.content);
        if (p) this.problems.push(`${f.path}: ${p} (${label})`);
      }
    }
  }

  /** `bash -n` on every queued file in one bash process (bashSyntaxAll); returns all problems so far. */
  flush(): string[] {
    if (this.shell.length > 0) {
      const errors = bashSyntaxAll(this.shell.map((s, i) => [String(i), s.content] as const));
      for (const [i, error] of errors) if (error !== '') this.problems.push(`${this.shell[Number(i)]!.what}: bash -n fails`);
      this.shell = [];
    }
    return this.problems;
  }
}
