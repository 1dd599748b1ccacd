// A real OpenID Connect provider (npm oidc-provider) on loopback, for Hindsight's SSO tests.
//
//   node server.mjs [config.json]      (or OIDC_TEST_CONFIG=config.json node server.mjs)
//
// The optional JSON configuration: {"port": 0, "clients": [...], "accounts": [...]}. Port 0 (the
// default) takes a free port. Once listening, the first line on stdout is the issuer,
// http://127.0.0.1:<port>. Everything else is set at runtime through the test admin API under
// /__test__/ (loopback only, JSON bodies):
//
//   POST /__test__/clients        {client_id, client_secret, redirect_uris, token_endpoint_auth_method}
//                                 registers or replaces a client
//   POST /__test__/accounts       {sub, email, email_verified, name, given_name, family_name, groups}
//                                 sets or replaces an account (claims are read at each login)
//   POST /__test__/next-login     {sub} logs the following authorizations in as sub (until changed);
//                                 {error, error_description} makes only the next one fail instead
//   POST /__test__/next-id-token  {audience, nonce}: the next token response's id_token carries this
//                                 aud and/or nonce instead, re-signed with the provider's own key
//   GET  /__test__/last-authorization   the query of the last authorization request
//   POST /__test__/reset          forgets clients, accounts and switches
//
// An authorization needs no browser: GET /auth redirects to the interaction, which logs the chosen
// account in, grants the requested scopes and claims, and redirects back to the client with code and
// state. Each authorization request starts without a provider session, so each is a fresh login.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const configPath = process.argv[2] || process.env.OIDC_TEST_CONFIG;
const config = configPath ? JSON.parse(readFileSync(configPath, 'utf8')) : {};

const CLAIMS = ['email', 'email_verified', 'name', 'given_name', 'family_name', 'groups'];

