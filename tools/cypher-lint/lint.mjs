// Lint Cypher statements offline with Neo4j's own parser and semantic analysis.
//
// Reads a JSON list of {name, query, parameters} from stdin; prints one line per error-severity
// diagnostic and exits 1 when any statement has one (2 on bad input). Warnings are printed with
// --warnings. A summary line goes to stderr so callers can count what was checked.
import { lintCypherQuery } from '@neo4j-cypher/language-support';

// vscode-languageserver DiagnosticSeverity: 1 = Error, 2 = Warning, 3 = Information, 4 = Hint.
const ERROR = 1;

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function lintOne({ name, query, parameters }) {
  // Every parameter the statement uses must be declared: an undeclared one is an error.
  const schema = { parameters: parameters ?? {} };
  const { diagnostics } = lintCypherQuery(query, schema, { consoleCommandsEnabled: false });
  return diagnostics.map((d) => ({
    name,
    severity: d.severity === ERROR ? 'error' : 'warning',
    message: d.message,
    at: d.offsets ? query.slice(d.offsets.start, Math.max(d.offsets.end, d.offsets.start + 20)) : '',
  }));
}

async function main() {
  const showWarnings = process.argv.includes('--warnings');
  let statements;
  try {
    statements = JSON.parse(await readStdin());
  } catch (err) {
    console.error(`cypher-lint: stdin is not JSON (${err.message}); pipe a list of {name, query, parameters}`);
    process.exit(2);
  }
  if (!Array.isArray(statements)) {
    console.error('cypher-lint: expected a JSON list of {name, query, parameters}');
    process.exit(2);
  }
  let errors = 0;
  for (const statement of statements) {
    for (const d of lintOne(statement)) {
      if (d.severity === 'error') errors += 1;
      if (d.severity === 'error' || showWarnings) {
        console.log(`${d.severity}: ${d.name}: ${d.message} (at: ${JSON.stringify(d.at)})`);
      }
    }
  }
  console.error(`cypher-lint: ${statements.length} statements checked, ${errors} errors`);
  process.exit(errors > 0 ? 1 : 0);
}

main();
