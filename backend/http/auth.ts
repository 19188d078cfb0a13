/** Who calls: an account by its bearer token, or the operator by the admin token. */
import type { FastifyRequest } from 'fastify';
import { sameSecret, type Accounts } from '../domain/accounts.js';
import { unauthorized } from '../problem.js';
import type { Authenticator } from './http.js';

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

export function bearerAuthenticator(accounts: Accounts, adminToken: string): Authenticator {
  return {
    async account(request) {
      const token = bearer(request);
      const account = token ? await accounts.authenticate(token) : null;
      if (!account) throw unauthorized();
      request.accountId = account.id;
      return account;
    },
    admin(request) {
      const token = bearer(request);
      if (!token || !sameSecret(token, adminToken)) throw unauthorized();
      request.admin = true;
    },
  };
}
