// /institutions/get_by_id: an institution of the emulator's sandbox list, so client code can show the bank's name
// and products after /item/get, as Plaid's sample apps do.
import { INSTITUTIONS } from '../model/institutions';
import { COUNTRY_CODES } from '../model/plaid-enums';
import { defineEndpoint } from './endpoint';
import { errors } from './errors';
import { institutionJson } from './views';

export const institutionsGetById = defineEndpoint('/institutions/get_by_id', {
  institution_id: { type: 'string', required: true, minLength: 1 },
  country_codes: { type: 'array', required: true, items: { type: 'string', enum: COUNTRY_CODES } },
  options: {
    type: 'object',
    fields: {
      include_optional_metadata: { type: 'boolean' },
      include_status: { type: 'boolean' },
      include_auth_metadata: { type: 'boolean' },
      include_payment_initiation_metadata: { type: 'boolean' },
    },
  },
}, (core, request) => {
  const institution = INSTITUTIONS.get(request.institution_id);
  // An institution outside the countries asked for is as unknown as one that does not exist.
  if (!institution || !request.country_codes.some((country) => institution.country_codes.includes(country))) {
    throw errors.invalidInstitution();
  }
  const options = request.options ?? {};
  return {
    institution: institutionJson(institution, {
      optionalMetadata: options.include_optional_metadata === true,
      status: options.include_status === true,
      authMetadata: options.include_auth_metadata === true,
      paymentInitiationMetadata: options.include_payment_initiation_metadata === true,
    }, core.clock.now()),
  };
});
