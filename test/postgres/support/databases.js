'use strict';
// Fresh, empty databases on the suite's PostgreSQL server (PLAID_TEST_POSTGRES_URL), one per test that needs
// one, dropped afterwards.
const crypto = require('node:crypto');
const { Client } = require('pg');

const serverUrl = () => process.env.PLAID_TEST_POSTGRES_URL;

/** Runs `sql` on the server's own database. */
async function onServer(sql) {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** @returns {Promise<{name: string, url: string, drop(): Promise<void>}>} */
async function createDatabase() {
  const name = `plaid_${crypto.randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

module.exports = { createDatabase, onServer, serverUrl };
