// Validates rendered Kubernetes manifests offline against the OpenAPI schemas that the npm packages
// kubernetes-models (the Kubernetes API of about v1.31: it knows ImageVolumeSource) and
// @kubernetes-models/cert-manager bundle as compiled validators: types, required fields, enums,
// formats. On top, what those validators do not do, the way the API server's strict field validation
// does: a field the schema does not know (a typo such as `prots:`) is an error.
//
//   node deploy/ci/validate-manifests.mjs RENDERED.yaml...
//
// Exit 0 when every document is valid, 1 otherwise (each problem on its own line), 2 on bad usage.
// Every apiVersion/kind must have a schema here: an unknown kind is an error, never skipped.
import fs from "node:fs";
import YAML from "yaml";

const kSources = [
  // [apiVersion prefix, module path prefix]
  ["cert-manager.io/", "@kubernetes-models/cert-manager/cert-manager.io/"],
  ["", "kubernetes-models/"],
];

async function modelFor(apiVersion, kind) {
  for (const [prefix, path] of kSources) {
    if (!apiVersion.startsWith(prefix)) continue;
    const module = `${path}${apiVersion.slice(prefix.length)}/${kind}`;
    try {
      const m = await import(module);
      if (m[kind]) return m[kind];
    } catch (e) {
      if (!["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND", "ERR_PACKAGE_PATH_NOT_EXPORTED"].includes(e.code)) throw e;
    }
  }
  return null;
}

// Wraps every plain object of `value` in a Proxy that records which keys the validator reads. A
// compiled validator reads each property its schema declares, and enumerates the keys of maps
// (additionalProperties): any key of a non-enumerated object it never read is unknown to the schema.
function track(value, path, records) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => track(v, `${path}/${i}`, records));
  const rec = { path, keys: Object.keys(value), read: new Set(), enumerated: false };
  records.push(rec);
  const target = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, track(v, `${path}/${k}`, records)]));
  return new Proxy(target, {
    get(t, k, r) {
      if (typeof k === "string") rec.read.add(k);
      return Reflect.get(t, k, r);
    },
    has(t, k) {
      if (typeof k === "string") rec.read.add(k);
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      rec.enumerated = true;
      return Reflect.ownKeys(t);
    },
  });
}

async function validateDocument(doc, where) {
  const problems = [];
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return [`${where}: not a mapping`];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return [`${where}: no apiVersion/kind`];
  const name = `${where} ${kind} ${doc.metadata?.name ?? "(no name)"}`;
  const Model = await modelFor(apiVersion, kind);
  if (!Model) return [`${name}: no schema for ${apiVersion} ${kind}`];
  const records = [];
  const proxied = track(doc, "", records);
  try {
    Model.prototype.validate.call(proxied);
  } catch (e) {
    problems.push(`${name}: ${e.message}`);
  }
  for (const r of records) {
    if (r.enumerated) continue;
    for (const k of r.keys) {
      if (!r.read.has(k)) problems.push(`${name}: unknown field ${r.path}/${k}`);
    }
  }
  return problems;
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: validate-manifests.mjs RENDERED.yaml...");
    return 2;
  }
  let documents = 0;
  const problems = [];
  for (const file of files) {
    const parsed = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
    for (const [i, d] of parsed.entries()) {
      if (d.errors.length) {
        problems.push(`${file}#${i}: ${d.errors.map((e) => e.message).join("; ")}`);
        continue;
      }
      const doc = d.toJS();
      if (doc === null) continue;  // an empty document (a trailing ---)
      documents++;
      problems.push(...(await validateDocument(doc, `${file}#${i}`)));
    }
  }
  for (const p of problems) console.log(p);
  console.log(`${documents} documents checked, ${problems.length} problems`);
  return problems.length === 0 && documents > 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
