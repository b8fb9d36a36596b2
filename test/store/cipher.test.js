'use strict';
const assert = require('node:assert/strict');
const { TokenCipher, parseStoreKey, generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const { statusForWebhook } = require('../../dist/plaid/store/status-transitions.js');

const TOKEN = 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970';

describe('store: token cipher', () => {
  const cipher = new TokenCipher(generateStoreKey());

  it('round-trips a token, with a fresh IV every time and no plaintext in the envelope', () => {
    const a = cipher.encrypt('item-1', TOKEN);
    const b = cipher.encrypt('item-1', TOKEN);
    assert.match(a, /^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[1], b.split('.')[1]);
    assert.ok(!a.includes('8ab976e6'));
    assert.equal(cipher.decrypt('item-1', a), TOKEN);
  });

  it('refuses an envelope moved to another Item, tampered with, or under another key, naming the Item', () => {
    const envelope = cipher.encrypt('item-1', TOKEN);
    const parts = envelope.split('.');
    const flipped = Buffer.from(parts[3], 'base64');
    flipped[0] ^= 1;
    const tampered = [parts[0], parts[1], parts[2], flipped.toString('base64')].join('.');
    const other = new TokenCipher(generateStoreKey());
    for (const [itemId, text, c] of /** @type {Array<[string, string, any]>} */ ([['item-2', envelope, cipher], ['item-1', tampered, cipher], ['item-1', envelope, other], ['item-1', 'garbage', cipher]])) {
      assert.throws(() => c.decrypt(itemId, text), (/** @type {any} */ err) => {
        assert.equal(err.code, 'TOKEN_UNREADABLE');
        assert.equal(err.itemId, itemId);
        assert.match(err.message, new RegExp(`Item ${itemId}\\b`));
        assert.ok(!err.message.includes(TOKEN));
        return true;
      });
    }
  });

  it('parses 32-byte keys in base64 or hex and refuses anything else clearly', () => {
    const key = generateStoreKey();
    assert.equal(key.length, 44);
    assert.equal(parseStoreKey(key).length, 32);
    const hex = parseStoreKey(key).toString('hex');
    assert.deepEqual(parseStoreKey(` ${hex} `), parseStoreKey(key));
    for (const bad of ['', 'short', hex.slice(2), Buffer.alloc(31).toString('base64'), `${key.slice(0, 43)}!`]) {
      assert.throws(() => parseStoreKey(bad), /32 bytes written as base64 \(44 characters\) or hex \(64 characters\)/);
    }
  });
});

describe('store: status per webhook', () => {
  /** @type {Array<[string, string, any, string | undefined]>} */
  const cases = [
    ['ITEM', 'ERROR', { error: { error_code: 'ITEM_LOGIN_REQUIRED' } }, 'login_required'],
    ['ITEM', 'ERROR', { error: { error_code: 'INSTITUTION_DOWN' } }, 'error'],
    ['ITEM', 'ERROR', {}, 'error'],
    ['ITEM', 'PENDING_EXPIRATION', {}, 'pending_expiration'],
    ['ITEM', 'PENDING_DISCONNECT', {}, 'pending_disconnect'],
    ['ITEM', 'LOGIN_REPAIRED', {}, 'healthy'],
    ['ITEM', 'USER_PERMISSION_REVOKED', {}, 'revoked'],
    ['ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', {}, undefined],
    ['ITEM', 'NEW_ACCOUNTS_AVAILABLE', {}, undefined],
    ['ITEM', 'toString', {}, undefined],
    ['TRANSACTIONS', 'ERROR', { error: { error_code: 'ITEM_LOGIN_REQUIRED' } }, undefined],
  ];
  for (const [type, code, body, status] of cases) {
    it(`${type} ${code}${body.error ? ` (${body.error.error_code})` : ''} -> ${status ?? 'no change'}`, () => {
      assert.equal(statusForWebhook(type, code, body), status);
    });
  }
});
