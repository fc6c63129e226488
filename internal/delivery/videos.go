package delivery

import (
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/webhook"
)

// Videos lists the videos of the successful task t (contract §6.5),
// rendition 0 first, with links signed by links: record-info's
// response.videos and, when t has renditions, its callback's data.videos.
// Rendition i's links name the file "<task id>-<i>" (rendition 0's, the
// task id alone: the links record-info gave before renditions existed).
func Videos(t *mvgen.Task, links *link.Signer) []webhook.Video {
	aspect, _ := mvgen.ParseAspect(t.Aspect)
	res, _ := mvgen.ParseResolution(t.Resolution)
	v := video(links, t.ID, t.ExpiresAt, aspect, res, 0, t.Duration, t.Captions)
	v.Width, v.Height = aspect.Size(res)
	out := []webhook.Video{v}
	for _, r := range t.Renditions {
		a, _ := mvgen.ParseAspect(r.Aspect)
		res, _ := mvgen.ParseResolution(r.Resolution)
		v := video(links, RenditionFile(t.ID, r.Index), t.ExpiresAt, a, res, r.Start, r.Duration, r.Captions)
		v.Width, v.Height = r.Width, r.Height
		out = append(out, v)
	}
	return out
}

// RenditionFile is the name rendition i of task taskID goes by in its
// links: the task id for rendition 0, "<task id>-<i>" for the others.
func RenditionFile(taskID string, i int) string {
	if i == 0 {
		return taskID
	}
	return taskID + "-" + strconv.Itoa(i)
}

func video(links *link.Signer, file string, expires time.Time, a mvgen.Aspect, r mvgen.Resolution,
	start, dur time.Duration, captions string) webhook.Video {
	v := webhook.Video{Aspect: string(a), Resolution: string(r), Start: start.Seconds(),
		VideoURL: links.URL(file, expires), PosterURL: links.PosterURL(file, expires)}
	if dur > 0 {
		d := dur.Seconds()
		v.Duration = &d
	}
	if captions == mvgen.CaptionsStored {
		c := func(f string) string { return links.CaptionURL(file, f, expires) }
		v.Captions = &webhook.Captions{SRT: c("srt"), VTT: c("vtt"), LRC: c("lrc")}
	}
	return v
}

// RenditionURLs are the video links of t's renditions 1, 2, ...: the jobs
// dialect's resultUrls after rendition 0's.
func RenditionURLs(t *mvgen.Task, links *link.Signer) []string {
	var urls []string
	for _, r := range t.Renditions {
		urls = append(urls, links.URL(RenditionFile(t.ID, r.Index), t.ExpiresAt))
	}
	return urls
}
