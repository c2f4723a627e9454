// Drives Microsoft's JavaScript Graph client (@microsoft/microsoft-graph-client) against the
// reference server served over https, as an application developer's tests would use `serve`:
//  1. a sweep: every GET the suites know (SWEEP, a JSON file from the Rust side: documented and
//     metadata paths of both versions), function arguments percent-encoded as a URI-template
//     client encodes them; every answer is printed for the Rust side to validate by schema;
//  2. lists paged through PageIterator, which follows @odata.nextLink only over https;
//  3. consistency a client relies on: a read by key equals its row in the list; a single-valued
//     navigation read on its own equals the parent's $expand; a task's taskDefinitionId names a
//     task definition; encoded delimiters mean the same call; deleted items carry deletedDateTime.
// GRAPH_ORIGIN is https://localhost:PORT; NODE_EXTRA_CA_CERTS trusts the self-signed certificate.
// Prints one JSON object; exits 1 on the first mismatch.
"use strict";
const fs = require("fs");
const { Client, PageIterator } = require("@microsoft/microsoft-graph-client");

const origin = new URL(process.env.GRAPH_ORIGIN);
function clientFor(version) {
  return Client.init({
    baseUrl: origin.origin,
    defaultVersion: version,
    // The client attaches the token only to Graph's hosts and to these (https only).
    customHosts: new Set([origin.hostname]),
    authProvider: (done) => done(null, "js-client-token"),
  });
}
const clients = { beta: clientFor("beta"), "v1.0": clientFor("v1.0") };

function ensure(ok, message) {
  if (!ok) {
    throw new Error(message);
  }
}

// A call's arguments as RFC 6570 simple expansion writes them (`:` → %3A, `+` → %2B); quotes
// around a string argument stay, as the SDKs' templates write them (`on='{on}'`).
function sdkEncoded(path) {
  return path.replace(/\(([^()]*=[^()]*)\)$/, (_, args) => {
    const parts = args.split(",").map((a) => {
      const eq = a.indexOf("=");
      const name = a.slice(0, eq);
      let value = decodeURIComponent(a.slice(eq + 1));
      const quoted = value.startsWith("'") && value.endsWith("'") && value.length >= 2;
      if (quoted) value = value.slice(1, -1);
      const enc = encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
      return `${name}=${quoted ? `'${enc}'` : enc}`;
    });
    return `(${parts.join(",")})`;
  });
}

async function get(version, path) {
  try {
    return { status: 200, body: await clients[version].api(path).get() };
  } catch (e) {
    if (e && e.statusCode) return { status: e.statusCode, body: null, error: String(e.body || e.message) };
    throw e;
  }
}

async function all(version, path, top) {
  const first = await clients[version].api(path).top(top).count(true).get();
  const rows = [];
  await new PageIterator(clients[version], first, (r) => {
    rows.push(r);
    return true;
  }).iterate();
  return { rows, count: first["@odata.count"] };
}

function sameValues(expected, actual, what) {
  for (const [k, v] of Object.entries(expected)) {
    if (k.startsWith("@")) continue;
    ensure(JSON.stringify(actual[k]) === JSON.stringify(v), `${what}: ${k} is ${JSON.stringify(actual[k])}, not ${JSON.stringify(v)}`);
  }
}

