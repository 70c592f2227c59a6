/**
 * The kspec command line: `main(argv)` parses and runs one command and resolves to its exit
 * code; src/bin.ts is the process entry that calls it (tests call `main` in-process,
 * test/cli-run.ts). Exit codes: 0 success, 1 diagnostics (errors, or warnings with
 * --strict) or drift, 2 usage or I/O error.
 */
import { Command, CommanderError, Option } from 'commander';
import { runCompile, runSchema, type CommonOptions } from './commands.js';
import { PLATFORMS } from './targets/index.js';

export const EXIT = { ok: 0, diagnostics: 1, usage: 2 } as const;

const EXIT_HELP = `
Exit codes:
  0  success
  1  errors in a spec (or warnings with --strict), or drift with --check
  2  usage error, or a file that cannot be read or written`;

/** --exclude (repeatable): gitignore patterns left out of the folder search (src/discover.ts). */
function excludeOption(): Option {
  return new Option('--exclude <pattern>', 'leave matching files and folders out of the search (gitignore syntax, relative to the working folder; repeatable; .kspecignore at the repository root is read too)')
    .argParser((v: string, all: string[] | undefined) => [...(all ?? []), v]);
}

function verboseOption(): Option {
  return new Option('--verbose', 'list on stderr the files and folders the search skipped, and why');
}

