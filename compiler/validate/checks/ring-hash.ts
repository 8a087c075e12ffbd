// ring-hash needs something to hash: without `hashOn.header` there is no stickiness to keep (MC3019).
// Conversely `hashOn` under another policy is ignored, which usually means the policy was forgotten
// (MC3025, a warning). The policy and hashOn are inherited from the mesh defaults field by field.
import type { Check } from '../check-context.js';
import { BUILTIN } from '../effective.js';
import { makeDiagnostic, relatedAt } from '../report.js';

const HINT = 'add hashOn: { header: x-user } (the request header whose value picks the endpoint)';

export const checkRingHash: Check = (ctx) => {
  const meshLb = ctx.mesh?.doc.spec.defaults?.loadBalancer;
  if (ctx.mesh && meshLb?.policy === 'ring-hash' && !meshLb.hashOn) {
    ctx.add(
      makeDiagnostic(
        'MC3019',
        ctx.mesh.source.locate('/spec/defaults/loadBalancer/policy'),
        'mesh defaults: loadBalancer policy ring-hash has no hashOn',
        { hint: HINT },
      ),
    );
  }
  for (const svc of ctx.services) {
    const lb = svc.doc.spec.loadBalancer;
    const policy = lb?.policy ?? meshLb?.policy;
    const hashOn = lb?.hashOn ?? meshLb?.hashOn;
    const name = svc.doc.metadata.name;
    if (policy === 'ring-hash' && !hashOn && lb?.policy === 'ring-hash') {
      ctx.add(
        makeDiagnostic(
          'MC3019',
          svc.source.locate('/spec/loadBalancer/policy'),
          `service \`${name}\`: loadBalancer policy ring-hash has no hashOn`,
          { hint: HINT },
        ),
      );
    }
    if (lb?.hashOn && policy !== 'ring-hash') {
      const policyAt = lb.policy
        ? svc.source.locate('/spec/loadBalancer/policy')
        : meshLb?.policy && ctx.mesh
          ? ctx.mesh.source.locate('/spec/defaults/loadBalancer/policy')
          : undefined;
      ctx.add(
        makeDiagnostic(
          'MC3025',
          svc.source.locate('/spec/loadBalancer/hashOn'),
          `service \`${name}\`: hashOn is ignored, because the loadBalancer policy is ${policy ?? `${BUILTIN.loadBalancerPolicy} (the default)`}, not ring-hash`,
          {
            hint: 'set policy: ring-hash, or remove hashOn',
            related: policyAt ? [relatedAt(policyAt, 'policy set here')] : undefined,
          },
        ),
      );
    }
  }
};
