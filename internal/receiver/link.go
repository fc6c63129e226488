package receiver

import (
	"fmt"
	"net/url"
	"strings"
)

// checkLinkTask refuses a video_url that is not a link to the video of
// task taskID. mvgen's links are always BaseURL + "/v1/videos/<task
// id>.mp4?expires=…&sig=…" (internal/link, the only place a callback's
// video_url is made), BaseURL possibly with a path prefix, and the link's
// signature covers that task id: a link whose path names task X can fetch
// nothing but X's video. So the path's last three segments must be "v1",
// "videos" and "<taskID>.mp4", exactly as url.PathEscape writes them (task
// ids that reach here are letters, digits, '_' and '-', which it leaves
// alone), and no segment may be a dot segment that a server would resolve
// away.
//
// This matters most with Legacy, whose signature covers only the task id
// and the timestamp: a captured callback could otherwise be replayed with
// the link of another task, whose video would be saved as this one's.
//
// Only the link is checked, not where it redirects: mvgen on S3 answers a
// link with a 307 to a presigned URL whose key need not name the task (a
// task that reuses an identical render shares the first task's file,
// videos/<render key>-<first task id>.mp4), and it chooses that key only
// after checking the link's signature for this task.
func checkLinkTask(link *url.URL, taskID string) error {
	segs := strings.Split(link.EscapedPath(), "/")
	for _, s := range segs {
		if u, err := url.PathUnescape(s); err != nil || u == "." || u == ".." {
			return fmt.Errorf("video_url's path %s has a dot segment or a bad escape", quoteShort(link.EscapedPath()))
		}
	}
	n := len(segs)
	if n < 4 || segs[n-3] != "v1" || segs[n-2] != "videos" || segs[n-1] != url.PathEscape(taskID)+".mp4" {
		return fmt.Errorf("video_url is not a link to the video of task %s: its path is %s, an mvgen link's ends in /v1/videos/%s.mp4",
			taskID, quoteShort(link.EscapedPath()), taskID)
	}
	return nil
}
