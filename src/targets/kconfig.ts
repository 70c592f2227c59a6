/**
 * The one rule for "does a kernel .config satisfy a wanted option value", shared by every
 * target that checks one: krata's checks (KS7001, KS7002) call satisfies(); the build-time
 * scripts (bootc install.sh and kairos build-kernel.sh for kernel.config, krata package.sh,
 * install-host.sh and check.sh for the required fragment) carry `config_unmet`
 * (templates/_partials/config-unmet.hbs) with the same table rendered from a view's
 * `configRules`. test/kconfig-agree.test.ts holds the shell and satisfies()
 * equal on a matrix of values, for each script that carries the function.
 */

/**
 * What meets a wanted value besides the value itself (quotes aside), as `have` reads in a
 * .config: `=m` is met by `=y` (built in is loaded too), `=n` by an option that is not set.
 * Kconfig writes a disabled bool or tristate as `# CONFIG_X is not set`, never `=n`, and
 * leaves out an option whose dependencies are off: linux-kernel-oci's own fragments say
 * "disabled" that way (edera-dev/linux-kernel-oci configs/x86_64/zone.config at
 * 41532373003e430706d9ed7dc8e71a6f731cc25c). `''` is "not set or absent".
 */
export const ALSO_MEETS: ReadonlyArray<{ want: string; have: string }> = [
  { want: 'm', have: 'y' },
  { want: 'n', have: '' },
];

/** A value without one pair of surrounding double quotes (Kconfig quotes strings). */
const unquote = (v: string): string => v.replace(/^"(.*)"$/s, '$1');

/**
 * Whether a .config value satisfies a wanted one: the same value (quotes aside), or one
 * that ALSO_MEETS allows. `undefined` is "is not set" (or absent).
 */
export function satisfies(wanted: string, actual: string | undefined): boolean {
  const want = unquote(wanted);
  const have = actual === undefined ? '' : unquote(actual);
  return have === want || ALSO_MEETS.some((r) => r.want === want && r.have === have);
}

/** The table as a view carries it, for the config-unmet partial. */
export const configRules = (): Array<{ want: string; have: string }> => ALSO_MEETS.map((r) => ({ ...r }));
