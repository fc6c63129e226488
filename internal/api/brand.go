package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/source"
)

// A key's brand (contract §6.6): PUT, GET and DELETE /api/v1/brand, and
// GET /api/v1/brand/logo for the logo itself. Generate fills what a
// request leaves out from its key's brand (brandOf, in submit).

// brandParts are the multipart fields PUT /api/v1/brand reads.
var brandParts = []string{"logo", "accentColor", "theme"}

// brandAliases are synonyms a client may guess for them.
var brandAliases = map[string]string{
	"image": "logo", "file": "logo", "picture": "logo", "icon": "logo", "brandlogo": "logo", "logofile": "logo",
	"color": "accentColor", "colour": "accentColor", "accent": "accentColor", "accentcolour": "accentColor",
	"look": "theme", "style": "theme",
}

// maxBrandText caps accentColor and theme as read.
const maxBrandText = 256

// putBrand is PUT /api/v1/brand: a multipart form whose fields replace the
// key's brand (a field left out is unset; the logo too).
func (h *Handler) putBrand(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	b, err := h.readBrand(w, r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	b.KeyID, b.UpdatedAt = k.ID, time.Now().UTC()
	if err := h.Store.SetBrand(r.Context(), b); err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, h.brandItem(b))
}

// readBrand reads and checks PUT /api/v1/brand's form.
func (h *Handler) readBrand(w http.ResponseWriter, r *http.Request) (*mvgen.Brand, error) {
	const how = `send multipart/form-data with any of the fields logo (a PNG file), accentColor (#rrggbb) and theme ` +
		`(curl -X PUT -F logo=@logo.png -F accentColor=#ff8800 …)`
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, mvgen.Errorf(mvgen.EBadRequest, "the brand is a form: %s", how)
	}
	r.Body = http.MaxBytesReader(w, r.Body, mvgen.MaxLogoBytes+h.maxBody())
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, mvgen.Errorf(mvgen.EBadRequest, "reading multipart body: %v; %s", err, how)
	}
	var b mvgen.Brand
	seen := map[string]bool{}
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, uploadError("multipart body", err)
		}
		name := part.FormName()
		for _, known := range brandParts {
			if strings.EqualFold(name, known) {
				name = known
			}
		}
		switch {
		case n > 2*len(brandParts):
			part.Close()
			return nil, mvgen.Errorf(mvgen.EInvalid, "more than %d multipart parts; send each of %s at most once",
				2*len(brandParts), strings.Join(brandParts, ", "))
		case seen[name]:
			part.Close()
			return nil, mvgen.Errorf(mvgen.EInvalid, "%s: sent twice; send one %s part", name, name)
		}
		seen[name] = true
		err = readBrandPart(part, name, &b)
		part.Close()
		if err != nil {
			return nil, err
		}
	}
	if b.Logo == nil && b.AccentColor == "" && b.Theme == "" {
		return nil, mvgen.Errorf(mvgen.EInvalid, "the brand is empty: %s (DELETE /api/v1/brand removes a brand)", how)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return &b, nil
}

// readBrandPart reads one part of the brand's form into b.
func readBrandPart(part io.Reader, name string, b *mvgen.Brand) error {
	switch name {
	case "logo":
		data, err := io.ReadAll(io.LimitReader(part, mvgen.MaxLogoBytes+1))
		if err != nil {
			return uploadError("logo", err)
		}
		if len(data) > mvgen.MaxLogoBytes {
			return mvgen.Errorf(mvgen.ETooLarge, "logo is over the 1 MiB limit: save it smaller (fewer colours or pixels; "+
				"it is drawn about 22 to 34 pixels high)")
		}
		if _, err := source.DecodeLogo(data); err != nil {
			var ie *source.InputError
			if errors.As(err, &ie) {
				return mvgen.Errorf(mvgen.EInvalid, "%s", ie.Msg)
			}
			return err
		}
		width, height, _ := source.CheckLogo(data)
		b.Logo = mvgen.NewLogo(data, width, height)
	case "accentColor", "theme":
		v, err := io.ReadAll(io.LimitReader(part, maxBrandText))
		if err != nil {
			return uploadError(name, err)
		}
		if name == "theme" {
			b.Theme = strings.TrimSpace(string(v))
		} else {
			b.AccentColor = strings.TrimSpace(string(v))
		}
	default:
		if want, ok := didYouMean(name, brandParts, brandAliases); ok {
			return unknownField(name, want)
		}
	}
	return nil
}

// getBrand is GET /api/v1/brand.
func (h *Handler) getBrand(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	b, err := h.Store.Brand(r.Context(), k.ID)
	if errors.Is(err, mvgen.ErrNotFound) {
		err = mvgen.Errorf(mvgen.ENotFound, "this key has no brand; set one with PUT /api/v1/brand")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, h.brandItem(b))
}

// deleteBrand is DELETE /api/v1/brand.
func (h *Handler) deleteBrand(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	err := h.Store.DeleteBrand(r.Context(), k.ID)
	if errors.Is(err, mvgen.ErrNotFound) {
		err = mvgen.Errorf(mvgen.ENotFound, "this key has no brand to delete")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.ok(w, map[string]any{"deleted": true})
}

// brandLogo is GET /api/v1/brand/logo: the brand's logo as stored, a PNG
// (not an envelope), with its content hash as ETag.
func (h *Handler) brandLogo(w http.ResponseWriter, r *http.Request, k *mvgen.Key) {
	b, err := h.Store.Brand(r.Context(), k.ID)
	if err == nil && b.Logo == nil {
		err = mvgen.ErrNotFound
	}
	var l *mvgen.Logo
	if err == nil {
		l, err = h.Store.Logo(r.Context(), b.Logo.Hash)
	}
	if errors.Is(err, mvgen.ErrNotFound) {
		err = mvgen.Errorf(mvgen.ENotFound, "this key's brand has no logo; upload one with PUT /api/v1/brand (field logo)")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("ETag", `"`+l.Hash+`"`)
	w.Header().Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", b.UpdatedAt, bytes.NewReader(l.PNG))
}

// brandItem is a brand as the API shows it.
func (h *Handler) brandItem(b *mvgen.Brand) map[string]any {
	item := map[string]any{"accentColor": b.AccentColor, "theme": b.Theme, "logo": nil,
		"updatedAt": h.timeValue(b.UpdatedAt)}
	if l := b.Logo; l != nil {
		item["logo"] = map[string]any{"width": l.Width, "height": l.Height, "bytes": l.Size, "sha256": l.Hash,
			"url": "/api/v1/brand/logo"}
	}
	return item
}

// brandOf returns key k's brand for a new task; nil when it has none.
func (h *Handler) brandOf(r *http.Request, k *mvgen.Key) (*mvgen.Brand, error) {
	b, err := h.Store.Brand(r.Context(), k.ID)
	if errors.Is(err, mvgen.ErrNotFound) {
		return nil, nil
	}
	return b, err
}
