package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// testBrand checks a key's brand: set, read, replaced and deleted, scoped
// to its key.
func testBrand(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	if _, err := s.Brand(ctx, a.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Fatalf("Brand before any: got %v, want ErrNotFound", err)
	}
	logo := mvgen.NewLogo([]byte("\x89PNG one"), 64, 32)
	br := &mvgen.Brand{KeyID: a.ID, AccentColor: "#ff8800", Theme: "bars", Logo: logo, UpdatedAt: now}
	if err := s.SetBrand(ctx, br); err != nil {
		t.Fatalf("SetBrand: %v", err)
	}
	got, err := s.Brand(ctx, a.ID)
	if err != nil {
		t.Fatalf("Brand: %v", err)
	}
	if got.AccentColor != "#ff8800" || got.Theme != "bars" || !got.UpdatedAt.Equal(now) || got.Logo == nil ||
		got.Logo.Hash != logo.Hash || got.Logo.Width != 64 || got.Logo.Height != 32 || got.Logo.Size != len(logo.PNG) ||
		got.Logo.PNG != nil {
		t.Errorf("Brand = %+v (logo %+v), want %+v without the PNG", got, got.Logo, br)
	}
	if _, err := s.Brand(ctx, b.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Brand of another key: got %v, want ErrNotFound", err)
	}
	if l, err := s.Logo(ctx, logo.Hash); err != nil || !bytes.Equal(l.PNG, logo.PNG) || l.Width != 64 {
		t.Errorf("Logo = %+v, %v; want the PNG stored", l, err)
	}
	// A PUT replaces the whole brand: without a logo, none is kept, and
	// the old one goes, as no task needs it.
	if err := s.SetBrand(ctx, &mvgen.Brand{KeyID: a.ID, AccentColor: "#0000ff", UpdatedAt: now.Add(time.Minute)}); err != nil {
		t.Fatalf("SetBrand again: %v", err)
	}
	if got, _ := s.Brand(ctx, a.ID); got.Logo != nil || got.Theme != "" || got.AccentColor != "#0000ff" {
		t.Errorf("replaced brand = %+v, want the colour only", got)
	}
	if _, err := s.Logo(ctx, logo.Hash); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Logo no one names: got %v, want ErrNotFound (deleted)", err)
	}
	if err := s.DeleteBrand(ctx, b.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("DeleteBrand without one: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteBrand(ctx, a.ID); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	if _, err := s.Brand(ctx, a.ID); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Brand after DeleteBrand: got %v, want ErrNotFound", err)
	}
}

// testBrandLogoSnapshot checks that a pending task keeps the logo its
// brand had when it was made: the logo outlives a brand change and a
// delete until the task finishes, and two keys with the same logo share
// one row.
func testBrandLogoSnapshot(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	a, b := newKey(t, s, "alice"), newKey(t, s, "bob")
	one, two := mvgen.NewLogo([]byte("\x89PNG one"), 10, 10), mvgen.NewLogo([]byte("\x89PNG two"), 20, 20)
	for _, k := range []*mvgen.Key{a, b} {
		if err := s.SetBrand(ctx, &mvgen.Brand{KeyID: k.ID, Logo: one, UpdatedAt: now}); err != nil {
			t.Fatalf("SetBrand: %v", err)
		}
	}
	tk := newTask(a)
	tk.LogoHash = one.Hash
	if _, err := s.CreateTask(ctx, tk); err != nil {
		t.Fatalf("CreateTask with a logo: %v", err)
	}
	if got, _ := s.Task(ctx, a.ID, tk.ID); got.LogoHash != one.Hash {
		t.Errorf("task's LogoHash = %q, want %q", got.LogoHash, one.Hash)
	}
	if err := s.SetBrand(ctx, &mvgen.Brand{KeyID: a.ID, Logo: two, UpdatedAt: now}); err != nil {
		t.Fatalf("SetBrand two: %v", err)
	}
	if err := s.DeleteBrand(ctx, b.ID); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	if l, err := s.Logo(ctx, one.Hash); err != nil || !bytes.Equal(l.PNG, one.PNG) {
		t.Fatalf("Logo a pending task needs, after its brands changed: %+v, %v; want it kept", l, err)
	}
	if _, err := s.FinishTask(ctx, tk.ID, store.Result{Status: mvgen.StatusRenderFailed, ErrorCode: 500,
		ErrorMessage: "x", CompletedAt: now}); err != nil {
		t.Fatalf("FinishTask: %v", err)
	}
	if _, err := s.Logo(ctx, one.Hash); !errors.Is(err, mvgen.ErrNotFound) {
		t.Errorf("Logo after its last task finished: got %v, want ErrNotFound (deleted)", err)
	}
	if _, err := s.Logo(ctx, two.Hash); err != nil {
		t.Errorf("the brand's current logo: %v", err)
	}
	// A task naming a logo that is gone (its brand changed meanwhile) is
	// refused, not stored to fail at its render.
	late := newTask(a)
	late.LogoHash = one.Hash
	if _, err := s.CreateTask(ctx, late); mvgen.ErrorCode(err) != mvgen.EConflict {
		t.Errorf("CreateTask naming a deleted logo: got %v, want a conflict", err)
	}
}

// testBrandLogoRace makes tasks naming a brand's logo while the brand
// changes to another logo, at the same time, round after round: a task
// that was stored always finds its logo (the change deleted it only if it
// came first, and then the task was refused).
func testBrandLogoRace(t *testing.T, s store.Store, q Queue) {
	ctx := context.Background()
	k := newKey(t, s, "alice")
	stored, refused := 0, 0
	for i := range 20 {
		old := mvgen.NewLogo([]byte(fmt.Sprintf("\x89PNG old %d", i)), 1, 1)
		next := mvgen.NewLogo([]byte(fmt.Sprintf("\x89PNG next %d", i)), 1, 1)
		if err := s.SetBrand(ctx, &mvgen.Brand{KeyID: k.ID, Logo: old, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		tk := newTask(k)
		tk.LogoHash = old.Hash
		var wg sync.WaitGroup
		var createErr, setErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			// Every third round gives the brand change a head start,
			// every third the task, so that each comes first sometimes.
			time.Sleep(time.Duration(i%3) * time.Millisecond)
			_, createErr = s.CreateTask(ctx, tk)
		}()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(2-i%3) * time.Millisecond)
			setErr = s.SetBrand(ctx, &mvgen.Brand{KeyID: k.ID, Logo: next, UpdatedAt: now})
		}()
		wg.Wait()
		if setErr != nil {
			t.Fatalf("round %d: SetBrand: %v", i, setErr)
		}
		switch {
		case createErr == nil:
			stored++
			if _, err := s.Logo(ctx, old.Hash); err != nil {
				t.Fatalf("round %d: a stored pending task's logo is gone: %v", i, err)
			}
		case mvgen.ErrorCode(createErr) == mvgen.EConflict:
			refused++
		default:
			t.Fatalf("round %d: CreateTask: %v", i, createErr)
		}
	}
	t.Logf("%d tasks stored with their logo, %d refused as the brand changed first", stored, refused)
}
