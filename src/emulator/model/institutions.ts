// Plaid's sandbox institutions (Plaid's docs, "Sandbox institutions") with the accounts each new Item gets,
// modelled on Plaid's sandbox data.

export interface AccountTemplate {
  name: string;
  official_name: string;
  type: 'depository' | 'credit' | 'loan' | 'investment';
  subtype: string;
  mask: string;
  available: number | null;
  current: number;
  limit: number | null;
  /** Set for micro-deposit institutions, whose accounts start unverified. */
  verification_status?: string;
}

export interface Institution {
  institution_id: string;
  name: string;
  /** Products the institution supports; an Item's available_products are these minus its billed products. */
  products: readonly string[];
  /** OAuth institutions give Items a consent expiration (and so PENDING_EXPIRATION makes sense for them). */
  oauth: boolean;
  /** Where the institution operates (/institutions/get_by_id answers only for these); Plaid's sandbox ones are US. */
  country_codes: readonly string[];
  accounts: readonly AccountTemplate[];
}

const STANDARD_PRODUCTS = [
  'assets', 'auth', 'balance', 'identity', 'identity_match', 'income_verification', 'investments', 'liabilities',
  'recurring_transactions', 'signal', 'statements', 'transactions', 'transfer',
];

const STANDARD_ACCOUNTS: readonly AccountTemplate[] = [
  {
    name: 'Plaid Checking', official_name: 'Plaid Gold Standard 0% Interest Checking', type: 'depository',
    subtype: 'checking', mask: '0000', available: 100, current: 110, limit: null,
  },
  {
    name: 'Plaid Saving', official_name: 'Plaid Silver Standard 0.1% Interest Saving', type: 'depository',
    subtype: 'savings', mask: '1111', available: 200, current: 210, limit: null,
  },
  {
    name: 'Plaid Credit Card', official_name: 'Plaid Diamond 12.5% APR Interest Credit Card', type: 'credit',
    subtype: 'credit card', mask: '3333', available: null, current: 410, limit: 2000,
  },
];

const MICRODEPOSIT_ACCOUNTS: readonly AccountTemplate[] = STANDARD_ACCOUNTS.slice(0, 2).map((account) => ({
  ...account,
  verification_status: 'pending_automatic_verification',
}));

function institution(id: string, name: string, extra: Partial<Institution> = {}): Institution {
  return {
    institution_id: id, name, products: STANDARD_PRODUCTS, oauth: false, country_codes: ['US'], accounts: STANDARD_ACCOUNTS,
    ...extra,
  };
}

/** The institution of Items made without one named (control API, LINK sessions fired without an Item). */
export const DEFAULT_INSTITUTION = institution('ins_109508', 'First Platypus Bank');

/** Those of `products` the institution does not offer (an Item there cannot have them). */
export const productsNotOffered = (institution: Institution, products: readonly string[]) =>
  products.filter((product) => !institution.products.includes(product));

/** Micro-deposit institutions verify accounts after linking instead of at once (instant auth). */
export const verifiesByMicrodeposits = (institution: Institution) =>
  institution.accounts.some((account) => account.verification_status !== undefined);

export const INSTITUTIONS: ReadonlyMap<string, Institution> = new Map(
  [
    DEFAULT_INSTITUTION,
    institution('ins_109509', 'First Gingham Credit Union'),
    institution('ins_109510', 'Tattersall Federal Credit Union'),
    institution('ins_109511', 'Tartan Bank'),
    institution('ins_109512', 'Houndstooth Bank', {
      products: ['auth', 'balance', 'identity', 'transfer'],
      accounts: MICRODEPOSIT_ACCOUNTS,
    }),
    institution('ins_127287', 'Platypus OAuth Bank', { oauth: true }),
  ].map((entry) => [entry.institution_id, entry]),
);
