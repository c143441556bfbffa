// Kubernetes-shaped errors: every failure leaves the server as a v1 Status object with the real reason and code.
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function resourceLabel(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const errors = {
  notFound: (group: string, plural: string, name: string) =>
    new ApiError(404, 'NotFound', `${resourceLabel(group, plural)} "${name}" not found`, { name, group, kind: plural }),
  alreadyExists: (group: string, plural: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${resourceLabel(group, plural)} "${name}" already exists`, { name, group, kind: plural }),
  conflict: (group: string, plural: string, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resourceLabel(group, plural)} "${name}": ${why}`, {
      name,
      group,
      kind: plural,
    }),
  invalid: (kind: string, group: string, name: string, causes: Array<{ field: string; message: string }>) =>
    new ApiError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
      name,
      group,
      kind,
      causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
    }),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
  unsupportedMedia: (type: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`,
    ),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  internal: (message: string) => new ApiError(500, 'InternalError', message),
};

export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return errors.internal(e instanceof Error ? e.message : String(e));
}