async function lifecycleWorkflows(version, seen) {
  const lw = "/identityGovernance/lifecycleWorkflows";
  const { rows: workflows, count } = await all(version, `${lw}/workflows`, 7);
  ensure(workflows.length === count && count > 7, `${version}: ${workflows.length} workflows paged, @odata.count ${count}`);
  ensure(new Set(workflows.map((w) => w.id)).size === workflows.length, `${version}: a workflow came twice`);
  const synthetic = workflows.filter((w) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-c[0-9a-f]{3}-0{11}[01]$/.test(w.id));
  ensure(synthetic.length > 0, `${version}: no synthetic workflow among ${workflows.length}`);
  const w = synthetic[0];

  const one = await clients[version].api(`${lw}/workflows/${w.id}`).get();
  ensure(/\/\$entity$/.test(one["@odata.context"]), `an entity context: ${one["@odata.context"]}`);
  sameValues(w, one, `${version}: workflow ${w.id} read by key against its row`);
  const selected = await clients[version].api(`${lw}/workflows/${w.id}`).select(["id", "displayName"]).get();
  const keys = Object.keys(selected).filter((k) => !k.startsWith("@odata."));
  ensure(keys.every((k) => k === "id" || k === "displayName"), `$select=id,displayName answered ${keys.join(",")}`);
  seen.select = keys.sort();

  for (const nav of ["createdBy", "lastModifiedBy"]) {
    const expanded = await clients[version].api(`${lw}/workflows/${w.id}`).expand(nav).get();
    const own = await get(version, `${lw}/workflows/${w.id}/${nav}`);
    ensure(expanded[nav] && own.status === 200, `${version}: ${nav} expanded ${JSON.stringify(expanded[nav])}, read ${own.status}`);
    sameValues(expanded[nav], own.body, `${version}: workflow/${nav} against $expand=${nav}`);
    seen.navigations += 1;
  }

  const definitions = new Set((await all(version, `${lw}/taskDefinitions`, 50)).rows.map((d) => d.id));
  const tasks = (await clients[version].api(`${lw}/workflows/${w.id}/tasks`).get()).value;
  for (const t of tasks) {
    ensure(definitions.has(t.taskDefinitionId), `${version}: task ${t.id} names taskDefinition ${t.taskDefinitionId}, which /taskDefinitions lacks`);
    seen.references += 1;
  }

  const runs = (await all(version, `${lw}/workflows/${w.id}/runs`, 5)).rows;
  ensure(runs.length > 0, `${version}: workflow ${w.id} has no run`);
  const window = "startDateTime=2000-01-01T00:00:00Z,endDateTime=2100-01-01T00:00:00Z";
  const plain = `${lw}/workflows/${w.id}/runs/microsoft.graph.identityGovernance.summary(${window})`;
  const encoded = await clients[version].api(sdkEncoded(plain)).get();
  const delimited = await clients[version].api(plain.replace("(", "%28").replace(/\)$/, "%29").replace(",", "%2C")).get();
  ensure(Number.isInteger(encoded.totalRuns) && encoded.totalRuns <= runs.length, `${version}: summary totalRuns ${encoded.totalRuns} of ${runs.length} runs`);
  sameValues(encoded, delimited, `${version}: the summary with encoded delimiters`);
  seen.functions += 2;

  const results = (await all(version, `${lw}/workflows/${w.id}/runs/${runs[0].id}/userProcessingResults`, 3)).rows;
  ensure(results.length > 0, `${version}: run ${runs[0].id} has no userProcessingResults`);
  for (const run of runs) {
    const counted = await all(version, `${lw}/workflows/${w.id}/runs/${run.id}/userProcessingResults`, 50);
    ensure(run.totalUsersCount === counted.count && counted.rows.length === counted.count,
      `${version}: run ${run.id} says totalUsersCount ${run.totalUsersCount}, its userProcessingResults count ${counted.count} (${counted.rows.length} paged)`);
    seen.totals += 1;
  }
  const r = results[0];
  const rOne = await clients[version].api(`${lw}/workflows/${w.id}/runs/${runs[0].id}/userProcessingResults/${r.id}`).get();
  sameValues(r, rOne, `${version}: userProcessingResult read by key against its row`);
  ensure(r.subject && rOne.subject, `${version}: subject is inline in the list and the read`);
  const subject = await clients[version].api(`${lw}/workflows/${w.id}/runs/${runs[0].id}/userProcessingResults/${r.id}/subject`).get();
  sameValues(r.subject, subject, `${version}: userProcessingResult/subject against the row's`);
  seen.navigations += 1;

  const deleted = (await all(version, `${lw}/deletedItems/workflows`, 20)).rows;
  const live = new Set(workflows.map((x) => x.id.toLowerCase()));
  for (const d of deleted) {
    ensure(typeof d.deletedDateTime === "string", `${version}: deleted workflow ${d.id} has deletedDateTime ${d.deletedDateTime}`);
    ensure(!live.has(d.id.toLowerCase()), `${version}: workflow ${d.id} is both live and deleted`);
  }
  seen.deleted += deleted.length;
  const templates = (await all(version, `${lw}/workflowTemplates`, 20)).rows;
  ensure(templates.length > 0, `${version}: no workflow template`);
  const names = new Set(templates.map((t) => t.displayName));
  ensure(names.size === templates.length, `${version}: ${templates.length} workflow templates share ${names.size} names`);
  seen.paged += workflows.length + deleted.length + templates.length;
}

async function entitlementManagement(seen) {
  const em = "/identityGovernance/entitlementManagement";
  const { rows: packages, count } = await all("v1.0", `${em}/accessPackages`, 9);
  ensure(packages.length === count && count > 9, `${packages.length} access packages paged, @odata.count ${count}`);
  const p = packages.find((x) => /-c[0-9a-f]{3}-0{11}0$/.test(x.id)) || packages[0];
  const expanded = await clients["v1.0"].api(`${em}/accessPackages/${p.id}`).expand("catalog").get();
  const own = await get("v1.0", `${em}/accessPackages/${p.id}/catalog`);
  ensure(expanded.catalog && own.status === 200, `catalog expanded ${JSON.stringify(expanded.catalog)}, read ${own.status}`);
  sameValues(expanded.catalog, own.body, "accessPackage/catalog against $expand=catalog");
  seen.navigations += 1;
  const mine = await clients["v1.0"].api(sdkEncoded(`${em}/accessPackages/filterByCurrentUser(on='allowedRequestor')`)).get();
  ensure(Array.isArray(mine.value), "filterByCurrentUser answers a list");
  seen.functions += 1;
  seen.paged += packages.length;
}

async function main() {
  const seen = { select: [], navigations: 0, references: 0, functions: 0, deleted: 0, totals: 0, paged: 0, sweep: [] };
  const sweep = JSON.parse(fs.readFileSync(process.env.SWEEP, "utf8"));
  for (const item of sweep) {
    const path = sdkEncoded(item.path);
    const got = await get(item.version, path);
    seen.sweep.push({ version: item.version, path, status: got.status, body: got.body, error: got.error });
    if (path !== item.path) seen.functions += 1;
  }
  await lifecycleWorkflows("beta", seen);
  await lifecycleWorkflows("v1.0", seen);
  await entitlementManagement(seen);
  fs.writeFileSync(process.env.SEEN, JSON.stringify(seen));
  const { sweep: _, ...summary } = seen;
  console.log(JSON.stringify({ ...summary, swept: seen.sweep.length }));
}

main().catch((e) => {
  console.error(`graph-client check failed: ${e && (e.stack || e.message || e)}`);
  if (e && e.statusCode) {
    console.error(`status ${e.statusCode}: ${e.body || ""}`);
  }
  process.exit(1);
});
