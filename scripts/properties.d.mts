/** Types for scripts/properties.mjs, so the TypeScript tests that import it type-check. */
import type { Arbitrary } from 'fast-check';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import type { TargetModule } from '../src/targets/target.js';
import type { Platform } from '../src/types.js';

type Data = Record<string, any>;

export function loadSchema(root: URL): Record<string, any>;
export function arbitraryFor(schema: Record<string, unknown>, node: unknown, ptr?: string): Arbitrary<unknown>;
export function validSpecFor(schema: Record<string, unknown>, target: Pick<TargetModule<any>, 'platform' | 'providers'>): Arbitrary<Data>;
export function repairCommon(spec: Data, target: TargetModule<any>): Data;
export const REPAIRS: Partial<Record<Platform, (spec: Data) => Data>>;
export function toYaml(data: unknown): string;
/** A valid spec after one or two mutations, as the bytes of a YAML file. */
export function mutatedSpec(valid: Arbitrary<Data>): Arbitrary<Uint8Array>;
export function assertLocated(diagnostics: Diagnostic[]): void;
export function hasErrors(diagnostics: Diagnostic[]): boolean;
