/**
 * toy: a platform with one setting (a greeting) and one file (hello.txt). It shows what a
 * target is: its capabilities, its checks and diagnostics, its plan, its starter and its
 * schema fragment.
 */
import type { PlannedFile } from '../../types.js';
import { defineTarget } from '../target.js';
import { check } from './checks.js';
import { diagnostics } from './diagnostics.js';
import { starter } from './starter.js';
import { toyView } from './view.js';

export const toy = defineTarget<'toy'>({
  platform: 'toy',
  templates: 'toy',
  diagnostics,
  starter,
  providers: ['oci'],
  signing: false,
  fallbacks: [],
  images: (spec) => [{ ptr: '/target/image', ref: spec.target.image, pulled: false }],
  versionRequired: () => 'hello.txt prints it',
  check,
  plan: (spec): PlannedFile[] => [{ path: 'hello.txt', syntax: 'hash', template: 'toy/hello.txt', data: toyView(spec) }],
});
