// When a LINK SESSION_FINISHED may act on an Item. It carries no item_id, only the link token it was created for,
// so a copy replayed, one for an older token, one arriving after the Item broke again, or one from another
// environment would otherwise set the Item `healthy` on the strength of a session that repaired nothing now.

/** A SESSION_FINISHED as the rules read it. */
export interface FinishedSession {
  linkToken: string;
  /** `SUCCESS` or `EXITED`, upper case. */
  status: string;
  /** The payload's `environment`, as sent. */
  environment: unknown;
}

/** The state of the Item's newest link token the rules look at (fields of ItemRecord). */
export interface LinkTokenState {
  link_token: string | null;
  link_token_expiration: string | null;
  /** How the token's last applied session ended (SUCCESS, EXITED); null while none was. */
  link_session_status?: string | null;
}

/**
 * The environment a session must come from: the config node's when it names a Plaid environment; else (`custom`, an
 * emulator or a proxy, or no config node) the one Plaid writes into the token itself (`link-sandbox-…`).
 */
export function expectedEnvironment(configEnvironment: string | undefined, linkToken: string): string | undefined {
  if (configEnvironment === 'sandbox' || configEnvironment === 'production') return configEnvironment;
  return /^link-(sandbox|production)-/.exec(linkToken)?.[1];
}

/**
 * Why the session must not act, or undefined when it may: it acts only for the Item's newest link token, until a
 * session of it succeeded (a token is finished by SUCCESS; after an EXITED session the user may open the same link
 * again and succeed, while a second EXITED changes nothing), before the token expired (`at`: when it finished), and
 * from the environment the config node is for.
 */
export function sessionRefusal(token: LinkTokenState, session: FinishedSession, configEnvironment: string | undefined, at: string): string | undefined {
  if (token.link_token !== session.linkToken) return 'not the newest link token of the Item';
  if (token.link_session_status === 'SUCCESS') return 'the link token already finished';
  if (token.link_session_status === session.status) return `a session of the link token already ended ${session.status}`;
  if (token.link_token_expiration && Date.parse(at) > Date.parse(token.link_token_expiration)) return 'the link token had expired';
  const expected = expectedEnvironment(configEnvironment, session.linkToken);
  if (expected !== undefined && session.environment !== expected) return `from ${String(session.environment)}, not ${expected}`;
  return undefined;
}
