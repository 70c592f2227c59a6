import { D } from '../../diagnostics/catalogue.js';
import type { SpecFor } from '../../types.js';
import type { CheckContext } from '../target.js';

/** A toy rule: the greeting may not shout (a target's own check, reported at its line). */
export function check(spec: SpecFor<'toy'>, ctx: CheckContext): void {
  if (spec.target.greeting === 'hey') ctx.report.report(D.FieldIgnored, '/target/greeting', { field: 'target.greeting', platform: 'toy', why: "'hey' is rude" });
}
