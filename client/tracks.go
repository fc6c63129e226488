package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"
)

// TrackRef names a track in the catalogue: what generate takes.
type TrackRef struct {
	// TaskID is the music task holding the track (generate's taskId).
	TaskID string `json:"taskId"`
	// AudioID is the track (generate's audioId).
	AudioID string `json:"audioId"`
	// MusicIndex is the track's position in its music task.
	MusicIndex int `json:"musicIndex"`
}

// Upload is an audio file (and optional cover) to add to the catalogue.
type Upload struct {
	// Audio is read to its end and streamed to the server (required).
	Audio io.Reader
	// AudioName is the file name sent with it. Default "audio".
	AudioName string
	// Cover is an optional cover image (JPEG, PNG or WebP).
	Cover io.Reader
	// CoverName is the file name sent with it. Default "cover".
	CoverName string
	// Lyrics are optional synced lyrics (mvgen): LRC with line tags
	// [mm:ss.xx] and optional word tags <mm:ss.xx>, shown in the video.
	// Malformed LRC is refused with an *Error (ErrValidation) naming the
	// line and column.
	Lyrics io.Reader
	// LyricsName is the file name sent with it. Default "lyrics.lrc".
	LyricsName string
	// Title and Tags are optional; the title is shown in the video.
	Title, Tags string
	// Progress, if set, is called as the files are sent with the bytes sent
	// so far and the total: the files' sizes where every reader is an
	// io.Seeker (an *os.File, *bytes.Reader, …) or has a Len method, else -1.
	// A retried upload starts again from 0.
	Progress func(sent, total int64)
}

// UploadTrack streams an audio file (and cover) to the server as
// multipart/form-data, without buffering it. It is retried after 429/455/503
// only when Audio and Cover are io.Seekers, so they can be sent again.
func (c *Client) UploadTrack(ctx context.Context, up Upload) (*TrackRef, error) {
	if up.Audio == nil {
		return nil, errors.New("upload: Audio is required")
	}
	files := []*uploadFile{{field: "audio", name: up.AudioName, r: up.Audio}}
	if files[0].name == "" {
		files[0].name = "audio"
	}
	if up.Cover != nil {
		f := &uploadFile{field: "cover", name: up.CoverName, r: up.Cover}
		if f.name == "" {
			f.name = "cover"
		}
		files = append(files, f)
	}
	if up.Lyrics != nil {
		f := &uploadFile{field: "lyrics", name: up.LyricsName, r: up.Lyrics}
		if f.name == "" {
			f.name = "lyrics.lrc"
		}
		files = append(files, f)
	}
	total, rewindable := int64(0), true
	for _, f := range files {
		if err := f.measure(); err != nil {
			return nil, fmt.Errorf("upload: %s: %w", f.field, err)
		}
		if f.size < 0 || total < 0 {
			total = -1
		} else {
			total += f.size
		}
		rewindable = rewindable && f.seeker != nil
	}
	mw := multipart.NewWriter(io.Discard) // only for its boundary
	boundary := mw.Boundary()
	var writing chan struct{} // closed when the previous attempt's writer is done
	body := func() (io.Reader, error) {
		if writing != nil {
			<-writing
			for _, f := range files {
				if _, err := f.seeker.Seek(f.start, io.SeekStart); err != nil {
					return nil, fmt.Errorf("rewinding %s for a retry: %w", f.field, err)
				}
			}
		}
		pr, pw := io.Pipe()
		writing = make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			writeMultipart(pw, boundary, up, files, total)
		}(writing)
		return pr, nil
	}
	var ref TrackRef
	err := c.do(ctx, call{method: http.MethodPost, path: "/api/v1/tracks",
		contentType: "multipart/form-data; boundary=" + boundary, body: body, retryStatus: rewindable}, &ref)
	if writing != nil {
		<-writing // the caller may reuse the readers once this returns
	}
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return &ref, nil
}

// uploadFile is one file part of an upload.
type uploadFile struct {
	field, name string
	r           io.Reader
	size        int64 // -1 unknown
	seeker      io.Seeker
	start       int64
}

