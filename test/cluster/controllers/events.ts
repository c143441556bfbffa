// core/v1 Events about pods and workloads (Scheduled, Pulled, Started, BackOff, SuccessfulCreate ...),
// counted up when the same thing happens again, as `kubectl describe` and `kubectl get events` show them.
import { randomBytes } from 'node:crypto';
import type { Objects } from '../api/objects.js';
import type { ResourceType } from '../api/resources.js';
import { now, type KubeObject } from '../api/types.js';

export class EventRecorder {
  constructor(
    private objects: Objects,
    private events: ResourceType,
  ) {}

  record(about: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component = 'kubelet'): void {
    const ns = about.metadata.namespace ?? 'default';
    try {
      const same = this.objects
        .list(this.events, ns, { fieldSelector: `involvedObject.uid=${about.metadata.uid},reason=${reason}` })
        .find((e) => e.message === message);
      if (same) {
        this.objects.update(this.events, ns, same.metadata.name!, { ...same, count: (same.count ?? 1) + 1, lastTimestamp: now() }, { manager: component });
        return;
      }
      const ts = now();
      this.objects.create(
        this.events,
        ns,
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${about.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
          involvedObject: {
            apiVersion: about.apiVersion,
            kind: about.kind,
            name: about.metadata.name,
            namespace: about.metadata.namespace,
            uid: about.metadata.uid,
          },
          reason,
          message,
          type,
          source: { component },
          reportingComponent: component,
          firstTimestamp: ts,
          lastTimestamp: ts,
          count: 1,
        },
        { manager: component },
      );
    } catch {
      // the namespace is going away: nobody will read this event
    }
  }
}
