package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/source"
	"github.com/mvgen/mvgen/internal/server"
)

// brandStore is what `keys set-brand` reads and writes.
type brandStore interface {
	keyStore
	SetBrand(ctx context.Context, b *mvgen.Brand) error
	Brand(ctx context.Context, keyID string) (*mvgen.Brand, error)
	DeleteBrand(ctx context.Context, keyID string) error
	Logo(ctx context.Context, hash string) (*mvgen.Logo, error)
}

// setBrand is `mvgen keys set-brand ID|NAME [--logo F.png] [--accent-color
// #rrggbb] [--theme NAME]` and `… --clear` (contract §6.6): the operator's
// way to PUT /api/v1/brand for a key. Unlike the API's PUT, which replaces
// the brand, the flags given change their fields and the others are kept;
// an empty value ("--theme ”") unsets one; --clear deletes the brand.
func setBrand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys set-brand", stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := keyFileFlag(fs)
	logo := fs.String("logo", "", "a PNG of at most 1 MiB and 1024 px a side, drawn in the watermark's box before the domain")
	accent := fs.String("accent-color", "", "the accent colour, `#rrggbb`")
	theme := fs.String("theme", "", "the default theme: "+themeNames())
	clear := fs.Bool("clear", false, "delete the key's brand")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("keys set-brand: want one key id or name (see mvgen keys list)")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	changes := given["logo"] || given["accent-color"] || given["theme"]
	switch {
	case *clear && changes:
		return errors.New("keys set-brand: give --clear alone, or --logo, --accent-color and --theme without it")
	case !*clear && !changes:
		return errors.New("keys set-brand: nothing to set: give --logo F.png, --accent-color #rrggbb or --theme NAME (or --clear)")
	}
	key, err := secretKey(*keyFile)
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, server.Config{DataDir: sf.data, DB: sf.db, SecretKey: key})
	if err != nil {
		return err
	}
	defer st.Close()
	var s brandStore = st
	k, err := findKey(ctx, s, pos[0])
	if err != nil {
		return fmt.Errorf("keys set-brand: %w", err)
	}
	if *clear {
		if err := s.DeleteBrand(ctx, k.ID); errors.Is(err, mvgen.ErrNotFound) {
			return fmt.Errorf("keys set-brand: key %s has no brand to clear", k.ID)
		} else if err != nil {
			return fmt.Errorf("clearing the brand of %s: %w", k.ID, err)
		}
		fmt.Fprintf(stdout, "cleared the brand of %s (%s)\n", k.ID, k.Name)
		return nil
	}
	b, err := s.Brand(ctx, k.ID)
	if errors.Is(err, mvgen.ErrNotFound) {
		b, err = &mvgen.Brand{KeyID: k.ID}, nil
	}
	if err != nil {
		return fmt.Errorf("reading the brand of %s: %w", k.ID, err)
	}
	if b.Logo != nil && !given["logo"] {
		if b.Logo, err = s.Logo(ctx, b.Logo.Hash); err != nil {
			return fmt.Errorf("reading the logo of %s: %w", k.ID, err)
		}
	}
	if given["logo"] {
		if b.Logo, err = readLogoFile(*logo); err != nil {
			return err
		}
	}
	if given["accent-color"] {
		b.AccentColor = *accent
	}
	if given["theme"] {
		b.Theme = *theme
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("keys set-brand: %s", mvgen.ErrorMessage(err))
	}
	if b.Logo == nil && b.AccentColor == "" && b.Theme == "" {
		return fmt.Errorf("keys set-brand: the brand would be empty; use --clear to delete it")
	}
	b.UpdatedAt = time.Now().UTC()
	if err := s.SetBrand(ctx, b); err != nil {
		return fmt.Errorf("setting the brand of %s: %w", k.ID, err)
	}
	fmt.Fprintf(stdout, "set the brand of %s (%s): %s\n", k.ID, k.Name, brandText(b))
	return nil
}

// readLogoFile reads and checks a logo file ("" for none), as PUT
// /api/v1/brand checks an upload.
func readLogoFile(path string) (*mvgen.Logo, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys set-brand: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, mvgen.MaxLogoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("keys set-brand: reading %s: %w", path, err)
	}
	if _, err := source.DecodeLogo(b); err != nil {
		return nil, fmt.Errorf("keys set-brand: %s: %w", path, err)
	}
	w, h, _ := source.CheckLogo(b)
	return mvgen.NewLogo(b, w, h), nil
}

// brandText describes b in one line.
func brandText(b *mvgen.Brand) string {
	orNone := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	logo := "none"
	if b.Logo != nil {
		logo = fmt.Sprintf("%d×%d PNG, %d bytes", b.Logo.Width, b.Logo.Height, b.Logo.Size)
	}
	return fmt.Sprintf("accent colour %s, theme %s, logo %s", orNone(b.AccentColor), orNone(b.Theme), logo)
}
