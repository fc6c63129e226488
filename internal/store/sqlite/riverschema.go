package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateJobTables applies River's migrations (the job queue's tables) and
// returns the names of those it applied.
func migrateJobTables(ctx context.Context, db *sql.DB) ([]string, error) {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return nil, fmt.Errorf("migrating job tables: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrating job tables: %w", err)
	}
	var applied []string
	for _, v := range res.Versions {
		applied = append(applied, "river "+v.Name)
	}
	return applied, nil
}
