// PostGraphile v5 over the gateway's own database (schema public), as a user who picked it instead
// would run it: production mode, no GraphiQL, no watch, parse/validate cache on. No auth: it runs as
// the connecting role, so it does less work than the gateway (no token, no scope, no audit rows).
// `python -m bench.side_by_side` copies this file next to the installed node_modules (bench/peer/setup.sh)
// and sets DATABASE_URL and PORT.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PG_POOL_MAX ?? 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    parseAndValidateCacheSize: 500,
  },
  grafast: { explain: false },
};
export default preset;
