package mvgen

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Logo limits (contract §6.6): a brand's logo is a PNG of at most
// MaxLogoBytes and MaxLogoSide pixels a side.
const (
	MaxLogoBytes = 1 << 20 // 1 MiB
	MaxLogoSide  = 1024
)

// Brand is an API key's look (contract §6.6, PUT /api/v1/brand): what a
// generate request of the key gets where it leaves a field out. A request's
// own accentColor and theme win.
type Brand struct {
	KeyID string
	// AccentColor is "#rrggbb", or "" for none.
	AccentColor string
	// Theme is one of Themes, or "" for none.
	Theme string
	// Logo is the brand's logo; nil without one.
	Logo *Logo
	// UpdatedAt is when the brand was last set.
	UpdatedAt time.Time
}

// Logo is a brand's logo: a PNG, stored once per content (its Hash), so
// that a task keeps the logo its brand had at generate however the brand
// changes later.
type Logo struct {
	// Hash is the hex SHA-256 of PNG: the logo's name in the store, and
	// what a task records of it.
	Hash          string
	Width, Height int
	// Size is len(PNG) (also when PNG is not loaded).
	Size int
	// PNG is the file; nil where only the logo's description was read.
	PNG []byte
}

// NewLogo returns the logo holding png, a checked PNG of width×height
// pixels.
func NewLogo(png []byte, width, height int) *Logo {
	sum := sha256.Sum256(png)
	return &Logo{Hash: hex.EncodeToString(sum[:]), Width: width, Height: height, Size: len(png), PNG: png}
}

// Validate checks the brand's colour and theme, naming the form field at
// fault.
func (b *Brand) Validate() error {
	if b.AccentColor != "" {
		c, err := ParseColor(b.AccentColor)
		if err != nil {
			return Errorf(EInvalid, "accentColor: %v", err)
		}
		b.AccentColor = c.String()
	}
	if _, err := ParseTheme(b.Theme); err != nil {
		return Errorf(EInvalid, "theme: %v", err)
	}
	return nil
}

// UseBrand gives t, made for track tr, what the key's brand b sets and the
// request left out (b nil is no brand): the accent colour, the theme, and
// the brand's logo as it is now (the task keeps it however the brand
// changes). The render keys (the task's and its renditions') are computed
// again, counting them.
func (t *Task) UseBrand(b *Brand, tr *Track) {
	if b == nil {
		return
	}
	if t.AccentColor == "" {
		t.AccentColor = b.AccentColor
	}
	if t.Theme == "" {
		t.Theme = b.Theme
	}
	if b.Logo != nil {
		t.LogoHash = b.Logo.Hash
	}
	t.SetRenderKeys(tr)
}
