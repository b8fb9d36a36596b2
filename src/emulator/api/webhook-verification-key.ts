// /webhook_verification_key/get: the public JWK a receiver checks a Plaid-Verification signature with.
import { defineEndpoint } from './endpoint';
import { errors } from './errors';
import { COMMON_RULES } from './rules';

export const webhookVerificationKeyGet = defineEndpoint('/webhook_verification_key/get', {
  key_id: COMMON_RULES.requiredString,
}, (core, request) => {
  const key = core.keys.publicJwk(request.key_id);
  if (!key) throw errors.invalidWebhookVerificationKeyId();
  return { key };
});
