// Drives Microsoft's JavaScript Graph client (@microsoft/microsoft-graph-client) against the
// reference server served over https: a get, a $select and a paged list through PageIterator.
// GRAPH_ROOT is the service root (https://localhost:PORT/beta); NODE_EXTRA_CA_CERTS trusts the
// server's self-signed certificate. Prints one JSON line with what it saw; exits 1 on a mismatch.
"use strict";
const { Client, PageIterator } = require("@microsoft/microsoft-graph-client");

const root = new URL(process.env.GRAPH_ROOT);
const client = Client.init({
  baseUrl: root.origin,
  defaultVersion: root.pathname.replace(/^\/|\/$/g, ""),
  // The client attaches the token only to Graph's hosts and to these (https only).
  customHosts: new Set([root.hostname]),
  authProvider: (done) => done(null, "js-client-token"),
});

function ensure(ok, message) {
  if (!ok) {
    throw new Error(message);
  }
}

async function main() {
  const workflows = "/identityGovernance/lifecycleWorkflows/workflows";
  const first = await client.api(workflows).top(1).get();
  ensure(Array.isArray(first.value) && first.value.length === 1, "a list of one workflow");
  const id = first.value[0].id;

  const one = await client.api(`${workflows}/${id}`).get();
  ensure(one.id === id, `the workflow read by key is ${one.id}, not ${id}`);
  ensure(/\/\$entity$/.test(one["@odata.context"]), `an entity context: ${one["@odata.context"]}`);

  const selected = await client.api(`${workflows}/${id}`).select(["id", "displayName"]).get();
  const keys = Object.keys(selected).filter((k) => !k.startsWith("@odata."));
  ensure(
    keys.every((k) => k === "id" || k === "displayName") && "displayName" in selected,
    `$select=id,displayName answered ${keys.join(",")}`,
  );

  const page = await client.api(workflows).top(2).count(true).get();
  const total = page["@odata.count"];
  ensure(Number.isInteger(total) && total > 2, `@odata.count ${total} (more than one page expected)`);
  ensure(typeof page["@odata.nextLink"] === "string", "the first page has a next link");
  const seen = [];
  const iterator = new PageIterator(client, page, (w) => {
    seen.push(w.id);
    return true;
  });
  await iterator.iterate();
  ensure(seen.length === total, `the pages held ${seen.length} workflows, @odata.count says ${total}`);
  ensure(new Set(seen).size === seen.length, "no workflow came twice");

  console.log(JSON.stringify({ get: one.id, select: keys.sort(), paged: seen.length, count: total }));
}

main().catch((e) => {
  console.error(`graph-client check failed: ${e && (e.stack || e.message || e)}`);
  if (e && e.statusCode) {
    console.error(`status ${e.statusCode}: ${e.body || ""}`);
  }
  process.exit(1);
});
