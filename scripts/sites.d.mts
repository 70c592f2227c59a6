/** Types for scripts/sites.mjs. */
import type { Arbitrary } from 'fast-check';

export interface StringSite {
  label: string;
  segs: string[];
  nodes: unknown[];
  node: { pattern?: string; maxLength?: number } & Record<string, unknown>;
  variant: { platform?: string; provider?: string };
  valueNode?: unknown;
  applies(data: unknown): boolean;
}
export function stringSites(schema: Record<string, unknown>): StringSite[];
export function setAtSite(schema: Record<string, unknown>, data: Record<string, any>, site: StringSite, value: string): Record<string, any>;
export function hostileString(schema: Record<string, unknown>, site: StringSite): Arbitrary<string>;
export function validString(schema: Record<string, unknown>, site: StringSite): Arbitrary<string>;
