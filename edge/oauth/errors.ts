/** An OAuth error answer (RFC 6749 §5.2): `{error, error_description}`, which OAuth clients parse. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
  body() {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidRequest = (d: string) => new OAuthError(400, 'invalid_request', d);
export const invalidGrant = (d: string) => new OAuthError(400, 'invalid_grant', d);
export const invalidClient = (d: string) => new OAuthError(401, 'invalid_client', d);