const state = {
  accounts: new Map(),
  clientIds: new Set(),
  loginAs: null,
  nextLoginError: null,
  nextIdToken: null,
  lastAuthorization: null,
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(signingJwk, 'RS256');

function findAccount(_ctx, sub) {
  if (!state.accounts.has(sub)) {
    return undefined;
  }
  return {
    accountId: sub,
    // Read at each use, so a change at the provider shows at the next login and userinfo call.
    async claims() {
      // An empty claim is left out, as a provider leaves out what it does not know.
      const account = Object.entries(state.accounts.get(sub) || {})
        .filter(([, value]) => value !== '' && value !== null && value !== undefined);
      return { ...Object.fromEntries(account), sub };
    },
  };
}

function providerConfiguration() {
  return {
    findAccount,
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['hindsight-test-oidc-provider-cookie-key'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // id_token carries the scope's claims too, not only userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => false },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  };
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function isLoopback(req) {
  const address = req.socket.remoteAddress || '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

async function registerClient(provider, metadata) {
  if (!metadata.client_id) {
    throw new Error('client_id is required');
  }
  const client = {
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...metadata,
  };
  // Validates the metadata as the provider will; throws on a bad one.
  await provider.Client.validate(client);
  await provider.Client.adapter.upsert(client.client_id, client);
  state.clientIds.add(client.client_id);
  return client;
}

function setAccount(account) {
  if (!account.sub) {
    throw new Error('sub is required');
  }
  state.accounts.set(String(account.sub), { email_verified: true, groups: [], ...account });
}

async function reset(provider) {
  for (const clientId of state.clientIds) {
    await provider.Client.adapter.destroy(clientId);
  }
  state.clientIds.clear();
  state.accounts.clear();
  state.loginAs = null;
  state.nextLoginError = null;
  state.nextIdToken = null;
  state.lastAuthorization = null;
}

async function admin(provider, req, res, path) {
  if (!isLoopback(req)) {
    return sendJson(res, 403, { error: 'the test admin API answers loopback only' });
  }
  if (req.method === 'GET' && path === '/__test__/last-authorization') {
    return sendJson(res, 200, state.lastAuthorization || {});
  }
  if (req.method !== 'POST') {
    return sendJson(res, 405, { error: 'POST' });
  }
  const body = await readJson(req);
  switch (path) {
    case '/__test__/clients':
      return sendJson(res, 200, await registerClient(provider, body));
    case '/__test__/accounts':
      setAccount(body);
      return sendJson(res, 200, state.accounts.get(String(body.sub)));
    case '/__test__/next-login':
      if (body.error) {
        state.nextLoginError = { error: body.error, error_description: body.error_description || 'the test made this login fail' };
      } else {
        state.loginAs = body.sub ? String(body.sub) : null;
        state.nextLoginError = null;
      }
      return sendJson(res, 200, { sub: state.loginAs, error: state.nextLoginError });
    case '/__test__/next-id-token':
      state.nextIdToken = { audience: body.audience ?? null, nonce: body.nonce ?? null };
      return sendJson(res, 200, state.nextIdToken);
    case '/__test__/reset':
      await reset(provider);
      return sendJson(res, 200, {});
    default:
      return sendJson(res, 404, { error: `no such test endpoint ${path}` });
  }
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { params } = details;
  let result;
  if (state.nextLoginError) {
    result = state.nextLoginError;
    state.nextLoginError = null;
  } else if (!state.loginAs || !state.accounts.has(state.loginAs)) {
    result = { error: 'access_denied', error_description: 'no account chosen for the next login at the test provider' };
  } else {
    const grant = new provider.Grant({ accountId: state.loginAs, clientId: params.client_id });
    grant.addOIDCScope(String(params.scope || 'openid'));
    grant.addOIDCClaims(CLAIMS);
    if (params.claims) {
      const requested = JSON.parse(params.claims);
      grant.addOIDCClaims([...Object.keys(requested.id_token || {}), ...Object.keys(requested.userinfo || {})]);
    }
    result = { login: { accountId: state.loginAs }, consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function tamperIdToken(ctx) {
  const idToken = ctx.body?.id_token;
  const change = state.nextIdToken;
  if (!idToken || !change) {
    return;
  }
  state.nextIdToken = null;
  const [, payloadPart] = idToken.split('.');
  const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  if (change.audience !== null) {
    payload.aud = change.audience;
    delete payload.azp;
  }
  if (change.nonce !== null) {
    payload.nonce = change.nonce;
  }
  const header = decodeProtectedHeader(idToken);
  ctx.body = {
    ...ctx.body,
    id_token: await new CompactSign(Buffer.from(JSON.stringify(payload)))
      .setProtectedHeader(header)
      .sign(signingKey),
  };
}

const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', async () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, providerConfiguration());
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      state.lastAuthorization = { ...ctx.query };
    }
    await next();
    if (ctx.oidc?.route === 'token') {
      await tamperIdToken(ctx);
    }
  });
  const callback = provider.callback();
  for (const client of config.clients || []) {
    await registerClient(provider, client);
  }
  for (const account of config.accounts || []) {
    setAccount(account);
  }

  server.on('request', async (req, res) => {
    const path = new URL(req.url, issuer).pathname;
    try {
      if (path.startsWith('/__test__/')) {
        return await admin(provider, req, res, path);
      }
      if (path.startsWith('/interaction/')) {
        return await interaction(provider, req, res);
      }
      if (path === '/auth') {
        // No provider session carries over: every authorization is a fresh login.
        delete req.headers.cookie;
      }
      return callback(req, res);
    } catch (error) {
      return sendJson(res, 400, { error: 'test_provider_error', error_description: String(error?.message || error) });
    }
  });
  process.stdout.write(`${issuer}\n`);
});

// Started by the test fixtures with stdin a pipe: when the test run ends, however it ends, the
// pipe closes and the provider goes with it.
if (process.env.OIDC_TEST_EXIT_ON_STDIN_END) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
