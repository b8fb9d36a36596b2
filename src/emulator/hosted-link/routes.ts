// The Hosted Link pages over HTTP: GET shows the session, a form POST (action=continue|exit) ends it. An unknown,
// expired or used URL answers its explanation page (404 / 410) and changes nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorCore } from '../core';
import { readBody } from '../http/body';
import type { LinkTokenRecord } from '../model/link-tokens';
import { finishedPage, sessionPage, unusablePage } from './page';
import { HOSTED_LINK_PATH } from './paths';
import { continueSession, exitSession, openSession, startSession } from './session';

export async function handleHostedLink(core: EmulatorCore, request: IncomingMessage, response: ServerResponse, path: string) {
  const raw = await readBody(request);
  const session = openSession(core, path.slice(HOSTED_LINK_PATH.length));
  if (typeof session === 'string') {
    sendHtml(response, session === 'unknown' ? 404 : 410, unusablePage(session));
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') {
    response.writeHead(405, { Allow: 'GET, HEAD, POST' });
    response.end();
    return;
  }
  startSession(core, session);
  if (request.method !== 'POST') {
    sendHtml(response, 200, sessionPage(session));
    return;
  }
  const form = new URLSearchParams(raw === null ? '' : raw.toString('utf8'));
  const action = form.get('action');
  if (action === 'exit') {
    finishWith(response, session, 'EXITED', exitSession(core, session).redirectTo);
  } else if (action === 'continue') {
    const continued = continueSession(core, session, {
      institutionId: form.get('institution_id') ?? undefined,
      username: form.get('username') ?? undefined,
      password: form.get('password') ?? undefined,
    });
    if (continued.ended) finishWith(response, session, 'SUCCESS', continued.redirectTo);
    else sendHtml(response, 200, sessionPage(session, continued.error));
  } else {
    sendHtml(response, 400, sessionPage(session, 'Choose Continue or Exit.'));
  }
}

/** To completion_redirect_uri when the link token named one (a 303, so the browser GETs it), else a closing page. */
function finishWith(response: ServerResponse, record: LinkTokenRecord, status: 'SUCCESS' | 'EXITED', redirectTo: string | null) {
  if (redirectTo) {
    response.writeHead(303, { Location: redirectTo, 'Content-Length': 0 });
    response.end();
  } else {
    sendHtml(response, 200, finishedPage(record, status));
  }
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  response.end(html);
}
