package mvgen

import "strings"

// PosterKey is the blob key of the poster image stored beside the video at
// videoKey (contract §6.3): the same key ending in ".jpg" instead of
// ".mp4". It is kept, reused and purged with the video.
func PosterKey(videoKey string) string {
	return strings.TrimSuffix(videoKey, ".mp4") + ".jpg"
}
