package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"
)

// BrandSettings is what SetBrand sends: a key's brand (mvgen, contract
// §6.6), what every video the key asks for gets where the request leaves a
// field out. A request's own AccentColor and Theme win. SetBrand replaces
// the whole brand: a field left empty is unset, the logo too.
type BrandSettings struct {
	// Logo is a PNG of at most 1 MiB and 1024 pixels a side, drawn in the
	// video's watermark box before the domain; nil for none. It is read
	// into memory (it is small) so that a retry can send it again.
	Logo io.Reader
	// AccentColor is "#rrggbb", or "" for none.
	AccentColor string
	// Theme is the default theme ("bars"), or "" for none.
	Theme string
}

// Brand is a key's brand as the server keeps it.
type Brand struct {
	AccentColor string     `json:"accentColor"` // "#rrggbb" in lower case, or ""
	Theme       string     `json:"theme"`       // or ""
	Logo        *BrandLogo `json:"logo"`        // nil for none
	UpdatedAt   time.Time  `json:"-"`
}

// BrandLogo describes a brand's logo.
type BrandLogo struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"` // the file's hash, hex
	// URL is where the logo is fetched, with the API key (see BrandLogo).
	URL string `json:"url"`
}

// maxLogoBytes is the server's limit on a logo; SetBrand reads one byte
// more, so that the server answers a larger one with 413.
const maxLogoBytes = 1 << 20

// SetBrand replaces the key's brand (PUT /api/v1/brand). An unfit logo or
// colour is an *Error: ErrTooLarge for a logo over 1 MiB, ErrValidation
// naming the problem otherwise.
func (c *Client) SetBrand(ctx context.Context, s BrandSettings) (*Brand, error) {
	var logo []byte
	if s.Logo != nil {
		var err error
		if logo, err = io.ReadAll(io.LimitReader(s.Logo, maxLogoBytes+1)); err != nil {
			return nil, fmt.Errorf("set brand: reading the logo: %w", err)
		}
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if s.Logo != nil {
		w, _ := mw.CreateFormFile("logo", "logo.png")
		w.Write(logo)
	}
	if s.AccentColor != "" {
		mw.WriteField("accentColor", s.AccentColor)
	}
	if s.Theme != "" {
		mw.WriteField("theme", s.Theme)
	}
	mw.Close()
	b := body.Bytes()
	var out brandJSON
	err := c.do(ctx, call{method: http.MethodPut, path: "/api/v1/brand", contentType: mw.FormDataContentType(),
		body: func() (io.Reader, error) { return bytes.NewReader(b), nil }, retryStatus: true, retryNetwork: true}, &out)
	if err != nil {
		return nil, fmt.Errorf("set brand: %w", err)
	}
	return out.brand(), nil
}

// Brand returns the key's brand (GET /api/v1/brand); an *Error matching
// ErrNotFound when it has none.
func (c *Client) Brand(ctx context.Context) (*Brand, error) {
	var out brandJSON
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/brand", retryStatus: true, retryNetwork: true}, &out); err != nil {
		return nil, fmt.Errorf("brand: %w", err)
	}
	return out.brand(), nil
}

// DeleteBrand removes the key's brand (DELETE /api/v1/brand); an *Error
// matching ErrNotFound when it has none. Tasks already made keep theirs.
func (c *Client) DeleteBrand(ctx context.Context) error {
	if err := c.do(ctx, call{method: http.MethodDelete, path: "/api/v1/brand", retryStatus: true, retryNetwork: true}, nil); err != nil {
		return fmt.Errorf("delete brand: %w", err)
	}
	return nil
}

// BrandLogo returns the brand's logo as uploaded (GET
// /api/v1/brand/logo): a PNG. An *Error matching ErrNotFound when the
// brand has none.
func (c *Client) BrandLogo(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("/api/v1/brand/logo", nil), nil)
	if err != nil {
		return nil, fmt.Errorf("brand logo: %w", err)
	}
	req.Header.Set("User-Agent", c.userAgent())
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("brand logo: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("brand logo: %w", decodeAnswer(resp, nil))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
		return nil, fmt.Errorf("brand logo: the answer is %q, not a PNG", ct)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxLogoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("brand logo: %w", err)
	}
	return b, nil
}

// brandJSON is a brand as the API answers it.
type brandJSON struct {
	Brand
	UpdatedAt jsonTime `json:"updatedAt"`
}

func (b *brandJSON) brand() *Brand {
	out := b.Brand
	out.UpdatedAt = b.UpdatedAt.Time
	return &out
}
