'use strict';
// /institutions/get_by_id for the emulator's sandbox institutions: the answer the spec describes, with what each
// option asks for, and Plaid's errors.
const assert = require('node:assert/strict');
const { validateRequest } = require('../support/openapi');
const { distDir, fails, linkItem, ok, startEmulator } = require('./helpers');

const { INSTITUTIONS } = require(`${distDir}/emulator/model/institutions`);

const ALL_OPTIONS = {
  include_optional_metadata: true, include_status: true, include_auth_metadata: true, include_payment_initiation_metadata: true,
};

describe('emulator: /institutions/get_by_id', () => {
  let emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.stop());

  it('answers every sandbox institution as the spec describes, with its name, products, countries and OAuth flag', async () => {
    assert.ok(INSTITUTIONS.size >= 6);
    for (const institution of INSTITUTIONS.values()) {
      const body = { institution_id: institution.institution_id, country_codes: ['US'] };
      assert.deepEqual(validateRequest('/institutions/get_by_id', body), []);
      const answer = await ok(emulator, '/institutions/get_by_id', body);
      assert.deepEqual(answer.institution, {
        institution_id: institution.institution_id,
        name: institution.name,
        products: [...institution.products],
        country_codes: ['US'],
        routing_numbers: [],
        oauth: institution.oauth,
      });
    }
  });

  it('names the institution of an Item, as client code does after /item/get', async () => {
    const { accessToken } = await linkItem(emulator, { institution_id: 'ins_109512', initial_products: ['auth'] });
    const { item } = await ok(emulator, '/item/get', { access_token: accessToken });
    const { institution } = await ok(emulator, '/institutions/get_by_id', { institution_id: item.institution_id, country_codes: ['US'] });
    assert.equal(institution.name, item.institution_name);
    assert.equal(institution.name, 'Houndstooth Bank');
    for (const product of item.products) assert.ok(institution.products.includes(product), product);
  });

  it('every option adds what it names, valid against the spec', async () => {
    const plain = await ok(emulator, '/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['US'], options: ALL_OPTIONS });
    assert.equal(plain.institution.url, null);
    assert.equal(plain.institution.logo, null);
    assert.equal(plain.institution.primary_color, null);
    assert.equal(plain.institution.status.item_logins.status, 'HEALTHY');
    assert.equal(plain.institution.status.transactions_updates.breakdown.refresh_interval, 'NORMAL');
    assert.deepEqual(plain.institution.auth_metadata.supported_methods, {
      instant_auth: true, instant_match: false, automated_micro_deposits: false, instant_micro_deposits: false,
    });
    assert.equal(plain.institution.payment_initiation_metadata, null);
    const microdeposits = await ok(emulator, '/institutions/get_by_id', { institution_id: 'ins_109512', country_codes: ['US'], options: ALL_OPTIONS });
    assert.equal(microdeposits.institution.auth_metadata.supported_methods.automated_micro_deposits, true);
    assert.equal(microdeposits.institution.auth_metadata.supported_methods.instant_auth, false);
    assert.equal('transactions_updates' in microdeposits.institution.status, false, 'Houndstooth has no transactions');
  });

  it('an unknown institution, or one outside the countries asked for, is INVALID_INSTITUTION', async () => {
    await fails(emulator, '/institutions/get_by_id', { institution_id: 'ins_0', country_codes: ['US'] },
      { status: 400, type: 'INVALID_INPUT', code: 'INVALID_INSTITUTION' });
    await fails(emulator, '/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['GB', 'FR'] },
      { status: 400, type: 'INVALID_INPUT', code: 'INVALID_INSTITUTION' });
    await fails(emulator, '/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: [] },
      { status: 400, type: 'INVALID_INPUT', code: 'INVALID_INSTITUTION' });
  });

  it('required fields, values and unknown fields as Plaid checks them', async () => {
    const missing = await fails(emulator, '/institutions/get_by_id', { institution_id: 'ins_109508' },
      { status: 400, type: 'INVALID_REQUEST', code: 'MISSING_FIELDS' });
    assert.match(missing.body.error_message, /country_codes/);
    const both = await fails(emulator, '/institutions/get_by_id', {}, { status: 400, type: 'INVALID_REQUEST', code: 'MISSING_FIELDS' });
    assert.match(both.body.error_message, /institution_id, country_codes/);
    await fails(emulator, '/institutions/get_by_id', { institution_id: '', country_codes: ['US'] },
      { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
    await fails(emulator, '/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['XX'] },
      { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
    await fails(emulator, '/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['US'], options: { include_logo: true } },
      { status: 400, type: 'INVALID_REQUEST', code: 'UNKNOWN_FIELDS' });
  });
});
