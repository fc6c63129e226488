package source

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// CheckLogo checks a brand's logo without decoding its pixels: a PNG of
// at most mvgen.MaxLogoBytes whose header (IHDR) gives at most
// mvgen.MaxLogoSide pixels a side. It returns the logo's size in pixels;
// an unfit file is an *InputError whose message names the problem and the
// fix. DecodeLogo decodes a file that passed.
func CheckLogo(b []byte) (width, height int, err error) {
	switch {
	case len(b) > mvgen.MaxLogoBytes:
		return 0, 0, &InputError{Msg: fmt.Sprintf("logo is %d bytes; the limit is %d (1 MiB): save it smaller (fewer colours, or fewer pixels)",
			len(b), mvgen.MaxLogoBytes)}
	case len(b) == 0:
		return 0, 0, &InputError{Msg: "logo is empty: send a PNG file"}
	case !bytes.HasPrefix(b, []byte(pngSignature)):
		return 0, 0, &InputError{Msg: "logo is not a PNG file: convert it to PNG (transparency is kept)"}
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0, &InputError{Msg: "logo is not a valid PNG file (its header is damaged): export it again as PNG", Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, 0, &InputError{Msg: "logo has no pixels"}
	}
	if cfg.Width > mvgen.MaxLogoSide || cfg.Height > mvgen.MaxLogoSide {
		return 0, 0, &InputError{Msg: fmt.Sprintf("logo is %d×%d pixels; the limit is %d pixels a side: scale it down",
			cfg.Width, cfg.Height, mvgen.MaxLogoSide)}
	}
	return cfg.Width, cfg.Height, nil
}

// DecodeLogo checks b as CheckLogo does, then decodes its pixels. The
// header's size is checked before anything is inflated, so a
// decompression bomb (a small file declaring a huge picture) costs
// nothing; a picture within the limit decodes into at most 8 MiB
// (1024×1024 at 16 bits a channel), and pixel data that ends early or is
// corrupt is an *InputError.
func DecodeLogo(b []byte) (image.Image, error) {
	if _, _, err := CheckLogo(b); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, &InputError{Msg: "logo is not a valid PNG file (its pixel data is cut short or damaged): export it again as PNG", Err: err}
	}
	return img, nil
}
