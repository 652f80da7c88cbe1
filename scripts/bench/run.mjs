// run.mjs - runs one SQL script in an in-memory DuckDB (@duckdb/node-api).
//   node run.mjs SQL_FILE DATA_DIR OUT_CSV
// Substitutes {{DIR}} and {{OUT}} in the script, runs its statements in
// order, and prints one line of JSON to stderr: wall seconds (from opening
// the database to the end of the last statement) and the process's user and
// system CPU seconds.  Peak RSS is measured outside, by /usr/bin/time -v.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [sqlFile, dir, out] = process.argv.slice(2);
if (!sqlFile || !dir || !out) {
	console.error('usage: node run.mjs SQL_FILE DATA_DIR OUT_CSV');
	process.exit(1);
}
const sql = readFileSync(sqlFile, 'utf8')
	.replaceAll('{{DIR}}', dir.replaceAll("'", "''"))
	.replaceAll('{{OUT}}', out.replaceAll("'", "''"));

const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(sql); // several statements: run executes them in order
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
con.closeSync?.();
db.closeSync?.();
console.error(JSON.stringify({
	wall_s: +wall.toFixed(3),
	user_s: +(cpu.user / 1e6).toFixed(3),
	sys_s: +(cpu.system / 1e6).toFixed(3),
}));
