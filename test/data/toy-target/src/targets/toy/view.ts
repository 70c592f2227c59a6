import type { SpecFor } from '../../types.js';

export interface ToyView {
  greeting: string;
  version: string;
  kernel: string;
}

export function toyView(spec: SpecFor<'toy'>): ToyView {
  return { greeting: spec.target.greeting, version: spec.kernel.version!, kernel: spec.provider.type === 'oci' ? spec.provider.kernel.image : '' };
}
