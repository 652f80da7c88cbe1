// run-concurrent.mjs - runs.mjs's job for a script of CREATE TABLE ... AS
// statements followed by the query: the CREATE TABLE statements at once,
// each on its own connection to the same in-memory DuckDB (so the medical
// gzip is read while the other extracts are), then the rest in order.
//   node run-concurrent.mjs SQL_FILE DATA_DIR OUT_CSV
// Prints the same JSON line as run.mjs (wall, user and system CPU), plus
// load_s: the wall of the concurrent CREATE TABLEs.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [sqlFile, dir, out] = process.argv.slice(2);
if (!sqlFile || !dir || !out) {
	console.error('usage: node run-concurrent.mjs SQL_FILE DATA_DIR OUT_CSV');
	process.exit(1);
}
const sql = readFileSync(sqlFile, 'utf8')
	.split('\n').filter((l) => !l.startsWith('--')).join('\n')
	.replaceAll('{{DIR}}', dir.replaceAll("'", "''"))
	.replaceAll('{{OUT}}', out.replaceAll("'", "''"));
// statements end with ';' at the end of a line; the query is the rest
const stmts = sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
const creates = stmts.filter((s) => /^CREATE TABLE/i.test(s));
const settings = stmts.filter((s) => /^SET /i.test(s));
const rest = stmts.filter((s) => !creates.includes(s) && !settings.includes(s));

const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
for (const s of settings) await con.run(s); // SET threads is the instance's
const cons = [con];
for (let i = 1; i < creates.length; i++) cons.push(await db.connect());
await Promise.all(creates.map((s, i) => cons[i].run(s)));
const load = Number(process.hrtime.bigint() - t0) / 1e9;
for (const s of rest) await con.run(s);
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
for (const c of cons) c.closeSync?.();
db.closeSync?.();
console.error(JSON.stringify({
	wall_s: +wall.toFixed(3),
	load_s: +load.toFixed(3),
	user_s: +(cpu.user / 1e6).toFixed(3),
	sys_s: +(cpu.system / 1e6).toFixed(3),
}));
