package x264

// MacroblockCount is how many 16×16 macroblocks cover a w×h picture: the
// length of Encode's changed. It needs no libx264, so it is one function in
// every build.
func MacroblockCount(w, h int) int { return (w + 15) / 16 * ((h + 15) / 16) }
