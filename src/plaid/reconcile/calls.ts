// The two endpoints a sweep calls, from the endpoint table. A sweep makes each call once (no retry inside the
// client): it paces, counts and retries them itself.
import type { EndpointSpec } from '../endpoints';
import { ENDPOINTS } from '../endpoints';

function endpointAt(path: string): EndpointSpec {
  const endpoint = ENDPOINTS.find((candidate) => candidate.path === path);
  if (!endpoint) throw new Error(`the endpoint table has no row for ${path}`);
  return endpoint;
}

export const ITEM_GET = endpointAt('/item/get');
export const LINK_TOKEN_GET = endpointAt('/link/token/get');
