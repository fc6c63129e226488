package postgres

import "context"

// Ping reports whether the database answers a query (the readiness check).
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.pool.QueryRow(ctx, "SELECT 1").Scan(&one)
}
