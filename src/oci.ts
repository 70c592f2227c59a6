/**
 * OCI image references, by the grammar of distribution/reference:
 *   [domain[:port]/]path[:tag][@digest]
 */

export interface OciReference {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

const DOMAIN = /^(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** The reference without tag or digest: `[domain/]path`. */
export const repositoryOf = (r: OciReference): string => (r.domain ? `${r.domain}/` : '') + r.path;

/** Parses a reference, or returns the reason it is not one. */
export function parseOciReference(ref: string): OciReference | { error: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: `digest '${digest}' is not algorithm:hex` };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { error: `tag '${tag}' may hold only letters, digits, '_', '.' and '-' (at most 128)` };
    // Valid for a registry, but kspec writes references as bare words into scripts and
    // Containerfiles, where '..' is refused as a path step (src/quote.ts token).
    if (tag.includes('..')) return { error: `tag '${tag}' holds '..', which kspec does not write into scripts and Containerfiles; rename the tag` };
  }
  const parts = rest.split('/');
  let domain: string | undefined;
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) return { error: `registry '${domain}' is not a host name` };
  }
  if (parts.length === 0 || parts.some((p) => p === '')) return { error: 'the repository path is empty' };
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      return { error: /[A-Z]/.test(p) ? `repository names are lower-case ('${p}')` : `'${p}' is not a repository path component` };
    }
  }
  const path = parts.join('/');
  if ((domain ? domain.length + 1 : 0) + path.length > 255) return { error: 'the name is longer than 255 characters' };
  return { ...(domain ? { domain } : {}), path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
