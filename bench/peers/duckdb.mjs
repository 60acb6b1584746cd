// bench/peers/duckdb.mjs FILE THREADS - the aggregation benchmark in DuckDB
// (through @duckdb/node-api, installed by `npm ci --prefix bench`).
//
// Prints the common result CSV of bench/run: one row per (region, category)
// in byte order (DuckDB compares VARCHAR bytewise unless told otherwise). The CSV columns are declared, so no sniffing pass runs, and
// amount is DECIMAL(18,2), so its sum, min and max are exact; avg and
// stddev_samp of a DECIMAL are DOUBLE.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads] = process.argv.slice(2);
if (!file || !/^[1-9][0-9]*$/.test(threads ?? '')) {
  process.stderr.write('usage: duckdb.mjs FILE THREADS\n');
  process.exit(2);
}

const columns = `{
  'order_id': 'BIGINT', 'order_date': 'DATE', 'region': 'VARCHAR', 'country': 'VARCHAR',
  'product': 'VARCHAR', 'category': 'VARCHAR', 'customer': 'VARCHAR', 'quantity': 'INTEGER',
  'unit_price': 'DECIMAL(18,2)', 'discount': 'DECIMAL(18,2)', 'amount': 'DECIMAL(18,2)'
}`;
const sql = `
  SELECT region, category, count(*), sum(amount), avg(amount), min(amount), max(amount),
         stddev_samp(amount), sum(quantity)
  FROM read_csv('${file.replaceAll("'", "''")}', header = true, delim = ',', columns = ${columns})
  GROUP BY region, category
  ORDER BY region, category`;

const instance = await DuckDBInstance.create(':memory:', { threads });
const connection = await instance.connect();
const reader = await connection.runAndReadAll(sql);
const lines = ['region,category,count,sum_amount,avg_amount,min_amount,max_amount,' +
               'stddev_amount,sum_quantity'];
for (const row of reader.getRows())
  lines.push(row.map((v) => (v === null ? '' : String(v))).join(','));
process.stdout.write(lines.join('\n') + '\n');
