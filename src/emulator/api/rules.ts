// Field rules many endpoints share.
import type { FieldTable } from './fields';

export const COMMON_RULES = {
  requiredString: { type: 'string', required: true },
  optionalString: { type: 'string' },
  date: { type: 'string', format: 'date' },
  url: { type: 'string', format: 'url' },
} as const satisfies FieldTable;

export const ACCESS_TOKEN_ONLY = { access_token: COMMON_RULES.requiredString } as const satisfies FieldTable;
