/**
 * bootc's repair for the property tests and `npm run fuzz` (scripts/properties.mjs loads
 * it): turns a schema-valid spec into one bootc's own checks (src/targets/bootc/) accept,
 * so the property "compiles without errors" can be asked of bootc.
 */

const RESERVED_BOOTC_LABELS = ['containers.bootc', 'ostree.linux'];

export function repair(s) {
  const ini = s.initramfs;
  if (ini) {
    ini.hostonly = false;
    if (ini.omit) ini.omit = ini.omit.filter((m) => m !== 'ostree' && !(ini.add ?? []).includes(m));
  }
  for (const m of s.modules ?? []) {
    // KS4015: a module is built from a package or installed from an image.
    if (m.package === undefined && m.image === undefined) m.package = `akmod-${m.name}`;
    const ok = m.repo === undefined || m.repo === 'rpmfusion-free' || m.repo === 'rpmfusion-nonfree' || m.repo.includes('/') || m.repo === s.provider.extraRepo?.name;
    if (!ok) m.repo = 'rpmfusion-free';
  }
  const p = s.provider;
  if (p.type === 'copr' || p.type === 'repo') {
    if (s.kernel.package === undefined && s.kernel.version === undefined) s.kernel.package = p.packages[0] ?? 'kernel-x';
    if (s.kernel.package !== undefined && !p.packages.includes(s.kernel.package)) p.packages.push(s.kernel.package);
    if ((s.modules?.some((m) => m.image === undefined) || s.signing?.modules !== false && s.signing) && !p.packages.some((x) => /-devel(-matched)?$/.test(x))) {
      p.packages.push(`${s.kernel.package ?? p.packages[0] ?? 'kernel'}-devel-matched`);
    }
  }
  if (s.signing && p.type === 'stock') s.signing.modules = false;
  // KS3025/KS3026: a package comes from a COPR, provider.extraRepo or the base; KS3027.
  for (const x of s.packages ?? []) {
    if (x.repo !== undefined && (x.copr !== undefined || x.repo !== p.extraRepo?.name)) delete x.repo;
  }
  // Dropping a repo can leave two equal items (KS2010, uniqueItems): keep the first.
  if (s.packages) s.packages = s.packages.filter((x, i, all) => all.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i);
  if (s.services?.enable && s.services?.disable) s.services.disable = s.services.disable.filter((u) => !s.services.enable.includes(u));
  // KS4013: a release suffixed with an arch must name one of kernel.arch.
  const arches = (s.kernel.arch ?? ['x86_64']).map((a) => ({ amd64: 'x86_64', arm64: 'aarch64' })[a] ?? a);
  const suffix = /\.(x86_64|aarch64)$/.exec(s.kernel.version ?? '')?.[1];
  if (suffix && !arches.includes(suffix)) s.kernel.version = s.kernel.version.replace(/\.(x86_64|aarch64)$/, `.${arches[0]}`);
  for (const l of RESERVED_BOOTC_LABELS) if (s.metadata.labels) delete s.metadata.labels[l];
  // KS3035 (src/check.ts): no installed package may contain a validation.outOfPolicy word
  // (nvidia, zfs, virtualbox by default).
  const installed = [...(p.packages ?? []), ...(s.modules ?? []).map((m) => m.package ?? `kmod-${m.name}`)].map((x) => x.toLowerCase());
  const words = s.validation?.outOfPolicy ?? ['nvidia', 'zfs', 'virtualbox'];
  const kept = words.filter((w) => !installed.some((x) => x.includes(w)));
  if (kept.length !== words.length) s.validation = { ...(s.validation ?? {}), outOfPolicy: kept };
  return s;
}

