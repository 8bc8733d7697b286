import type { BrokerAccess } from '../../feeds/ingest/mqtt-embedded.js';
import { type TokenStore, tokenAllows, tokenReadRole } from './tokens.js';

/**
 * The embedded MQTT broker's access rules from the ingest tokens: CONNECT with user name = the
 * source and password = its token; PUBLISH and SUBSCRIBE only inside the token's topics; what a
 * subscription receives bounded by the token's read role (`public` unless `bdtwin tokens add
 * --read` said otherwise). With no token configured the broker is open for writing
 * (development), as HTTP ingest is, and every client reads as `public`.
 */
export function brokerAccessOf(tokens: TokenStore): BrokerAccess {
  let lastReload = Date.now();
  const fresh = async () => {
    if (Date.now() - lastReload < 2_000) return;
    lastReload = Date.now();
    await tokens.reload().catch(() => {});
  };
  return {
    open: () => tokens.empty,
    authenticate: async (username, password) => {
      await fresh();
      if (tokens.empty) return 'anonymous';
      return tokens.verifySource(username, password)?.source;
    },
    mayUse: (source, topic) => {
      if (tokens.empty) return true;
      const token = tokens.list().find((t) => t.source === source);
      return token !== undefined && tokenAllows(token, topic);
    },
    readRole: (source) => {
      if (tokens.empty) return 'public';
      const token = tokens.list().find((t) => t.source === source);
      return token ? tokenReadRole(token) : undefined;
    },
  };
}
