// Parses an AsyncAPI document with the official parser; prints its diagnostics as JSON.
import { Parser, fromFile } from '@asyncapi/parser';

const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, process.argv[2]).parse();
const channels = document ? document.channels().all().map((channel) => channel.address()) : [];
console.log(JSON.stringify({
  parsed: Boolean(document),
  channels,
  diagnostics: diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path })),
}));
