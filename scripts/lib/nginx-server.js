'use strict';
// nginx (Debian's package) as the load balancer in front of several Node-RED instances: round robin over the
// upstreams, on a free loopback port, its configuration, logs and temporary files in a fresh temporary folder,
// run in the foreground as a child process and stopped with it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { freePort } = require('./postgres-server');

const NGINX = process.env.PLAID_NGINX_BIN || '/usr/sbin/nginx';

function configuration({ prefix, port, upstreams }) {
  const isRoot = process.getuid && process.getuid() === 0;
  return `
${isRoot ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream node_red {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 10m;
    location / {
      proxy_pass http://node_red;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

/**
 * Starts nginx balancing over `upstreams` ("127.0.0.1:port" each).
 * @returns {Promise<{url: string, port: number, stop(): Promise<void>}>}
 */
async function startNginx({ upstreams }) {
  if (!fs.existsSync(NGINX)) throw new Error(`nginx is not at ${NGINX}: apt-get install nginx (or set PLAID_NGINX_BIN)`);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-nginx-'));
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, configuration({ prefix, port, upstreams }));
  execFileSync(NGINX, ['-t', '-q', '-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const child = spawn(NGINX, ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForPort(port, exited, () => stderr);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port, exited, stderr) {
  const net = require('node:net');
  let gone = false;
  exited.then(() => (gone = true));
  for (let i = 0; i < 100; i++) {
    if (gone) throw new Error(`nginx exited: ${stderr()}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}: ${stderr()}`);
}

module.exports = { startNginx };
