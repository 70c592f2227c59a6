#!/usr/bin/env node
/**
 * The kspec command line. Exit codes: 0 success, 1 diagnostics (errors, or warnings with
 * --strict) or drift, 2 usage or I/O error.
 */
import { Command, CommanderError, Option } from 'commander';
import { runCompile, runSchema, type CommonOptions } from './commands.js';

export const EXIT = { ok: 0, diagnostics: 1, usage: 2 } as const;

const EXIT_HELP = `
Exit codes:
  0  success
  1  errors in a spec (or warnings with --strict), or drift with --check
  2  usage error, or a file that cannot be read or written`;

function formatOption(): Option {
  return new Option('--format <format>', 'how diagnostics are printed').choices(['text', 'json']).default('text');
}

export function buildProgram(): Command {
  const program = new Command('kspec')
    .description('Compile declarative kernel specs (kspec.dev/v1alpha1) into platform build files.')
    .version('0.1.0')
    .showHelpAfterError('(run kspec --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .exitOverride();

  program
    .command('compile')
    .description('compile specs into <out>/<metadata.name>/ (or compare with --check)')
    .argument('<spec-or-dir...>', 'spec files, or folders searched for *.yaml and *.yml')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--check', 'write nothing; print a diff of what would change and exit 1 on drift')
    .option('--strict', 'treat warnings as errors')
    .addOption(formatOption())
    .addHelpText('after', `
Examples:
  kspec compile specs -o out
  kspec compile specs/bootc-cachyos.yaml --check --strict
${EXIT_HELP}`)
    .action(async (inputs: string[], opts: CommonOptions & { out: string; check?: boolean }) => {
      process.exitCode = await runCompile(inputs, { ...opts, mode: opts.check ? 'check' : 'write' });
    });

  program
    .command('validate')
    .description('parse and check specs without rendering or writing anything')
    .argument('<spec-or-dir...>', 'spec files, or folders searched for *.yaml and *.yml')
    .option('--strict', 'treat warnings as errors')
    .addOption(formatOption())
    .addHelpText('after', `
Example:
  kspec validate specs/
${EXIT_HELP}`)
    .action(async (inputs: string[], opts: CommonOptions) => {
      process.exitCode = await runCompile(inputs, { ...opts, out: 'out', mode: 'validate' });
    });

  program
    .command('schema')
    .description('print the JSON Schema of the spec format (for editors and CI)')
    .option('--out <file>', 'write the schema to a file instead of stdout')
    .addHelpText('after', `
Example:
  kspec schema --out kspec.schema.json`)
    .action(async (opts: { out?: string }) => {
      process.exitCode = await runSchema(opts);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`kspec: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.usage;
  }
  return Number(process.exitCode ?? 0);
}

// A promise, not top-level await: the package's bin is a CommonJS bundle of this module
// (scripts/build.mjs), run with V8's code cache, and CommonJS has no top-level await.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
