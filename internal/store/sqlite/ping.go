package sqlite

import "context"

// Ping reports whether the database answers a query (the readiness check).
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
