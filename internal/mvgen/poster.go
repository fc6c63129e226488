package mvgen

import "strings"

// PosterKey is the blob key of the poster image stored beside the video at
// videoKey (contract §6.3): the same key ending in ".jpg" instead of
// ".mp4". It is kept, reused and purged with the video.
func PosterKey(videoKey string) string {
	return strings.TrimSuffix(videoKey, ".mp4") + ".jpg"
}

// CaptionFormats are the caption files stored beside a video whose track
// has timed lyrics (contract §6.5), by extension: SubRip, WebVTT, LRC.
var CaptionFormats = []string{"srt", "vtt", "lrc"}

// CaptionKey is the blob key of the caption file in format (one of
// CaptionFormats) stored beside the video at videoKey: the same key
// ending in "."+format. Like the poster, it is kept, reused and purged
// with the video.
func CaptionKey(videoKey, format string) string {
	return strings.TrimSuffix(videoKey, ".mp4") + "." + format
}

// CaptionKeys returns the keys of every caption file of the video at
// videoKey.
func CaptionKeys(videoKey string) []string {
	keys := make([]string, len(CaptionFormats))
	for i, f := range CaptionFormats {
		keys[i] = CaptionKey(videoKey, f)
	}
	return keys
}

// What a finished task's video has of caption files (Task.Captions).
const (
	// CaptionsNone: the video shows no lyrics (or was made before caption
	// files existed).
	CaptionsNone = ""
	// CaptionsStored: SRT, WebVTT and LRC files are stored beside it.
	CaptionsStored = "stored"
	// CaptionsUntimed: the track's lyrics have no times, so there are
	// neither lyrics in the video nor caption files.
	CaptionsUntimed = "untimed"
)
