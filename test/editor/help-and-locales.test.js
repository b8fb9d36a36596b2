'use strict';
// Help text, locale catalogues and icons for every node of the package, read from dist/nodes as Node-RED's loader
// finds them.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ENDPOINTS, offersStore, storeFieldsOf, takesAccessToken } = require('../../dist/plaid/endpoints');
const { renderEndpointHelp } = require('../../scripts/lib/endpoint-help');
const { LITERALS, fillLiterals } = require('../../scripts/lib/editor-literals');
const { nodeSets, read, validatorView, namedBlocks, lookup, i18nKeys } = require('./support');

const sets = nodeSets();
const setOf = (name) => sets.find((s) => s.name === name);

/** Plaid's docs anchor for a path: /item/access_token/invalidate → items/#itemaccess_tokeninvalidate. */
function docsLink(endpoint) {
  const page = endpoint.path.startsWith('/sandbox/') ? 'sandbox' : endpoint.path.startsWith('/link/') ? 'link' : 'items';
  return `https://plaid.com/docs/api/${page}/#${endpoint.path.replace(/\//g, '')}`;
}

describe('help, locales and icons', function () {
  describe('every node set', function () {
    for (const set of sets) {
      describe(set.name, function () {
        it('has its editor html, locale json and help html beside the runtime file', function () {
          for (const file of [set.js, set.html, set.localeJson, set.helpHtml]) assert.ok(fs.existsSync(file), file);
        });

        it('defines each type in the plaid category (or as a config node) with an icon that exists and help', function () {
          const { defs } = validatorView(read(set.html));
          assert.ok(Object.keys(defs).length > 0);
          assert.equal(defs.__nonLiteral__, undefined);
          const help = namedBlocks(read(set.helpHtml), 'data-help-name');
          for (const [type, def] of Object.entries(defs)) {
            assert.deepEqual(def.notInline, [], type);
            if (def.category !== 'config') {
              assert.equal(def.category, 'plaid', type);
              assert.equal(def.color, '#53A9D8', type);
              assert.ok(fs.existsSync(path.join(set.iconsDir, def.icon)), `${type}: icon ${def.icon}`);
            }
            assert.equal(help.filter((h) => h.name === type).length, 1, `${type}: one help block`);
          }
        });

        it('has every literal the build writes from the runtime filled in, in its html and its help', function () {
          for (const file of [set.html, set.helpHtml]) assert.doesNotMatch(read(file), /\{\{\w+\}\}/, file);
        });

        it('has a text in its locale json for every key its runtime code asks RED._ for', function () {
          // The node set's file and its folder of parts (dist/nodes/webhook-in/ for plaid-webhook-in), as compiled.
          const folder = path.join(path.dirname(set.js), set.name.replace(/^plaid-/, ''));
          const files = [set.js, ...(fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.js')).map((f) => path.join(folder, f)) : [])];
          const keys = files.flatMap((file) => [...read(file).matchAll(/\b(?:text|fail|missing)\('([\w.]+)'/g)].map((m) => m[1]));
          assert.ok(keys.length > 0, 'the runtime says what it says through its catalog');
          const catalog = JSON.parse(read(set.localeJson));
          assert.deepEqual(keys.filter((key) => typeof lookup(catalog, `${set.name}.${key}`) !== 'string'), []);
        });

        it('has every i18n key its editor html uses in its locale json', function () {
          const catalog = JSON.parse(read(set.localeJson));
          const keys = i18nKeys(read(set.html));
          assert.ok(keys.length > 0);
          const missing = keys.filter((k) => typeof lookup(catalog, k) !== 'string');
          assert.deepEqual(missing, []);
        });
      });
    }
  });

  describe('literals from the runtime (scripts/lib/editor-literals.js)', function () {
    it('writes each where a source names it, a list one entry a line at the naming line\'s indentation', function () {
      const source = `x: {{settingsVersion}}, y: {{webhookOutputCount}}\n  <ol>\n    {{webhookRoutedPorts}}\n  </ol>`;
      const ports = LITERALS.webhookRoutedPorts();
      assert.equal(fillLiterals(source), `x: ${LITERALS.settingsVersion()}, y: ${LITERALS.webhookOutputCount()}\n  <ol>\n    ${ports.join('\n    ')}\n  </ol>`);
      assert.ok(ports.length > 1);
    });

    it('stops the build at a name it does not know, naming the file', function () {
      assert.throws(() => fillLiterals('{{settingsVersion}} {{outputs}}', 'nodes/x.html'), /^Error: nodes\/x\.html names \{\{outputs\}\}, which the build does not know/);
    });
  });

  describe('endpoint nodes', function () {
    const set = setOf('plaid-endpoints');
    const catalog = JSON.parse(read(set.localeJson));
    const help = namedBlocks(read(set.helpHtml), 'data-help-name');

    it('has a help block for exactly the types of the table', function () {
      assert.deepEqual(help.map((h) => h.name).sort(), ENDPOINTS.map((e) => e.type).sort());
    });

    const source = read(path.join(__dirname, '..', '..', 'nodes', 'locales', 'en-US', 'plaid-endpoints.html'));

    it('is what scripts/lib/endpoint-help.js makes of the table and the hand-written parts', function () {
      assert.equal(read(set.helpHtml), renderEndpointHelp(ENDPOINTS, source));
      assert.doesNotMatch(read(set.helpHtml), /<plaid-/, 'no source part is left in');
    });

    it('takes the retry paragraph from the row: changing a row\'s policy changes its help', function () {
      const flipped = ENDPOINTS.map((e) => (e.type === 'plaid-item-get' ? { ...e, retry: 'refused-only' } : e));
      const body = namedBlocks(renderEndpointHelp(flipped, source), 'data-help-name').find((h) => h.name === 'plaid-item-get').body;
      assert.match(body, /only on HTTP 429 \(Plaid did nothing\) or a refused connection/);
      assert.doesNotMatch(body, /5xx,\s+timeouts and connection failures/);
    });

    it('refuses to build a row without its hand-written help', function () {
      const row = { ...ENDPOINTS[0], type: 'plaid-item-example-new', path: '/item/example/new' };
      assert.throws(() => renderEndpointHelp([...ENDPOINTS, row], source), /no help for plaid-item-example-new/);
    });

    it('has the status texts the runtime uses, short enough for a status', function () {
      const runtime = read(set.js);
      const used = [...runtime.matchAll(/\btext\('status\.(\w+)'\)/g)].map((m) => m[1]);
      for (const key of new Set(['requesting', 'ok', 'refused', 'invalid', ...used])) {
        const text = lookup(catalog, `plaid-endpoints.status.${key}`);
        assert.equal(typeof text, 'string', key);
        assert.ok(text.length > 0 && text.length < 20, `${key}: "${text}"`);
      }
      assert.ok(used.length >= 4, 'the runtime reads its status texts from the catalogue');
    });

    it('has a palette label and a field error text for what the editor builds at run time', function () {
      for (const e of ENDPOINTS) assert.equal(typeof lookup(catalog, `plaid-endpoints.paletteLabel.${e.type}`), 'string', e.type);
      for (const key of ['required', 'json', 'expression', 'enum', 'url', 'needsJson', 'stringArray', 'object', 'urlOrNull', 'string']) {
        assert.equal(typeof lookup(catalog, `plaid-endpoints.errors.${key}`), 'string', key);
      }
      assert.equal(typeof lookup(catalog, 'plaid-endpoints.typedInput.enum'), 'string');
    });

    for (const endpoint of ENDPOINTS) {
      describe(endpoint.type, function () {
        const body = () => help.find((h) => h.name === endpoint.type).body;

        it('opens with a paragraph, then Inputs, Outputs, Details and References', function () {
          assert.match(body().trim(), /^<p>[\S\s]+?<\/p>/);
          const headings = [...body().matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
          assert.deepEqual(headings, ['Inputs', 'Outputs', 'Details', 'References']);
        });

        it('lists the mode, every request field, then every store setting, under Inputs as an optional msg.payload property', function () {
          const inputs = body().split('<h3>Inputs</h3>')[1].split('<h3>')[0];
          assert.match(inputs, /<dl class="message-properties">/);
          const listed = [...inputs.matchAll(/<dt class="optional">payload\.(\w+) /g)].map((m) => m[1]);
          assert.deepEqual(listed, [...(endpoint.mode ? [endpoint.mode] : []), ...endpoint.fields, ...storeFieldsOf(endpoint)].map((f) => f.name));
        });

        it('says what the node does with an Item store, exactly when it offers one', function () {
          const details = body().split('<h3>Details</h3>')[1].split('<h3>')[0];
          assert.equal(/<b>Item store<\/b>/.test(details), offersStore(endpoint));
          if (takesAccessToken(endpoint)) assert.match(details, /error\s+before any call, naming the item_id/);
          if (endpoint.storeEffect === 'save-item') assert.match(details, /<i>before<\/i> the output is sent/);
        });

        it('describes msg.payload and msg.plaid under Outputs', function () {
          const outputs = body().split('<h3>Outputs</h3>')[1].split('<h3>')[0];
          assert.match(outputs, /<dt>payload <span class="property-type">object<\/span><\/dt>/);
          assert.match(outputs, /untouched/);
          assert.match(outputs, /request_id/);
          for (const key of ['endpoint', 'request_id', 'status', 'attempts']) assert.match(outputs, new RegExp(`<code>${key}</code>`));
          assert.ok(outputs.includes(`<code>${endpoint.path}</code>`));
        });

        it('explains fallback, errors and this endpoint\'s retry policy under Details', function () {
          const details = body().split('<h3>Details</h3>')[1].split('<h3>')[0];
          assert.match(details, /absent from\s+<code>msg.payload<\/code> falls back to the node's setting/);
          assert.match(details, /Catch/);
          for (const key of ['error_type', 'error_code', 'error_message', 'display_message', 'request_id', 'msg.plaid.status', 'msg.plaid.error']) {
            assert.ok(details.includes(key), key);
          }
          if (endpoint.retry === 'idempotent') assert.match(details, /HTTP 429, 5xx,\s+timeouts and connection failures/);
          else assert.match(details, /only on HTTP 429 \(Plaid did nothing\) or a refused connection/);
          assert.equal(/Sandbox only/.test(details), endpoint.sandboxOnly, 'sandbox nodes say they refuse a production config');
          const hasToken = endpoint.fields.some((f) => f.name === 'access_token');
          assert.equal(/typed into <b>access_token<\/b> is saved with the node, so every export of the flow/.test(details), hasToken, 'says why a literal token is a risk');
          if (endpoint.fields.some((f) => f.kind === 'nullable-url')) assert.match(details, /<code>webhook: null<\/code>[\S\s]+absent <code>webhook<\/code> is not\s+sent/);
        });

        it('links Plaid\'s reference for the endpoint', function () {
          const refs = body().split('<h3>References</h3>')[1];
          assert.ok(refs.includes(`href="${docsLink(endpoint)}"`), docsLink(endpoint));
        });
      });
    }
  });

  describe('config node', function () {
    const set = setOf('plaid-config');
    const [help] = namedBlocks(read(set.helpHtml), 'data-help-name');

    it('explains environments, the emulator URL, timeout and retries, and the credential store', function () {
      assert.equal(help.name, 'plaid-config');
      assert.match(help.body.trim(), /^<p>/);
      for (const text of ['sandbox.plaid.com', 'production.plaid.com', 'http://127.0.0.1:7878', 'npx plaid-emulator', 'per attempt', 'default 30000', 'default 2', 'credential store', 'not exported']) {
        assert.ok(help.body.includes(text), text);
      }
    });
  });

  describe('icons', function () {
    const iconsDir = setOf('plaid-endpoints').iconsDir;
    const mine = fs.readdirSync(iconsDir).filter((f) => /^plaid.*\.svg$/.test(f) && f !== 'plaid-webhook.svg');

    it('has one per endpoint node plus the generic one, the Item store\'s, the reconcile\'s and the repair node\'s', function () {
      assert.deepEqual(mine.sort(), [...ENDPOINTS.map((e) => `${e.type}.svg`), 'plaid.svg', 'plaid-items.svg', 'plaid-items-reconcile.svg', 'plaid-item-repair.svg'].sort());
    });

    it('draws them white on transparent, 40x60 like Node-RED\'s own', function () {
      for (const file of mine) {
        const svg = read(path.join(iconsDir, file));
        assert.match(svg, /^<svg [^>]*viewBox="0 0 40 60"/, file);
        const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]);
        assert.ok(colours.length > 0 && colours.every((c) => c === '#fff' || c === 'none'), `${file}: ${colours}`);
        assert.doesNotMatch(svg, /<(rect|path|circle)[^>]*\bfill="(?!none)/, `${file}: no filled background`);
      }
    });
  });
});
