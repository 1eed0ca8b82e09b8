// Lints an AsyncAPI document offline with the official parser (@asyncapi/parser): the document must
// parse, validate against its AsyncAPI version's schema, resolve every $ref (local files only) and pass
// the parser's built-in rules. Errors and warnings fail; infos and hints are printed.
//   node tools/lint/asyncapi/lint.mjs docs/asyncapi.yaml
import path from 'node:path';

let Parser, fromFile;
try {
  ({ Parser, fromFile } = await import('@asyncapi/parser'));
} catch (e) {
  console.error(`@asyncapi/parser is not installed (${e.code || e.message}): run scripts/install-deps.sh`);
  process.exit(1);
}

const kSeverity = ['error', 'warning', 'info', 'hint'];

// Rules that do not fit DocVal, and why.
const kIgnored = new Map([
  ['asyncapi-info-contact', 'DocVal is self-hosted: each deployment has its own operator, there is no central contact'],
  ['asyncapi-latest-version', 'the document stays on 2.6 while the SDKs\' tooling does'],
]);

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: lint.mjs FILE');
    return 2;
  }
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
  let failures = 0;
  for (const d of diagnostics) {
    if (kIgnored.has(d.code)) continue;
    const where = d.path && d.path.length ? d.path.join('.') : '(document)';
    const line = d.range ? `:${d.range.start.line + 1}` : '';
    console.log(`${file}${line}: ${kSeverity[d.severity] ?? d.severity}: ${d.code}: ${d.message} [${where}]`);
    if (d.severity <= 1) ++failures;
  }
  if (!document || failures > 0) {
    console.log(`${file}: ${failures} error(s) or warning(s)`);
    return 1;
  }
  console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channel(s), ` +
              `${document.messages().length} message(s)`);
  return 0;
}

process.exitCode = await main().catch((e) => {
  console.error(`${process.argv[2]}: ${e.stack || e}`);
  return 1;
});
