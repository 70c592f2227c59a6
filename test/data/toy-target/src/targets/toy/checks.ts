import type { SpecFor } from '../../types.js';
import type { CheckContext } from '../target.js';
import { TOY } from './diagnostics.js';

/** A toy rule: the greeting must be polite (its own diagnostic, reported at its line). */
export function check(spec: SpecFor<'toy'>, ctx: CheckContext): void {
  if (spec.target.greeting === 'hey') ctx.report.report(TOY.ToyRudeGreeting, '/target/greeting', { greeting: spec.target.greeting });
}
