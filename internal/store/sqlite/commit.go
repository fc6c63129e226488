package sqlite

import (
	"context"
	"fmt"
	"sync"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// maxBatch bounds how many task creations share one commit.
const maxBatch = 128

// committer is SQLite group commit for task creation. SQLite has one writer
// and a durable commit costs an fsync; requests that arrive while a commit
// is in progress wait and are then committed together in one transaction,
// each inside its own savepoint so that one failing (an idempotency
// conflict) does not undo the others. Nothing waits on purpose: a lone
// request commits at once, and batches grow only under load.
type committer struct {
	s    *Store
	reqs chan *createReq
	done chan struct{}
	once sync.Once
}

type createReq struct {
	ctx context.Context
	t   *mvgen.Task
	res chan createRes
}

type createRes struct {
	t   *mvgen.Task
	err error
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s, reqs: make(chan *createReq), done: make(chan struct{})}
	go c.loop()
	return c
}

// create hands t to the committer and waits for its batch to commit.
func (c *committer) create(ctx context.Context, t *mvgen.Task) (*mvgen.Task, error) {
	req := &createReq{ctx: context.WithoutCancel(ctx), t: t, res: make(chan createRes, 1)}
	select {
	case c.reqs <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, fmt.Errorf("creating task: store closed")
	}
	// Once handed over the task may be stored: wait for the outcome, so a
	// 200 is never lost and an error is never a task stored after all.
	r := <-req.res
	return r.t, r.err
}

func (c *committer) loop() {
	for {
		var batch []*createReq
		select {
		case req := <-c.reqs:
			batch = append(batch, req)
		case <-c.done:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case req := <-c.reqs:
				batch = append(batch, req)
			default:
				break more
			}
		}
		c.commit(batch)
	}
}

// commit stores a batch in one durable transaction.
func (c *committer) commit(batch []*createReq) {
	results := make([]createRes, len(batch))
	err := c.s.exec.InTx(batch[0].ctx, true, func(tx sqlstore.Tx) error {
		for i, req := range batch {
			if _, err := tx.Exec(req.ctx, "SAVEPOINT create_task"); err != nil {
				return err
			}
			t, err := c.s.InsertTask(req.ctx, tx, req.t)
			results[i] = createRes{t, err}
			undo := "RELEASE create_task"
			if err != nil {
				undo = "ROLLBACK TO create_task; RELEASE create_task"
			}
			if _, err := tx.Exec(req.ctx, undo); err != nil {
				return err
			}
		}
		return nil
	})
	for i, req := range batch {
		if err != nil {
			results[i] = createRes{nil, fmt.Errorf("creating task: %w", err)}
		}
		req.res <- results[i]
	}
}

func (c *committer) close() { c.once.Do(func() { close(c.done) }) }
