// Where the emulator serves Hosted Link pages: hosted_link_url is the emulator's URL, this prefix, and the
// session's id (Plaid's own URLs have the same shape under https://secure.plaid.com/hl/).
export const HOSTED_LINK_PATH = '/hl/';

export const hostedLinkUrl = (core: { baseUrl: string }, id: string) => `${core.baseUrl}${HOSTED_LINK_PATH}${id}`;
