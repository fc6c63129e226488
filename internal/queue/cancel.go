package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/mvgen/mvgen/internal/jobs"
)

// cancelPage is how many running jobs CancelWork reads at a time; every
// node's fetch and render workers together are usually far fewer.
const cancelPage = 1000

// CancelWork stops the fetch and render jobs of task taskID that are
// running, on whichever node runs them, and returns how many it reached.
// Call it after the task has ended (delivery does when a caller cancels
// it): a job that starts later reads the task and finds it ended, and one
// already running is asked to stop here.
//
// River cancels the context of each such job (River's JobCancel) on the
// node that runs it: at once on this node, through PostgreSQL's
// LISTEN/NOTIFY on the others (River polls once a minute in case a
// notification was missed, and every two seconds where there is no
// notifier, as on SQLite, whose database one process works alone). The
// worker sees jobs.ErrCancelled as its context's cause.
func (q *Queue[TTx]) CancelWork(ctx context.Context, taskID string) (int, error) {
	params := river.NewJobListParams().Kinds(string(jobs.KindFetch), string(jobs.KindRender)).
		States(rivertype.JobStateRunning).First(cancelPage)
	n := 0
	var errs []error
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return n, fmt.Errorf("listing the running jobs of task %s: %w", taskID, err)
		}
		for _, row := range res.Jobs {
			var args struct {
				TaskID string `json:"taskId"`
			}
			if json.Unmarshal(row.EncodedArgs, &args) != nil || args.TaskID != taskID {
				continue
			}
			// A job that finished meanwhile is left as it ended.
			if _, err := q.client.JobCancel(ctx, row.ID); err != nil && !errors.Is(err, river.ErrNotFound) {
				errs = append(errs, fmt.Errorf("cancelling %s job %d of task %s: %w", row.Kind, row.ID, taskID, err))
				continue
			}
			n++
		}
		if len(res.Jobs) < cancelPage {
			return n, errors.Join(errs...)
		}
		params = params.After(res.LastCursor)
	}
}

// cancelling is River middleware that gives a job's worker the reason in
// mvgen's words when the job is cancelled while it runs: River cancels the
// job's context with river.ErrJobCancelledRemotely; the worker's context
// ends with jobs.ErrCancelled as its cause instead. Any other end keeps its
// cause (a shutdown) or its deadline; the job's own timeout is set inside,
// on the context the worker is given.
type cancelling struct{ river.MiddlewareDefaults }

func (*cancelling) Work(ctx context.Context, _ *rivertype.JobRow, doInner func(context.Context) error) error {
	base := context.WithoutCancel(ctx)
	if d, ok := ctx.Deadline(); ok {
		var stop context.CancelFunc
		base, stop = context.WithDeadline(base, d)
		defer stop()
	}
	inner, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, river.ErrJobCancelledRemotely):
			cancel(fmt.Errorf("%w (%w)", jobs.ErrCancelled, cause))
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			// inner's own deadline ends it as the same error
		default:
			cancel(cause)
		}
	})
	defer stop()
	return doInner(inner)
}