function formatOption(extra: string[] = []): Option {
  return new Option('--format <format>', 'how diagnostics are printed (sarif: a SARIF 2.1.0 log on stdout)').choices(['text', 'json', 'github', 'sarif', ...extra]).default('text');
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
    .argument('<spec-or-dir...>', 'spec files, folders searched for specs (*.yaml, *.yml with kind: KernelSpec), or - for one spec on stdin')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--check', 'write nothing; print a diff of what would change and exit 1 on drift')
    .option('--strict', 'treat warnings as errors')
    .addOption(excludeOption())
    .addOption(verboseOption())
    .option('-q, --quiet', 'print only diagnostics and drift: no progress, status lines or closing summary')
    .addOption(formatOption())
    .addHelpText('after', `
Examples:
  kspec compile specs -o out
  kspec compile specs/bootc-cachyos.yaml --check --strict
  generate-spec | kspec compile - -o out
${EXIT_HELP}`)
    .action(async (inputs: string[], opts: CommonOptions & { out: string; check?: boolean }) => {
      process.exitCode = await runCompile(inputs, { ...opts, mode: opts.check ? 'check' : 'write', tuneGc: true });
    });

  program
    .command('validate')
    .description('parse and check specs without rendering or writing anything')
    .argument('<spec-or-dir...>', 'spec files, folders searched for specs (*.yaml, *.yml with kind: KernelSpec), or - for one spec on stdin')
    .option('--strict', 'treat warnings as errors')
    .addOption(excludeOption())
    .addOption(verboseOption())
    .option('-q, --quiet', 'print only diagnostics and drift: no progress, status lines or closing summary')
    .addOption(formatOption())
    .addHelpText('after', `
Example:
  kspec validate specs/
${EXIT_HELP}`)
    .action(async (inputs: string[], opts: CommonOptions) => {
      process.exitCode = await runCompile(inputs, { ...opts, out: 'out', mode: 'validate', tuneGc: true });
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

  program
    .command('diff')
    .description('compile the specs now and at a git ref, and print the changes to the generated files')
    .argument('[spec-or-dir...]', 'spec files or folders (default: the current folder)')
    .option('--base <ref>', 'the git ref to compare with', 'HEAD')
    .option('-o, --out <dir>', 'output folder named in the paths and headers', 'out')
    .addOption(excludeOption())
    .addOption(verboseOption())
    .addOption(formatOption(['markdown']))
    .addHelpText('after', `
Examples:
  kspec diff specs                       # working tree against HEAD
  kspec diff --base origin/main specs    # what this branch changes

Exit codes:
  0  no changes
  1  changes
  2  errors in a spec (either side), or a usage error`)
    .action(async (inputs: string[], opts: import('./commands/diff.js').DiffOptions) => {
      const { runDiff } = await import('./commands/diff.js');
      process.exitCode = await runDiff(inputs, opts);
    });

  program
    .command('explain')
    .description('show which spec fields (file, line, JSON path) produced a line of a generated file')
    .argument('<generated-file:line>', 'a file under the output folder and a 1-based line number')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', `
Example:
  kspec explain out/margine-cachyos/install.sh:120`)
    .action(async (where: string, opts: { format: 'text' | 'json' }) => {
      const { runExplain } = await import('./explain.js');
      process.exitCode = await runExplain(where, opts);
    });

  program
    .command('outdated')
    .description('check what specs pin against upstream: COPR build age, newer image tags on the same version line')
    .argument('[spec-or-dir...]', 'spec files or folders (default: the current folder)')
    .option('--strict', 'treat warnings (newer tags) as errors')
    .option('--copr-url <url>', 'COPR base URL (env KSPEC_COPR_URL)', undefined)
    .option('--registry-url <url>', 'one base URL for every registry, e.g. a mirror (env KSPEC_REGISTRY_URL)')
    .option('--timeout <seconds>', 'time allowed for each request', '15')
    .addOption(formatOption())
    .addHelpText('after', `
Examples:
  kspec outdated specs
  kspec outdated specs --format github     # in a scheduled workflow

Exit codes:
  0  everything current (newer tags are warnings)
  1  a COPR build older than provider.staleAfterDays, or none; errors in a spec; warnings with --strict
  2  usage error, or a request that failed (network, timeout, HTTP error)`)
    .action(async (inputs: string[], opts: import('./commands/outdated.js').OutdatedOptions) => {
      const { runOutdated } = await import('./commands/outdated.js');
      process.exitCode = await runOutdated(inputs, opts);
    });

  program
    .command('workflow')
    .description('write one GitHub Actions workflow that builds, verifies, boot-tests and promotes what the specs compile to')
    .argument('<spec-or-dir...>', 'spec files or folders searched for specs, as for compile')
    .requiredOption('-o, --output <file>', 'the workflow file, e.g. .github/workflows/kspec.yml (- for stdout)')
    .option('--out-dir <dir>', 'the committed output folder of kspec compile', 'out')
    .option('--branch <name>', 'the branch whose pushes publish and promote', 'main')
    .option('--cron <schedule>', 'when the kspec outdated job runs (five cron fields, UTC)', '17 5 * * *')
    .option('--check', 'write nothing; print a diff and exit 1 when the file differs')
    .option('--strict', 'treat warnings as errors')
    .addOption(new Option('--format <format>', 'how diagnostics are printed').choices(['text', 'github']).default('text'))
    .addHelpText('after', `
Examples:
  kspec workflow specs -o .github/workflows/kspec.yml
  kspec workflow specs -o .github/workflows/kspec.yml --check

Exit codes:
  0  written, or up to date with --check
  1  errors in a spec (or warnings with --strict), or the file differs with --check
  2  usage error, or a file that cannot be read or written`)
    .action(async (inputs: string[], opts: import('./commands/workflow.js').WorkflowCommandOptions) => {
      const { runWorkflow } = await import('./commands/workflow.js');
      process.exitCode = await runWorkflow(inputs, opts);
    });

  program
    .command('init')
    .description('write a commented starter spec for a platform that validates as is')
    .addOption(new Option('--platform <platform>', 'target platform').choices([...PLATFORMS]).makeOptionMandatory())
    .option('--name <name>', 'metadata.name (default: my-<platform>)')
    .option('-o, --out <file>', 'where to write (default: <name>.yaml; - for stdout)')
    .option('--schema <path-or-url>', 'schema for the yaml-language-server modeline (default: the installed schema)')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', `
Example:
  kspec init --platform bootc --name my-kernel -o specs/my-kernel.yaml`)
    .action(async (opts: import('./commands/init.js').InitOptions) => {
      const { runInit } = await import('./commands/init.js');
      process.exitCode = await runInit(opts);
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
