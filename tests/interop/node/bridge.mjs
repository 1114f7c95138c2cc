#!/usr/bin/env node
// Interop bridge: drives the REAL Mastra v1 storage packages (@mastra/libsql,
// @mastra/pg) against a database that the Python `mastra_data` package also
// uses, so tests can check both sides read and write the same schema.
//
// Protocol
//   stdin : ONE JSON document
//           {"backend": "libsql" | "pg",
//            "url": "file:/abs/path.db" | "postgresql://...",
//            "storeOptions"?: {...},   // extra LibSQLStore/PostgresStore config
//            "vectorOptions"?: {...},  // extra LibSQLVector/PgVector config
//            "ops": [ ... ]}
//   stdout: ONE JSON document {"results": [...]} (one entry per op), or on the
//           first failing op {"results": [...so far], "error": {...}} and exit 1.
//
// Ops
//   {"op": "init"}
//       construct the store (if not yet) and await store.init()
//   {"op": "call", "domain": "memory"|"workflows"|"scores"|"observability"|"agents",
//    "method": "<name>", "args": <json>}        (or "argv": [..] for positional args)
//       (await store.getStore(domain))[method](args)
//   {"op": "vector", "method": "<name>", "args": <json>}   (or "argv": [..])
//       LibSQLVector / PgVector instance, vec[method](args)
//   {"op": "sql", "sql": "...", "params": [...]}
//       raw SQL through the store's own client; result is a list of row objects
//
// String values under the keys in DATE_KEYS that look like ISO-8601 dates are
// turned into Date objects (recursively) before a call. Results are serialised
// with JSON.stringify (Dates -> ISO strings); BigInt -> number (or string when
// unsafe); binary values (ArrayBuffer / typed arrays / Buffer) -> {"$base64": "..."}.
//
// The store is constructed lazily by the first op that needs it, so a "call"
// or "sql" without a preceding "init" runs against a store on which init() was
// never called (Mastra does not auto-init in getStore()).

// Mastra's ConsoleLogger writes to console.*; route every console method to
// stderr BEFORE loading Mastra so stdout carries nothing but our JSON document.
for (const name of ['log', 'info', 'debug', 'warn', 'trace']) {
  console[name] = (...a) => console.error(...a);
}