// measure finds the file's size and whether it can be read again.
func (f *uploadFile) measure() error {
	f.size = -1
	if s, ok := f.r.(io.Seeker); ok {
		start, err := s.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil // a pipe or similar: one pass only
		}
		end, err := s.Seek(0, io.SeekEnd)
		if err != nil {
			return err
		}
		if _, err := s.Seek(start, io.SeekStart); err != nil {
			return err
		}
		f.seeker, f.start, f.size = s, start, end-start
		return nil
	}
	if l, ok := f.r.(interface{ Len() int }); ok {
		f.size = int64(l.Len())
	}
	return nil
}

// writeMultipart writes the form to pw, reporting progress; an error ends
// the request body with it.
func writeMultipart(pw *io.PipeWriter, boundary string, up Upload, files []*uploadFile, total int64) {
	mw := multipart.NewWriter(pw)
	err := mw.SetBoundary(boundary)
	for _, f := range [][2]string{{"title", up.Title}, {"tags", up.Tags}} {
		if err == nil && f[1] != "" {
			err = mw.WriteField(f[0], f[1])
		}
	}
	var sent int64
	for _, f := range files {
		if err != nil {
			break
		}
		var w io.Writer
		if w, err = mw.CreateFormFile(f.field, f.name); err != nil {
			break
		}
		if up.Progress != nil {
			w = &progressWriter{w: w, sent: &sent, total: total, report: up.Progress}
		}
		_, err = io.Copy(w, f.r)
	}
	if err == nil {
		err = mw.Close()
	}
	pw.CloseWithError(err)
}

type progressWriter struct {
	w      io.Writer
	sent   *int64
	total  int64
	report func(sent, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	*p.sent += int64(n)
	p.report(*p.sent, p.total)
	return n, err
}

// TrackURLs registers a track by URL: mvgen downloads it at render time,
// under the same address rules as callbacks.
type TrackURLs struct {
	// AudioURL is the audio's http(s) URL (required).
	AudioURL string `json:"audioUrl"`
	// ImageURL is an optional cover image's URL.
	ImageURL string `json:"imageUrl,omitempty"`
	Title    string `json:"title,omitempty"`
	Tags     string `json:"tags,omitempty"`
}

// RegisterTrack adds a track by URL to the catalogue.
func (c *Client) RegisterTrack(ctx context.Context, t TrackURLs) (*TrackRef, error) {
	body, err := jsonBody(t)
	if err != nil {
		return nil, err
	}
	var ref TrackRef
	err = c.do(ctx, call{method: http.MethodPost, path: "/api/v1/tracks",
		contentType: "application/json", body: body, retryStatus: true}, &ref)
	if err != nil {
		return nil, fmt.Errorf("register track: %w", err)
	}
	return &ref, nil
}

// Track is a catalogue entry as Tracks lists it.
type Track struct {
	AudioID    string
	MusicIndex int
	Title      string
	Tags       string
	// AudioURL and ImageURL are set for tracks registered by URL.
	AudioURL, ImageURL string
	// Uploaded reports whether the audio was uploaded rather than linked.
	Uploaded   bool
	CreateTime time.Time
}

// Tracks lists the tracks of a music task.
func (c *Client) Tracks(ctx context.Context, musicTaskID string) ([]Track, error) {
	var out struct {
		Tracks []struct {
			AudioID    string   `json:"audioId"`
			MusicIndex int      `json:"musicIndex"`
			Title      string   `json:"title"`
			Tags       string   `json:"tags"`
			AudioURL   *string  `json:"audioUrl"`
			ImageURL   *string  `json:"imageUrl"`
			Uploaded   bool     `json:"uploaded"`
			CreateTime jsonTime `json:"createTime"`
		} `json:"tracks"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/tracks",
		query: url.Values{"taskId": {musicTaskID}}, retryStatus: true, retryNetwork: true}, &out)
	if err != nil {
		return nil, fmt.Errorf("list tracks of %s: %w", musicTaskID, err)
	}
	tracks := make([]Track, 0, len(out.Tracks))
	for _, t := range out.Tracks {
		tracks = append(tracks, Track{AudioID: t.AudioID, MusicIndex: t.MusicIndex, Title: t.Title, Tags: t.Tags,
			AudioURL: deref(t.AudioURL), ImageURL: deref(t.ImageURL), Uploaded: t.Uploaded, CreateTime: t.CreateTime.Time})
	}
	return tracks, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
