/**
 * liquidmetal's normalized settings: the template's defaults set, each role sized like the template unless it says otherwise.
 * The type joins the pipeline's through NormalizedTargets (src/types.ts), so SpecFor<'liquidmetal'>
 * sees it; the function is the module's `normalize` (src/normalize.ts calls it).
 */
import type * as Input from '../../generated/spec-input.js';
import { SCHEMA_DEFAULTS } from '../../generated/spec-defaults.js';
import type { Defaulted } from '../../types.js';

type LiquidmetalTemplateInput = Input.LiquidmetalTarget['template'];

/** A role of target.template.roles after normalization: sizes default to the template's. */
export type LiquidmetalRole = Defaulted<NonNullable<LiquidmetalTemplateInput['roles']>['controlPlane'], 'vcpu' | 'memoryMb'>;

export type LiquidmetalTarget = Omit<Input.LiquidmetalTarget, 'template'> & {
  template: Defaulted<Omit<LiquidmetalTemplateInput, 'networkInterfaces' | 'roles' | 'sshPublicKeys'>, 'namespace' | 'vcpu' | 'memoryMb'> & {
    networkInterfaces: Array<Defaulted<NonNullable<LiquidmetalTemplateInput['networkInterfaces']>[number], 'type'>>;
    sshPublicKeys?: Array<{ user: string; authorizedKeys: string[] }>;
    roles?: { controlPlane: LiquidmetalRole; workers: LiquidmetalRole };
  };
};

declare module '../../types.js' {
  interface NormalizedTargets {
    liquidmetal: LiquidmetalTarget;
  }
}

type Obj = Record<string, any>;

export function normalizeTarget(t: Obj): LiquidmetalTarget {
  const d = SCHEMA_DEFAULTS.liquidmetalTarget.template;
  const vcpu: number = t.template.vcpu ?? d.vcpu;
  const memoryMb: number = t.template.memoryMb ?? d.memoryMb;
  const role = (r: Obj): LiquidmetalRole => ({
    vcpu: r.vcpu ?? vcpu,
    memoryMb: r.memoryMb ?? memoryMb,
    ...(r.replicas !== undefined ? { replicas: r.replicas } : {}),
  });
  return {
    platform: 'liquidmetal',
    ...(t.provider ? { provider: t.provider } : {}),
    capmvm: t.capmvm,
    rootImage: t.rootImage,
    template: {
      name: t.template.name,
      namespace: t.template.namespace ?? d.namespace,
      vcpu,
      memoryMb,
      networkInterfaces: (t.template.networkInterfaces ?? d.networkInterfaces).map((n: Obj) => ({
        guestDeviceName: n.guestDeviceName,
        type: n.type ?? d['networkInterfaces[]'].type,
      })),
      ...(t.template.labels ? { labels: { ...t.template.labels } } : {}),
      ...(t.template.sshPublicKeys
        ? { sshPublicKeys: t.template.sshPublicKeys.map((k: Obj) => ({ user: k.user, authorizedKeys: [...k.authorizedKeys] })) }
        : {}),
      ...(t.template.roles ? { roles: { controlPlane: role(t.template.roles.controlPlane), workers: role(t.template.roles.workers) } } : {}),
    },
  };
}
