// The sidecar's inbound, outbound and admin listeners share the workload's network namespace with
// the application: two of them on one port cannot all start (MC3027). So does the local listener the
// sidecar opens for each tcp service the workload calls, on that service's port (DESIGN §8): two
// called on one port, or one on the application's or a sidecar listener's port, cannot all bind.
import type { SourceLocation } from '../../diagnostics.js';
import type { Check, CheckContext } from '../check-context.js';
import { makeDiagnostic, relatedAt } from '../report.js';
import { MESH_SCHEMA } from '../schema.js';

const SIDECAR = MESH_SCHEMA.$defs.MeshSpec.properties.sidecar.properties;

export const checkSidecarPorts: Check = (ctx) => {
  const mesh = ctx.mesh;
  if (!mesh) return;
  const set = mesh.doc.spec.sidecar ?? {};
  const listeners = (['inbound', 'outbound', 'admin'] as const).map((name) => ({
    name: `sidecar ${name}`,
    port: set[name] ?? SIDECAR[name].default,
    // Located only when a diagnostic needs it: locating reparses the mesh file.
    at: set[name] !== undefined ? () => mesh.source.locate(`/spec/sidecar/${name}`) : undefined,
  }));
  const byPort = new Map<number, { name: string; at: (() => SourceLocation) | undefined }>();
  for (const l of listeners) {
    const other = byPort.get(l.port);
    if (!other) {
      byPort.set(l.port, l);
      continue;
    }
    // Point at a port the user wrote; the other one, when also written, is the related place.
    const [here, there] = l.at ? [l, other] : [other, l];
    ctx.add(
      makeDiagnostic(
        'MC3027',
        here.at?.() ?? mesh.source.locate('/spec/sidecar'),
        `${l.name} and ${other.name} both use port ${l.port}`,
        {
          hint: 'give each sidecar listener its own port',
          related: there.at ? [relatedAt(there.at(), `${there.name} set here`)] : undefined,
        },
      ),
    );
  }
  for (const svc of ctx.services) {
    const other = byPort.get(svc.doc.spec.port);
    if (!other) continue;
    ctx.add(
      makeDiagnostic(
        'MC3027',
        svc.source.locate('/spec/port'),
        `service \`${svc.doc.metadata.name}\` listens on port ${svc.doc.spec.port}, the ${other.name} port`,
        {
          hint: 'the application and its sidecar share one network namespace: move the application or the sidecar listener',
          related: [
            relatedAt(
              other.at?.() ?? mesh.source.locate('/spec'),
              `${other.name} port${other.at ? '' : ' (default)'}`,
            ),
          ],
        },
      ),
    );
  }
  checkTcpCallPorts(ctx, listeners);
};

/** Each service's tcp callees: their local listeners against each other, the app and the sidecar's. */
function checkTcpCallPorts(ctx: CheckContext, sidecar: readonly { name: string; port: number }[]): void {
  for (const svc of ctx.services) {
    const calls = svc.doc.spec.calls ?? [];
    const name = svc.doc.metadata.name;
    let taken: Map<number, string> | undefined;
    calls.forEach((callee, i) => {
      const target = ctx.serviceByName.get(callee)?.doc.spec;
      if (target?.protocol !== 'tcp') return;
      taken ??= new Map([
        [svc.doc.spec.port, `the port of \`${name}\`'s own application`],
        ...sidecar.map((l) => [l.port, `the ${l.name} port`] as const),
      ]);
      const other = taken.get(target.port);
      if (other === undefined) {
        taken.set(target.port, `tcp service \`${callee}\`'s port, which \`${name}\` also calls`);
        return;
      }
      ctx.add(
        makeDiagnostic(
          'MC3027',
          svc.source.locate(`/spec/calls/${i}`),
          `\`${name}\` calls tcp service \`${callee}\` on port ${target.port}, ${other}: its local listener cannot bind it`,
          {
            hint: 'each called tcp service is reached on a local port of its own number: give the tcp service another port',
          },
        ),
      );
    });
  }
}
