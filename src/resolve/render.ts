/**
 * Manifests rendered with image refs: `ci --dry-run` renders with the refs it expects the builds to produce; the
 * engine renders again at apply time with the refs that were actually built and pushed (or that a custom_build
 * wrote to outputs_image_ref_to), so an object never names an image that does not exist.
 */
import { DevloopError } from '../model/errors.js';
import { injectImages, type InjectTarget, type Injection } from '../model/inject.js';
import type { ImageLocator } from '../model/locator.js';
import type { K8sObject, SourcedObject } from './manifests.js';
import { objectName } from './manifests.js';
import type { LiveUpdateStep } from '../config/spec.js';
import { restartWrapping } from './restart-wrap.js';

export interface RenderImage {
  id: string;
  selector: InjectTarget['selector'];
  spec: { entrypoint?: readonly string[]; containerArgs?: readonly string[]; matchInEnvVars?: boolean; liveUpdate?: readonly LiveUpdateStep[] };
}

export interface Rendered {
  object: K8sObject;
  /** Ids of the images injected into it, in order of first appearance. */
  images: string[];
  injections: (Injection & { object: string })[];
}

/** Injects `refOf(id)` for every image found in the object (the rendered object is a copy). */
export function renderObject(so: SourcedObject, images: readonly RenderImage[], refOf: (id: string) => string, locators: readonly ImageLocator[]): Rendered {
  const targets: InjectTarget[] = images.map((img) => ({
    id: img.id,
    selector: img.selector,
    clusterRef: refOf(img.id),
    entrypoint: img.spec.entrypoint,
    containerArgs: img.spec.containerArgs,
    matchInEnvVars: img.spec.matchInEnvVars,
    ...restartWrapping(img),
  }));
  let res: ReturnType<typeof injectImages>;
  try {
    res = injectImages(so.object, targets, { locators });
  } catch (e) {
    if (e instanceof DevloopError && !e.location) e.location = so.loc;
    throw e;
  }
  const ids: string[] = [];
  for (const inj of res.injections) if (!ids.includes(inj.targetId)) ids.push(inj.targetId);
  return { object: res.object as K8sObject, images: ids, injections: res.injections.map((i) => ({ ...i, object: objectName(so.object) })) };
}
