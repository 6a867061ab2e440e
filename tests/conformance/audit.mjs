// Runs the graphql-http audit suite against URL (argv[2]) and prints one JSON line per audit,
// then a summary line. Exit code 0 when it ran; the verdict is the caller's.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }));
}
const count = (s) => results.filter((r) => r.status === s).length;
console.log(`SUMMARY ok=${count('ok')} warn=${count('warn')} error=${count('error')}`);
