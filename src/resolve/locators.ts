/** The image locators of k8s_kind() and k8s_image_json_path(), compiled, with errors pointing at the call. */
import { DevloopError } from '../model/errors.js';
import { compileLocator, type ImageLocator, type LocatorSpec } from '../model/locator.js';
import type { Loc, Plan } from '../config/spec.js';

function compileAt(spec: LocatorSpec, loc: Loc, fn: string): ImageLocator {
  try {
    return compileLocator(spec);
  } catch (e) {
    if (e instanceof DevloopError) throw new DevloopError(e.code, `${fn}: ${e.message}`, { location: loc, hint: e.hint });
    throw e;
  }
}

export function locatorsOf(plan: Plan): ImageLocator[] {
  const out: ImageLocator[] = [];
  for (const k of plan.k8sKinds) {
    if (k.imageJsonPath.length === 0 && !k.imageObject) continue;
    out.push(
      compileAt(
        {
          kind: escape(k.kind),
          apiVersion: k.apiVersion === undefined ? undefined : escape(k.apiVersion),
          jsonPaths: k.imageJsonPath,
          imageObject: k.imageObject && { jsonPath: k.imageObject.json_path, repoField: k.imageObject.repo_field, tagField: k.imageObject.tag_field },
        },
        k.loc,
        'k8s_kind',
      ),
    );
  }
  for (const p of plan.imageJsonPaths) {
    out.push(compileAt({ jsonPaths: p.paths, apiVersion: p.apiVersion, kind: p.kind, name: p.name, namespace: p.namespace }, p.loc, 'k8s_image_json_path'));
  }
  return out;
}

/** k8s_kind takes a kind name, not a pattern. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
