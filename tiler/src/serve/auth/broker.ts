import type { BrokerAccess } from '../../feeds/ingest/mqtt-embedded.js';
import { type TokenStore, tokenAllows } from './tokens.js';

/**
 * The embedded MQTT broker's access rules from the ingest tokens: CONNECT with user name = the
 * source and password = its token; PUBLISH and SUBSCRIBE only inside the token's topics. With no
 * token configured the broker is open (development), as HTTP ingest is.
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
  };
}
