/**
 * `kspec init`: a commented starter spec per platform. Each starter must validate as is
 * (schema and checks; a test runs `kspec validate` on the starter of every registered
 * target), so users start from something that compiles and change it field by field.
 * The values are the upstream projects' own examples, from the spec format document.
 */
import type { Platform } from './types.js';
import { getTarget, PLATFORMS } from './targets/index.js';

export { PLATFORMS };

/** metadata.name: a DNS-1123 label (the schema's rule), because it names the output folder. */
export const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** yamllint's default line-length; every starter line stays within it (the modeline may not). */
export const MAX_LINE = 80;

/**
 * The layout is the one both prettier's defaults and yamllint's default rules accept
 * (test/format.test.ts runs both): a document start, no flow mappings (prettier writes
 * `{ a: 1 }`, yamllint wants `{a: 1}`), comments on their own lines indented like the
 * content they describe (prettier leaves one space before a trailing comment, yamllint
 * wants two), and lines of at most 80 columns.
 */
function modeline(schema: string): string {
  const line = `# yaml-language-server: $schema=${schema}`;
  // A long schema path cannot be wrapped: tell yamllint this line may exceed 80 columns.
  return line.length > MAX_LINE ? `# yamllint disable-line rule:line-length\n${line}` : line;
}

const COMMON_TOP = (schema: string, name: string, what: string): string => `${modeline(schema)}
# ${what}
# Edit the values below, then check and build:
#   kspec validate <this file> && kspec compile <this file> -o out
# The whole format: kspec.dev/v1alpha1 (kspec schema prints the JSON Schema).
---
apiVersion: kspec.dev/v1alpha1
kind: KernelSpec
metadata:
  # names the output folder: out/<name>/
  name: ${name}
  # description: what this kernel is for
`;

/** The starter spec of a platform: the common header and the body its target folder holds (starter.ts). */
export function starter(platform: Platform, name: string, schema: string): string {
  const b = getTarget(platform)!.starter;
  return COMMON_TOP(schema, name, b.what) + b.body;
}