const DATE_KEYS = new Set(['createdAt', 'updatedAt', 'startedAt', 'endedAt', 'start', 'end', 'clonedAt']);
const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function reviveDates(value, key) {
  if (typeof value === 'string') {
    if (key !== undefined && DATE_KEYS.has(key) && ISO_RE.test(value)) {
      const d = new Date(value);
      if (!Number.isNaN(d.getTime())) return d;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(v => reviveDates(v, undefined));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = reviveDates(v, k);
    return out;
  }
  return value;
}

function toBase64(view) {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

function jsonReplacer(_key, value) {
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (value instanceof ArrayBuffer) return { $base64: Buffer.from(value).toString('base64') };
  if (value && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data)) {
    // Buffer.prototype.toJSON already ran
    return { $base64: Buffer.from(value.data).toString('base64') };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return { $base64: toBase64(value) };
  if (value === undefined) return null;
  return value;
}

function errorToJson(err, opIndex) {
  const e = err ?? {};
  const out = {
    message: String(e.message ?? e),
    id: e.id ?? null,
    category: e.category ?? null,
    domain: e.domain ?? null,
    details: e.details ?? null,
    stack: e.stack ?? null,
    name: e.name ?? null,
    opIndex,
  };
  if (e.cause) {
    out.cause = { message: String(e.cause.message ?? e.cause), stack: e.cause.stack ?? null };
  }
  return out;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function pgSocketAwareUrl(url) {
  // node-postgres (pg-connection-string) accepts "postgresql://user:@/db?host=/socket/dir"
  // as is; nothing to rewrite, kept as a hook for odd URLs.
  return url;
}

class Bridge {
  constructor(request) {
    this.backend = request.backend;
    this.url = request.url;
    this.storeOptions = request.storeOptions ?? {};
    this.vectorOptions = request.vectorOptions ?? {};
    if (this.backend !== 'libsql' && this.backend !== 'pg') {
      throw new Error(`unknown backend ${JSON.stringify(this.backend)} (expected "libsql" or "pg")`);
    }
    if (typeof this.url !== 'string' || this.url === '') throw new Error('"url" must be a non-empty string');
    this.store = null;
    this.vec = null;
    this.mod = null;
  }

  async module() {
    if (!this.mod) {
      this.mod = this.backend === 'libsql' ? await import('@mastra/libsql') : await import('@mastra/pg');
    }
    return this.mod;
  }

  async getStore() {
    if (!this.store) {
      const m = await this.module();
      if (this.backend === 'libsql') {
        this.store = new m.LibSQLStore({ id: 'interop', url: this.url, ...this.storeOptions });
      } else {
        this.store = new m.PostgresStore({
          id: 'interop',
          connectionString: pgSocketAwareUrl(this.url),
          ...this.storeOptions,
        });
      }
    }
    return this.store;
  }

  async getVector() {
    if (!this.vec) {
      const m = await this.module();
      if (this.backend === 'libsql') {
        this.vec = new m.LibSQLVector({ id: 'interop-vec', url: this.url, ...this.vectorOptions });
      } else {
        this.vec = new m.PgVector({
          id: 'interop-vec',
          connectionString: pgSocketAwareUrl(this.url),
          ...this.vectorOptions,
        });
      }
    }
    return this.vec;
  }

  static invoke(target, method, op, what) {
    const fn = target[method];
    if (typeof fn !== 'function') throw new Error(`${what} has no method ${JSON.stringify(method)}`);
    if (Array.isArray(op.argv)) return fn.apply(target, op.argv.map(a => reviveDates(a, undefined)));
    if (!('args' in op)) return fn.call(target);
    return fn.call(target, reviveDates(op.args, undefined));
  }

  async run(op) {
    switch (op.op) {
      case 'init': {
        const store = await this.getStore();
        await store.init();
        return null;
      }
      case 'call': {
        const store = await this.getStore();
        const domain = await store.getStore(op.domain);
        if (!domain) throw new Error(`store has no domain ${JSON.stringify(op.domain)}`);
        return await Bridge.invoke(domain, op.method, op, `domain ${op.domain}`);
      }
      case 'vector': {
        const vec = await this.getVector();
        return await Bridge.invoke(vec, op.method, op, 'vector store');
      }
      case 'sql': {
        const store = await this.getStore();
        const params = op.params ?? [];
        if (this.backend === 'libsql') {
          const rs = await store.client.execute({ sql: op.sql, args: params });
          return rs.rows.map(row => Object.fromEntries(rs.columns.map((c, i) => [c, row[i]])));
        }
        const res = await store.pool.query(op.sql, params);
        return res.rows ?? [];
      }
      default:
        throw new Error(`unknown op ${JSON.stringify(op.op)}`);
    }
  }

  async close() {
    const tasks = [];
    if (this.store) {
      if (this.backend === 'libsql') tasks.push(async () => this.store.client.close());
      else tasks.push(async () => this.store.close());
    }
    if (this.vec) {
      if (this.backend === 'libsql') tasks.push(async () => this.vec.turso.close());
      else tasks.push(async () => this.vec.disconnect());
    }
    for (const t of tasks) {
      try {
        await t();
      } catch (err) {
        console.error('bridge: error while closing:', err);
      }
    }
  }
}

function emit(doc, code) {
  let text;
  try {
    text = JSON.stringify(doc, jsonReplacer);
  } catch (err) {
    text = JSON.stringify({
      results: [],
      error: errorToJson(new Error(`could not serialise bridge output: ${err.message}`), null),
    });
    code = 1;
  }
  process.exitCode = code;
  process.stdout.write(text + '\n', () => {
    // Exit promptly even if some library left a handle (timer, socket) open.
    setTimeout(() => process.exit(code), 200).unref();
  });
}

async function main() {
  const results = [];
  let bridge = null;
  let request;
  try {
    request = JSON.parse(await readStdin());
    if (!request || !Array.isArray(request.ops)) throw new Error('request must be an object with an "ops" array');
    bridge = new Bridge(request);
  } catch (err) {
    emit({ results, error: errorToJson(err, null) }, 1);
    return;
  }
  let error = null;
  for (let i = 0; i < request.ops.length; i++) {
    try {
      const r = await bridge.run(request.ops[i]);
      results.push(r === undefined ? null : r);
    } catch (err) {
      error = errorToJson(err, i);
      break;
    }
  }
  await bridge.close();
  emit(error ? { results, error } : { results }, error ? 1 : 0);
}

main().catch(err => {
  emit({ results: [], error: errorToJson(err, null) }, 1);
});
