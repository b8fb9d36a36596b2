'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { TokenCipher, parseStoreKey, parseOlderKeys, generateStoreKey, storeKeyId, envelopeKeyId } = require('../../dist/plaid/store/cipher.js');
const { statusForWebhook } = require('../../dist/plaid/store/status-transitions.js');

const TOKEN = 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970';

describe('store: token cipher', () => {
  const cipher = new TokenCipher(generateStoreKey());

  it('round-trips a token, with a fresh IV every time and no plaintext in the envelope', () => {
    const a = cipher.encrypt('item-1', TOKEN);
    const b = cipher.encrypt('item-1', TOKEN);
    assert.match(a, new RegExp(`^v2\\.${cipher.currentKeyId}\\.[A-Za-z0-9+/=]+\\.[A-Za-z0-9+/=]+\\.[A-Za-z0-9+/=]+$`));
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[2], b.split('.')[2]);
    assert.ok(!a.includes('8ab976e6'));
    assert.equal(cipher.decrypt('item-1', a), TOKEN);
  });

  it('refuses an envelope moved to another Item, tampered with, or under another key, naming the Item', () => {
    const envelope = cipher.encrypt('item-1', TOKEN);
    const parts = envelope.split('.');
    const flipped = Buffer.from(parts[4], 'base64');
    flipped[0] ^= 1;
    const tampered = [...parts.slice(0, 4), flipped.toString('base64')].join('.');
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
  it('names the key in each envelope by a key id derived from it, which does not give the key away', () => {
    const key = generateStoreKey();
    const ring = new TokenCipher(key);
    const id = storeKeyId(parseStoreKey(key));
    assert.equal(ring.currentKeyId, id);
    assert.match(id, /^[A-Za-z0-9_-]{11}$/);
    assert.equal(envelopeKeyId(ring.encrypt('item-1', TOKEN)), id);
    assert.equal(storeKeyId(parseStoreKey(key)), id, 'the same key, the same id (every instance agrees)');
    assert.notEqual(storeKeyId(parseStoreKey(generateStoreKey())), id);
    const hex = parseStoreKey(key).toString('hex');
    assert.ok(!hex.includes(Buffer.from(id, 'base64url').toString('hex')), 'the id is no part of the key');
    const mac = crypto.createHmac('sha256', parseStoreKey(key)).update('plaid-item-store key id').digest();
    assert.equal(id, mac.subarray(0, 8).toString('base64url'), 'a truncated HMAC of a fixed label under the key');
  });

  it('reads under any key of the ring and writes under the current one; v1 envelopes (no key id) still open', () => {
    const [k0, k1, k2] = [generateStoreKey(), generateStoreKey(), generateStoreKey()];
    const before = new TokenCipher(k0);
    const underOld = before.encrypt('item-1', TOKEN);
    // A v1 envelope as releases before key rings wrote it: v1.<iv>.<tag>.<ciphertext> under k0.
    const [, , ...sealed] = underOld.split('.');
    const legacy = ['v1', ...sealed].join('.');
    const ring = new TokenCipher(k1, [k0, k2]);
    assert.deepEqual(ring.keyIds, [k1, k0, k2].map((k) => storeKeyId(parseStoreKey(k))));
    assert.equal(ring.decrypt('item-1', underOld), TOKEN);
    assert.deepEqual(ring.open('item-1', legacy), { token: TOKEN, keyId: storeKeyId(parseStoreKey(k0)) });
    assert.equal(envelopeKeyId(ring.encrypt('item-1', TOKEN)), storeKeyId(parseStoreKey(k1)));
    // Without the key that wrote it, an envelope is unreadable, naming the Item.
    assert.throws(() => new TokenCipher(k1, [k2]).decrypt('item-1', underOld), /Item item-1 cannot be decrypted/);
    assert.throws(() => new TokenCipher(k1, [k2]).decrypt('item-1', legacy), /Item item-1 cannot be decrypted/);
    // A key given twice, as current and older, is one key of the ring.
    assert.deepEqual(new TokenCipher(k1, [k1, k0]).keyIds, ring.keyIds.slice(0, 2));
  });

  it('parses older keys one per line, skipping blank lines; a bad line is named by its number, not its text', () => {
    const [a, b] = [generateStoreKey(), generateStoreKey()];
    assert.deepEqual(parseOlderKeys(`${a}\r\n\n  ${parseStoreKey(b).toString('hex')}  \n`), [parseStoreKey(a), parseStoreKey(b)]);
    assert.deepEqual(parseOlderKeys(undefined), []);
    assert.deepEqual(parseOlderKeys(''), []);
    assert.throws(() => parseOlderKeys(`${a}\nnot-a-key-secret-text`), (/** @type {any} */ err) => {
      assert.match(err.message, /^the older key on line 2 must be 32 bytes written as base64/);
      assert.ok(!err.message.includes('not-a-key-secret-text'));
      return true;
    });
  });

  it('refuses keys with too little entropy as the current key, saying why and never showing the key', () => {
    const weak = {
      'every byte the same (all zero)': Buffer.alloc(32, 0),
      'every byte the same (0xff)': Buffer.alloc(32, 0xff),
      'a short pattern repeated': Buffer.from('0123456789abcdef'.repeat(4), 'hex'),
      'a counting sequence': Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
      'text, not random bytes': Buffer.from('correct horse battery staple 123'),
    };
    for (const [what, bytes] of Object.entries(weak)) {
      for (const text of [bytes.toString('base64'), bytes.toString('hex')]) {
        assert.throws(() => new TokenCipher(text), (/** @type {any} */ err) => {
          assert.match(err.message, /too little entropy/, what);
          assert.ok(!err.message.includes(text), 'the key is not in the message');
          return true;
        }, what);
      }
    }
    for (let i = 0; i < 1000; i++) new TokenCipher(generateStoreKey());
    // As an older key, a weak key still reads: a store written under one can be rewrapped off it.
    const weakKey = Buffer.alloc(32, 0).toString('base64');
    assert.equal(new TokenCipher(generateStoreKey(), [weakKey]).keyIds.length, 2);
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
