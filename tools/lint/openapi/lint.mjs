// Validates an OpenAPI document offline against the official JSON schema of its version
// (@seriousme/openapi-schema-validator): the document must be OpenAPI 3.1, match the schema and
// resolve every local $ref.
//   node tools/lint/openapi/lint.mjs docs/openapi.yaml
import path from 'node:path';

let Validator;
try {
  ({ Validator } = await import('@seriousme/openapi-schema-validator'));
} catch (e) {
  console.error(`@seriousme/openapi-schema-validator is not installed (${e.code || e.message}): run scripts/install-deps.sh`);
  process.exit(1);
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: lint.mjs FILE');
    return 2;
  }
  const validator = new Validator();
  const res = await validator.validate(path.resolve(file));
  if (!res.valid) {
    console.log(`${file}: does not match the OpenAPI ${validator.version ?? '?'} schema`);
    console.log(JSON.stringify(res.errors, null, 2));
    return 1;
  }
  if (!String(validator.version).startsWith('3.1')) {
    console.log(`${file}: OpenAPI ${validator.version}, expected 3.1`);
    return 1;
  }
  const resolved = validator.resolveRefs();  // throws on a $ref that does not resolve
  const paths = Object.keys(resolved.paths ?? {});
  console.log(`${file}: valid OpenAPI ${validator.version}, ${paths.length} path(s): ${paths.join(', ')}`);
  return 0;
}

process.exitCode = await main().catch((e) => {
  console.error(`${process.argv[2]}: ${e.stack || e}`);
  return 1;
});
